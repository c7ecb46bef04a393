import Foundation

/// Threads of their own for work that holds a thread for long — a query that reads many records —
/// so that it runs beside Swift's cooperative pool rather than on it.
///
/// The cooperative pool has one thread per core. A query that reads for 100 ms on it holds a core's
/// whole share of every other task of the process for that time: on a two-core server, two such
/// queries stall every request. Run on these threads instead, the long reads queue among
/// themselves, while the operating system shares the cores between them and the short work (a card
/// read, a checkout) that goes on on the cooperative pool.
package final class BlockingPool: @unchecked Sendable {
    /// The process's pool: as many threads as cores, at least two.
    package static let shared = BlockingPool(threads: max(2, ProcessInfo.processInfo.activeProcessorCount), name: "ClientLedger query")

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [() -> Void] = []
    private var head = 0

    /// Starts `threads` threads named `name`; they live as long as the process.
    package init(threads: Int, name: String) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "\(name) \(index + 1)"
            thread.start()
        }
    }

    /// Runs `body` on one of the pool's threads and returns its result to the calling task. Jobs
    /// start in the order they came.
    package func run<T: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> T) async throws(Failure) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            submit { continuation.resume(returning: Result { () throws(Failure) -> T in try body() }) }
        }
        return try result.get()
    }

    private func submit(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1_024, head * 2 >= jobs.count {
                // A queue that is never empty is compacted now and then, not left to grow.
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
