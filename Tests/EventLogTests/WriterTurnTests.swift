import Foundation
import Synchronization
import Testing
@testable import EventLog

@Suite("The writer is handed over in turn, and the map grows ahead of writes")
struct WriterTurnTests {
    @Test("a ticket lock lets the caller that waited in before its holder takes it again")
    func ticketOrder() {
        let lock = TicketLock()
        let order = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        lock.lock()
        Thread.detachNewThread {
            lock.lock()
            order.withLock { $0.append("waiter") }
            lock.unlock()
            done.signal()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while lock.waiting == 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
        #expect(lock.waiting == 1)
        lock.unlock()
        lock.lock()
        order.withLock { $0.append("holder") }
        #expect(lock.waiting == 0)
        lock.unlock()
        done.wait()
        #expect(order.withLock { $0 } == ["waiter", "holder"])
    }

    @Test("a commit that leaves the map three quarters full grows it, so that later writes do not wait for a long reader")
    func mapGrowsAhead() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, initialMapSize: 1 << 20)
        let environment = log.core.environment
        let initial = environment.currentMapSize
        let payload = String(repeating: "x", count: 2_000)
        var appended = 0
        // Four fifths of the map, with no reader open.
        while environment.usedSize <= initial / 5 * 4, appended < 5_000 {
            try await log.append([event("Big", payload)], to: "s\(appended % 5)")
            appended += 1
        }
        let grown = environment.currentMapSize
        #expect(grown == 2 * initial)

        // A reader keeps its snapshot open while the appends use more than the first map held.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let timedOut = Mutex(false)
        Thread.detachNewThread {
            _ = try? log.read { _ in
                holding.signal()
                if release.wait(timeout: .now() + 20) == .timedOut { timedOut.withLock { $0 = true } }
            }
            finished.signal()
        }
        holding.wait()
        while environment.usedSize < initial + initial / 4 {
            try await log.append([event("Big", payload)], to: "s\(appended % 5)")
            appended += 1
        }
        release.signal()
        finished.wait()
        // Had the map filled, the append would have waited for the reader (20 s) to grow it.
        #expect(!timedOut.withLock { $0 })
        #expect(try log.lastPosition() == UInt64(appended))
    }
}
