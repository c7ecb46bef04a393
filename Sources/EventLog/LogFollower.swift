/// What every follower of the log does (``EventSubscription``, and the layers above): reads a batch
/// of what follows its position, hands it out event by event, and waits for a commit when it has
/// caught up. `read` makes a batch of the events after a position; `position` says where an
/// element stands.
package struct LogFollower<Element, Failure: Error> {
    private let log: EventLog
    private let read: (UInt64) throws(Failure) -> [Element]
    private let position: (Element) -> UInt64
    private var last: UInt64
    private var buffer: [Element] = []
    private var index = 0

    package init(log: EventLog, after position: UInt64, read: @escaping (UInt64) throws(Failure) -> [Element],
                 position positionOf: @escaping (Element) -> UInt64) {
        self.log = log
        self.last = position
        self.read = read
        self.position = positionOf
    }

    /// The next element; waits while there is none. Returns `nil` only when the task is cancelled.
    package mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(Failure) -> Element? {
        while index == buffer.count {
            if Task.isCancelled { return nil }
            buffer = try read(last)
            index = 0
            if buffer.isEmpty { await log.waitForCommit(beyond: last) }
        }
        let element = buffer[index]
        index += 1
        last = position(element)
        return element
    }
}
