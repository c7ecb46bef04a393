import Foundation

/// Commits appends that arrive together in one write transaction and one sync.
///
/// Appends from many tasks queue here; one dedicated thread takes everything queued, appends it in
/// one transaction (each append checked on its own: one refused append does not affect the others),
/// commits once, and only then resumes the callers. While it syncs, new appends queue up for the
/// next round, so the more callers wait, the more each sync carries. The thread also keeps LMDB's
/// rule that a write transaction ends on the thread that began it.
///
/// **Linger.** The callers a commit resumes usually come back with their next append a moment later.
/// If fewer appends are queued than the last commit carried, the thread waits for the rest — at most
/// half as long as the last commit took (and never more than a millisecond) — so that one sync
/// carries them all (the idea of PostgreSQL's `commit_delay`). A single caller appending one after
/// another never waits: its last commit carried one append, and one is queued.
package final class GroupCommitter: @unchecked Sendable {
    package struct Job {
        let events: [NewEvent]
        let stream: String
        let expected: ExpectedVersion
        let continuation: UnsafeContinuation<Result<AppendResult, EventLogError>, Never>
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Job] = []
    private var stopping = false
    private var running = false
    // Only touched by the commit thread.
    private var lastBatchSize = 1
    private var lastCommitSeconds = 0.0

    package init() {}

    package func start(core: LogCore) {
        running = true
        let thread = Thread { [self] in
            run(core: core)
        }
        thread.name = "EventLog group commit"
        thread.start()
    }

    /// Queues an append; the continuation is resumed once it is durable or refused.
    package func submit(_ job: Job) {
        condition.lock()
        if stopping {
            condition.unlock()
            job.continuation.resume(returning: .failure(EventLogError(.closed, "the log is closed", stream: job.stream)))
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes the queued appends, then ends the thread.
    package func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func run(core: LogCore) {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            if queue.count < lastBatchSize && !stopping {
                // A monotonic deadline: a wall clock stepping back must not stall the queue.
                let deadline = ContinuousClock.now + .seconds(min(lastCommitSeconds / 2, 0.001))
                while queue.count < lastBatchSize && !stopping {
                    let left = deadline - ContinuousClock.now
                    guard left > .zero else { break }
                    let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
                    _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
                }
            }
            let jobs = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            let started = ContinuousClock.now
            core.metrics.groupCommitSize.record(jobs.count)
            commit(jobs, core: core)
            let elapsed = ContinuousClock.now - started
            lastCommitSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            lastBatchSize = jobs.count
        }
    }

    private func commit(_ jobs: [Job], core: LogCore) {
        var results: [Result<AppendResult, EventLogError>] = []
        do {
            results = try core.performWrite { session in
                var results: [Result<AppendResult, EventLogError>] = []
                results.reserveCapacity(jobs.count)
                for job in jobs {
                    do {
                        results.append(.success(try session.append(job.events, to: job.stream, expecting: job.expected)))
                    } catch let error as EventLogError where error.code != .storage {
                        results.append(.failure(error))
                    }
                }
                return results
            }
        } catch {
            if jobs.count > 1 {
                // One append broke the shared transaction: give each its own, so only it fails.
                for job in jobs { commit([job], core: core) }
                return
            }
            results = [.failure(EventLogError.wrap(error, "appending to stream \(jobs[0].stream)"))]
        }
        for (job, result) in zip(jobs, results) { job.continuation.resume(returning: result) }
    }
}
