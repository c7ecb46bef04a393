import Testing
@testable import EventLog

@Suite("Subscriptions")
struct SubscriptionTests {
    @Test("a subscription catches up from its checkpoint, then follows new appends in order")
    func catchUpThenFollow() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        for index in 0..<5 { try await log.append([event("E", "\(index)")], to: "s") }
        let collector = Task {
            var positions: [UInt64] = []
            for try await event in log.subscribe(after: 2) {
                positions.append(event.position)
                if positions.count == 8 { break }
            }
            return positions
        }
        try await Task.sleep(for: .milliseconds(50))
        for index in 5..<10 { try await log.append([event("E", "\(index)")], to: "t") }
        let positions = try await collector.value
        #expect(positions == Array(3...10))
    }

    @Test("a cancelled subscription ends")
    func cancellation() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let task = Task {
            var count = 0
            for try await _ in log.subscribe() { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(try await task.value == 0)
    }

    @Test("appends from another writer (not this process's group commit) are picked up by polling")
    func pollsForForeignWrites() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, subscriptionPollInterval: .milliseconds(10)))
        let collector = Task {
            for try await event in log.subscribe() { return event.type }
            return ""
        }
        try await Task.sleep(for: .milliseconds(30))
        // Write behind the log's back, as another process would: straight into LMDB.
        try log.core.environment.write { txn in
            var session = try WriteSession(core: log.core, txn: txn)
            _ = try session.append([event("Foreign")], to: "s", expecting: .any)
            try session.finish()
        }
        #expect(try await collector.value == "Foreign")
    }
}
