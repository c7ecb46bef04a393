/// Where an append put its events.
public struct AppendResult: Hashable, Sendable {
    /// The global position of the first event of the append.
    public let firstPosition: UInt64
    /// The global position of the last event of the append.
    public let lastPosition: UInt64
    /// The stream version of the last event of the append (the stream's version after it).
    public let streamVersion: UInt64
    /// When the log recorded the events: one instant for every event of one write transaction,
    /// read from the clock at the transaction's first append.
    public let recordedAt: Timestamp
    /// `true` when the events were already in the log from an earlier attempt with the same ids and
    /// content, so this append wrote nothing and reports where they are.
    public let wasAlreadyRecorded: Bool

    /// Creates a result. The log creates these; tests and wrappers may too.
    public init(firstPosition: UInt64, lastPosition: UInt64, streamVersion: UInt64, recordedAt: Timestamp, wasAlreadyRecorded: Bool) {
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.streamVersion = streamVersion
        self.recordedAt = recordedAt
        self.wasAlreadyRecorded = wasAlreadyRecorded
    }
}
