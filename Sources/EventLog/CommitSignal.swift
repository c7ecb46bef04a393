import Synchronization

/// Wakes tasks that wait for the log to grow past a position (subscriptions following the head).
///
/// Commits of this process signal at once; commits of other processes are noticed when a waiter's
/// timeout runs out and it reads the log again.
///
/// Each wait has an id that goes *pending* → *registered* (its continuation stored) → done. A wake
/// (timeout or cancellation) that arrives while the wait is still pending is remembered, so the wait
/// returns as soon as it registers: no wake-up is lost, and one that comes after the end is ignored.
package final class CommitSignal: Sendable {
    private struct State {
        var head: UInt64 = 0
        var nextID = 0
        /// Waits that have not registered yet, and whether a wake arrived for them meanwhile.
        var pending: [Int: Bool] = [:]
        var waiters: [Int: UnsafeContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Records a commit that ends at `head` and wakes every waiter.
    package func didCommit(head: UInt64) {
        let woken = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
            state.head = max(state.head, head)
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    private func wake(_ id: Int) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            if state.pending[id] != nil { state.pending[id] = true }
            return nil
        }
        waiter?.resume()
    }

    /// Returns when a commit of this process ends past `position`, after `timeout`, or when the task
    /// is cancelled — whichever comes first.
    package func wait(beyond position: UInt64, timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.pending[state.nextID] = false
            return state.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.wake(id)
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    let wokenEarly = state.pending.removeValue(forKey: id) ?? false
                    if wokenEarly || state.head > position || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake(id)
        }
        timer.cancel()
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
    }
}
