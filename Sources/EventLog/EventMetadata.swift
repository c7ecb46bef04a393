/// Who and what caused an event: stored beside the payload in every record.
///
/// All fields are optional. The log does not interpret them; it stores and returns them, so that a
/// later reader can follow a chain of events (correlation), find the event or command that caused
/// this one (causation), and see which person or service recorded it (actor).
public struct EventMetadata: Hashable, Sendable {
    /// Groups the events of one business operation (for example one checkout) across streams.
    public var correlationID: EventID?
    /// The event or command that directly caused this event.
    public var causationID: EventID?
    /// Who recorded the event, such as a staff member's id or a service name; at most 255 UTF-8 bytes.
    public var actor: String?

    /// Creates metadata; every field may be left out.
    public init(correlationID: EventID? = nil, causationID: EventID? = nil, actor: String? = nil) {
        self.correlationID = correlationID
        self.causationID = causationID
        self.actor = actor
    }

    /// No correlation, no causation, no actor.
    public static let none = EventMetadata()
}
