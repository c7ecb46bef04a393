import EventLog
import Synchronization

/// The client cards folded from the log in memory, as of position ``head``: what a ledger opened
/// read-only reads when the cards stored with the log are behind it or of another version (it
/// cannot bring them up to date). Built once per head, then only read.
package final class ReplayedCards: @unchecked Sendable {
    package let head: UInt64
    /// Never written after ``init(head:store:)``; safe to read from many threads.
    private let store: MemoryProjectionStore

    package init(head: UInt64, store: MemoryProjectionStore) {
        self.head = head
        self.store = store
    }

    package var state: ProjectionState { ProjectionState(memory: store) }
}

extension SalonLedger {
    /// Runs `body` with the client cards every query reads: the stored client-card projection — or,
    /// read-only, when the stored cards are behind the log or of another version, the same
    /// projection folded from the log in memory (and kept until the log moves on).
    package func readCards<T>(_ body: (ProjectionState) throws -> T) throws -> T {
        let projection = ClientCardProjection()
        guard options.readOnly else { return try log.readProjection(projection, body) }
        if let status = try log.projectionStatus(projection.name), status.version == projection.version, status.checkpoint == status.head {
            return try log.readProjection(projection, body)
        }
        let head = try log.lastPosition()
        let cards = try replayedCards.withLock { cached -> ReplayedCards in
            if let cached, cached.head == head { return cached }
            let fresh = ReplayedCards(head: head, store: try log.replayedState(of: projection, through: head))
            cached = fresh
            return fresh
        }
        return try body(cards.state)
    }
}
