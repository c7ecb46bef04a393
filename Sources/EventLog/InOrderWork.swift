import Foundation

/// Work cut into numbered pieces, made on two threads — the caller's and a helper — and used on
/// the caller's thread in their order: what lets a long pass over the log (an export) use a second
/// core without changing what it hands out or where it stops.
///
/// `produce` makes piece `index` (any thread, with that thread's own `context`, made by
/// `makeContext`); `consume` takes the pieces in order, on the calling thread only, so it need not
/// be `Sendable`. At most `lead` pieces are made ahead of the one being consumed, so memory holds
/// a bounded number of pieces whatever their count.
///
/// The first error — from `produce` of the earliest piece that failed, or from `consume` — is
/// thrown after the pieces before it were consumed, as a pass on one thread would throw it; no
/// piece after it is consumed. The helper has stopped before this function returns or throws.
package func inOrder<Context, Piece: Sendable>(
    pieces count: Int, lead: Int = 3,
    makeContext: @escaping @Sendable () -> Context,
    produce: @escaping @Sendable (inout Context, Int) throws -> Piece,
    consume: (Piece) throws -> Void
) throws {
    guard count > 0 else { return }
    guard count > 1 else {
        var context = makeContext()
        try consume(try produce(&context, 0))
        return
    }
    let board = InOrderBoard<Piece>(count: count, lead: max(1, lead))
    let helper = Thread {
        var context = makeContext()
        while let index = board.take() {
            board.put(index, Result { try produce(&context, index) })
        }
        board.helperFinished()
    }
    helper.name = "ClientLedger pass"
    helper.start()
    defer { board.stopAndWaitForHelper() }
    var context = makeContext()
    for index in 0..<count {
        // Make pieces while the next one to consume is not ready; then use it.
        while !board.isReady(index), let mine = board.take(waitingFor: index) {
            board.put(mine, Result { try produce(&context, mine) })
        }
        let piece = board.await(index)
        try consume(try piece.get())
    }
}

/// The shared state of ``inOrder(pieces:lead:makeContext:produce:consume:)``.
private final class InOrderBoard<Piece: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let lead: Int
    // Guarded by `condition`.
    private var next = 0
    private var consumed = 0
    private var done: [Int: Result<Piece, any Error>] = [:]
    private var stopped = false
    private var helperRunning = true

    init(count: Int, lead: Int) {
        self.count = count
        self.lead = lead
    }

    /// The helper's next piece to make, waiting while it would run too far ahead; `nil` once
    /// there is none, or the pass stopped.
    func take() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped, next < count, next - consumed >= lead { condition.wait() }
        guard !stopped, next < count else { return nil }
        next += 1
        return next - 1
    }

    /// The caller's next piece to make while it waits for piece `index`: `nil` when none is left
    /// to take within the lead (the caller then waits for the helper).
    func take(waitingFor index: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, next < count, next - index < lead else { return nil }
        next += 1
        return next - 1
    }

    func put(_ index: Int, _ result: Result<Piece, any Error>) {
        condition.lock()
        done[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func isReady(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return done[index] != nil
    }

    /// Piece `index`, once made; taken off the board, which lets the helper run on.
    func await(_ index: Int) -> Result<Piece, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let piece = done.removeValue(forKey: index) {
                consumed = index + 1
                condition.broadcast()
                return piece
            }
            condition.wait()
        }
    }

    func helperFinished() {
        condition.lock()
        helperRunning = false
        condition.broadcast()
        condition.unlock()
    }

    /// Tells the helper to take nothing more, and waits until it is out of its last piece.
    func stopAndWaitForHelper() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while helperRunning { condition.wait() }
        condition.unlock()
    }
}
