import EventLog

/// The ledger's events after a position, decoded: first those stored, then each new one as it
/// commits — in any process that writes the ledger. See ``SalonLedger/changes(after:)``.
///
/// An `AsyncSequence` that never ends by itself: iterate it in a task and cancel the task to stop.
/// Events come in log order, each once. A consumer keeps the ``RecordedLedgerEvent/position`` of
/// the last event it handled (its checkpoint, stored with what it did) and resumes after it.
///
/// Personal data is opened where the client's key exists; an erased client's events come with
/// ``RecordedLedgerEvent/personalDataErased`` and empty personal fields. A break in the hash chain
/// ends the sequence with ``LedgerError/Code/brokenChain`` naming the position, and an event this
/// library does not know (a newer one wrote it) with ``LedgerError/Code/newerPayloadVersion``:
/// a follower never skips what it cannot read.
public struct LedgerChanges: AsyncSequence, Sendable {
    public typealias Element = RecordedLedgerEvent
    public typealias Failure = LedgerError

    private let ledger: SalonLedger
    private let start: UInt64

    init(ledger: SalonLedger, after position: UInt64) {
        self.ledger = ledger
        self.start = position
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(ledger: ledger, after: start)
    }

    /// Reads events in batches, decoded inside one snapshot each, and waits for commits when it
    /// has caught up.
    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = RecordedLedgerEvent
        public typealias Failure = LedgerError

        /// How many events one read decodes at most.
        private static let batch: UInt64 = 256

        private var follower: LogFollower<RecordedLedgerEvent, LedgerError>

        init(ledger: SalonLedger, after position: UInt64) {
            follower = LogFollower(log: ledger.log, after: position, read: { (after) throws(LedgerError) in
                try ledger.decodedEvents(after: after, limit: Self.batch)
            }, position: \.position)
        }

        /// The next event; waits while there is none. Returns `nil` only when the task is cancelled.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(LedgerError) -> RecordedLedgerEvent? {
            try await follower.next(isolation: actor)
        }

        public mutating func next() async throws(LedgerError) -> RecordedLedgerEvent? {
            try await next(isolation: nil)
        }
    }
}

extension SalonLedger {
    /// Follows the ledger from a checkpoint: every event after global position `position`, decoded,
    /// in log order — those stored first, then each new one as it commits.
    ///
    /// For the work that follows what the salon records: sending the SMS that a
    /// ``ReminderScheduled`` asks for, feeding a search index, mirroring to a data warehouse.
    ///
    /// ```swift
    /// for try await change in ledger.changes(after: checkpoint) {
    ///     if case .reminderScheduled(let reminder) = change.event { try await sms.schedule(reminder) }
    ///     checkpoint = change.position   // stored with the work it stands for
    /// }
    /// ```
    public func changes(after position: UInt64 = 0) -> LedgerChanges {
        LedgerChanges(ledger: self, after: position)
    }

    /// Up to `limit` events after `position`, decoded from one snapshot (personal data opened).
    package func decodedEvents(after position: UInt64, limit: UInt64) throws(LedgerError) -> [RecordedLedgerEvent] {
        guard position < UInt64.max else { return [] }
        do {
            return try log.read { snapshot in
                var events: [RecordedLedgerEvent] = []
                let through = position.addingReportingOverflow(limit).overflow ? UInt64.max : position + limit
                try snapshot.forEachEvent(from: position + 1, through: through) { events.append(try decode($0, keyed: true)) }
                return events
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the ledger's changes")
        }
    }
}
