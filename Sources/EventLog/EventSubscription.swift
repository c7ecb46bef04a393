/// The events of a log after a position, first those stored, then each new one as it commits.
///
/// An `AsyncSequence` that never ends by itself: iterate it in a task and cancel the task to stop.
/// Events come in log order, each exactly once; a consumer that records the ``StoredEvent/position``
/// of the last event it applied can resume after it with ``EventLog/subscribe(after:)``.
///
/// ```swift
/// for try await event in log.subscribe(after: checkpoint) {
///     try apply(event)
/// }
/// ```
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = StoredEvent
    public typealias Failure = EventLogError

    private let log: EventLog
    private let start: UInt64

    init(log: EventLog, after position: UInt64) {
        self.log = log
        self.start = position
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, after: start)
    }

    /// Reads events in batches and waits for commits when it has caught up.
    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = StoredEvent
        public typealias Failure = EventLogError

        private var follower: LogFollower<StoredEvent, EventLogError>

        init(log: EventLog, after position: UInt64) {
            follower = LogFollower(log: log, after: position, read: { (after) throws(EventLogError) in
                guard after < UInt64.max else { throw EventLogError(.misuse, "a subscription cannot start after the largest position") }
                do {
                    return try log.read { try $0.events(from: after + 1, limit: 512) }
                } catch {
                    throw EventLogError.wrap(error, "reading the log for a subscription")
                }
            }, position: \.position)
        }

        /// The next event; waits while there is none. Returns `nil` only when the task is cancelled.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(EventLogError) -> StoredEvent? {
            try await follower.next(isolation: actor)
        }

        public mutating func next() async throws(EventLogError) -> StoredEvent? {
            try await next(isolation: nil)
        }
    }
}
