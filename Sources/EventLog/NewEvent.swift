/// An event to append: a caller-given id, a type name, metadata and an opaque payload.
///
/// The log never looks inside the payload; the layer above chooses its encoding.
public struct NewEvent: Hashable, Sendable {
    /// The unique id that makes a retried append safe. Keep it when you retry.
    public var id: EventID
    /// The event type, 1 to 255 UTF-8 bytes (for example `"ClientRegistered"`).
    public var type: String
    /// Correlation, causation and actor.
    public var metadata: EventMetadata
    /// The payload bytes: 1 to ``EventLog/maximumPayloadBytes`` bytes.
    public var payload: [UInt8]

    /// Creates an event to append.
    public init(id: EventID = EventID(), type: String, metadata: EventMetadata = .none, payload: [UInt8]) {
        self.id = id
        self.type = type
        self.metadata = metadata
        self.payload = payload
    }
}
