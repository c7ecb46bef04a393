import Foundation
import Testing
@testable import EventLog

@Suite("Regressions found in review")
struct ReviewRegressionTests {
    @Test("an expected version near the largest number is a wrong expected version, not a crash")
    func hugeExpectedVersion() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s")
        await expectError(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .exactly(.max)) }
        await expectError(.wrongExpectedVersion) { try await log.append([event(), event()], to: "s", expecting: .exactly(.max - 1)) }
    }

    @Test("a subscription after the largest position is a typed error, not a crash")
    func subscriptionAtTheEnd() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        var iterator = log.subscribe(after: .max).makeAsyncIterator()
        await expectError(.misuse) { try await iterator.next() }
    }

    @Test("a retry is recognised with .streamExists, and with an empty actor")
    func moreRetries() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s")
        let batch = [event("A", metadata: EventMetadata(actor: ""))]
        let first = try await log.append(batch, to: "s", expecting: .streamExists)
        let retry = try await log.append(batch, to: "s", expecting: .streamExists)
        #expect(retry.wasAlreadyRecorded && retry.firstPosition == first.firstPosition)
        #expect(try await log.append(batch, to: "s", expecting: .exactly(1)).wasAlreadyRecorded)
        #expect(try log.lastPosition() == 2)
    }

    @Test("canonically equivalent names are different streams, as LMDB stores them")
    func unicodeNames() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let composed = "client-jos\u{E9}", decomposed = "client-jose\u{301}"
        #expect(composed == decomposed) // Swift says equal…
        try await log.append([event()], to: composed, expecting: .noStream)
        try await log.append([event()], to: decomposed, expecting: .noStream) // …the log does not
        #expect(try log.read { try $0.streamVersion(composed) } == 1)
        #expect(try log.read { try $0.streamVersion(decomposed) } == 1)
        #expect(Set(try log.allEvents().map { Array($0.stream.utf8) }).count == 2)
    }

    @Test("subscriptions with a zero poll interval still see another writer's appends")
    func zeroPollInterval() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, subscriptionPollInterval: .zero))
        let collector = Task {
            for try await event in log.subscribe() { return event.type }
            return ""
        }
        try await Task.sleep(for: .milliseconds(20))
        try log.core.environment.write { txn in
            var session = try WriteSession(core: log.core, txn: txn)
            _ = try session.append([event("Foreign")], to: "s", expecting: .any)
            try session.finish()
        }
        #expect(try await collector.value == "Foreign")
    }

    @Test("opening and closing the same path from many threads never opens it twice")
    func registryRace() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        _ = try EventLog(path: path)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    for round in 0..<25 {
                        guard let log = try? EventLog(path: path, options: .init(durability: .nonDurable)) else { continue }
                        _ = try? await log.append([NewEvent(type: "T", payload: [UInt8(index), UInt8(round)])], to: "s\(index)")
                    }
                }
            }
        }
        let log = try EventLog(path: path)
        #expect(try log.lastPosition() == 200)
        #expect(try log.verify().isIntact)
    }
}
