/// Runs the commands of one client one after another within this process.
///
/// Optimistic concurrency keeps two *processes* from both winning; within one process, commands on
/// the same client would only race, lose, and decide again. Queueing them per client avoids the
/// wasted work and keeps a burst of commands on one client from running out of attempts.
package actor ClientQueue {
    private var waiting: [ClientID: [CheckedContinuation<Void, Never>]] = [:]

    package init() {}

    /// Waits until no other command of this process is working on `client`, then claims it.
    package func enter(_ client: ClientID) async {
        if waiting[client] == nil {
            waiting[client] = []
            return
        }
        await withCheckedContinuation { continuation in
            waiting[client, default: []].append(continuation)
        }
    }

    /// Hands `client` to the next waiting command, if any.
    package func leave(_ client: ClientID) {
        guard var queue = waiting[client], !queue.isEmpty else {
            waiting[client] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[client] = queue
        next.resume()
    }
}
