/// One event as stored, seen through a ``LogSnapshot`` without copying: valid only inside the read
/// closure that produced it. Use ``StoredEvent`` (via `StoredEvent(event)`) to keep a copy.
public struct RecordedEvent {
    /// The event's global position: gapless, from 1, in commit order.
    public let position: UInt64
    package let header: RecordHeader
    private unowned(unsafe) let snapshot: LogSnapshot

    package init(position: UInt64, header: RecordHeader, snapshot: LogSnapshot) {
        self.position = position
        self.header = header
        self.snapshot = snapshot
    }

    /// The event's version in its stream: gapless, from 1.
    public var streamVersion: UInt64 { header.streamVersion }
    /// The name of the event's stream.
    public var stream: String { snapshot.streamName(header.streamNumber) }
    /// When the log recorded the event. Never decreases along the log.
    public var recordedAt: Timestamp { header.recordedAt }
    /// The caller-given id.
    public var id: EventID { header.id }
    /// The event type.
    public var type: String { snapshot.typeName(header.typeCode) }
    /// Correlation, causation and actor.
    public var metadata: EventMetadata { header.metadata }
    /// The causation id alone: cheaper than ``metadata`` for a pass over many events.
    package var causationID: EventID? { header.causationID }
    /// The correlation id alone.
    package var correlationID: EventID? { header.correlationID }
    /// The payload bytes, pointing into the log's memory map: valid only inside the read closure.
    public var payload: UnsafeRawBufferPointer { header.payload }
    /// The stream's internal number (see `docs/log-format.md`); the same for all events of a stream.
    package var streamNumber: UInt64 { header.streamNumber }
    /// The internal code of ``type``, for fast dispatch in the layers above.
    package var typeCode: UInt32 { header.typeCode }
    /// The global position of the stream's previous event (0 for its first).
    package var previousPosition: UInt64 { header.previousPosition }
}

@available(*, unavailable)
extension RecordedEvent: Sendable {}

/// One event as stored, copied out of the log: safe to keep and to send across tasks.
public struct StoredEvent: Hashable, Sendable {
    /// The event's global position: gapless, from 1, in commit order.
    public let position: UInt64
    /// The name of the event's stream.
    public let stream: String
    /// The event's version in its stream: gapless, from 1.
    public let streamVersion: UInt64
    /// When the log recorded the event. Never decreases along the log.
    public let recordedAt: Timestamp
    /// The caller-given id.
    public let id: EventID
    /// The event type.
    public let type: String
    /// Correlation, causation and actor.
    public let metadata: EventMetadata
    /// The payload bytes.
    public let payload: [UInt8]

    /// Copies `event` out of its snapshot.
    public init(_ event: RecordedEvent) {
        position = event.position
        stream = event.stream
        streamVersion = event.streamVersion
        recordedAt = event.recordedAt
        id = event.id
        type = event.type
        metadata = event.metadata
        payload = Array(event.payload)
    }
}
