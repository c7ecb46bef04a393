import Foundation
import Synchronization
import Testing
@testable import EventLog

/// Long reads run on threads of their own: while they hold every one of those threads, Swift's
/// cooperative pool still runs other tasks.
@Suite("Blocking pool")
struct BlockingPoolTests {
    @Test("jobs that block every pool thread leave the cooperative pool free, and all finish", .timeLimit(.minutes(1)))
    func cooperativePoolStaysFree() async throws {
        let pool = BlockingPool(threads: 2, name: "test")
        let gate = DispatchSemaphore(value: 0)
        let started = Counter()
        // More blocked jobs than the cooperative pool has threads: on it, they would stall everything.
        let jobs = ProcessInfo.processInfo.activeProcessorCount * 2 + 2
        let blocked = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<jobs {
                    group.addTask {
                        try await pool.run { () throws -> Int in
                            started.value.add(1, ordering: .relaxed)
                            gate.wait()
                            return index
                        }
                    }
                }
                var sum = 0
                for try await value in group { sum += value }
                return sum
            }
        }
        while started.value.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(1)) }
        // Meanwhile, ordinary tasks run: each on the cooperative pool.
        let others = await withTaskGroup(of: Int.self) { group in
            for index in 0..<16 { group.addTask { index } }
            return await group.reduce(0, +)
        }
        #expect(others == 120)
        #expect(started.value.load(ordering: .relaxed) == 2, "only the pool's two threads run jobs")
        for _ in 0..<jobs { gate.signal() }
        #expect(try await blocked.value == (0..<jobs).reduce(0, +))
    }

    @Test("a job's error reaches its caller typed")
    func typedError() async {
        let pool = BlockingPool(threads: 1, name: "test")
        do {
            _ = try await pool.run { () throws(EventLogError) -> Int in throw EventLogError(.misuse, "no") }
            Issue.record("no error")
        } catch {
            #expect(error.code == .misuse)
        }
    }
}

/// A count that tasks and threads share.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
