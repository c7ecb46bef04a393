import EventLog

/// An event of the salon ledger as the log recorded it.
public struct RecordedLedgerEvent: Hashable, Sendable {
    /// Its global position in the log.
    public let position: UInt64
    /// When the log recorded it (the event's own ``LedgerEvent/at`` is when it happened).
    public let recordedAt: Timestamp
    /// The event.
    public let event: LedgerEvent
    /// Whether its personal fields could not be read because the client was erased; they then hold
    /// empty strings and `nil`s.
    public let personalDataErased: Bool

    /// Creates a recorded event. The ledger creates these; tests and wrappers may too.
    public init(position: UInt64, recordedAt: Timestamp, event: LedgerEvent, personalDataErased: Bool = false) {
        self.position = position
        self.recordedAt = recordedAt
        self.event = event
        self.personalDataErased = personalDataErased
    }
}
