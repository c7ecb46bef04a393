import Testing
@testable import EventLog

@Suite("Write transactions")
struct WriteTransactionTests {
    @Test("appends to many streams in one write commit together")
    func atomicMultiStream() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let results = try log.write { writer in
            try (0..<5).map { index in try writer.append([event("A", "\(index)")], to: "s\(index)", expecting: .noStream) }
        }
        #expect(results.map(\.firstPosition) == [1, 2, 3, 4, 5])
        #expect(try log.lastPosition() == 5)
    }

    @Test("every event of one write records one instant; the next write's is not earlier")
    func oneInstantPerTransaction() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let first = try log.write { writer in
            try (0..<3).map { index -> AppendResult in
                let result = try writer.append([event("A", "\(index)")], to: "s\(index)")
                usleep(2_000) // the clock moves on between appends; the instant must not
                return result
            }
        }
        #expect(Set(first.map(\.recordedAt)).count == 1)
        let second = try log.write { writer in try writer.append([event("A", "later")], to: "s0") }
        #expect(second.recordedAt >= first[0].recordedAt)
        let stored = try log.allEvents()
        #expect(stored.prefix(3).allSatisfy { $0.recordedAt == first[0].recordedAt })
        #expect(stored[3].recordedAt == second.recordedAt)
    }

    @Test("a write whose closure throws leaves nothing behind")
    func rollback() throws {
        struct Stop: Error {}
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        #expect(throws: Stop.self) {
            try log.write { writer in
                try writer.append([event()], to: "a")
                try writer.append([event()], to: "b")
                throw Stop()
            }
        }
        #expect(try log.lastPosition() == 0)
        #expect(try log.read { try $0.streamVersion("a") } == nil)
        // The stream number and type registered in the rolled-back transaction are gone too.
        try log.write { try $0.append([event()], to: "c") }
        #expect(try log.allEvents().map(\.stream) == ["c"])
    }

    @Test("a refused append inside a write can be caught; the rest commits and reads its own writes")
    func refusedInsideWrite() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try log.write { writer in
            try writer.append([event()], to: "s", expecting: .noStream)
            #expect(try writer.streamVersion("s") == 1)
            #expect(throws: EventLogError.self) { try writer.append([event()], to: "s", expecting: .noStream) }
            try writer.append([event()], to: "s", expecting: .exactly(1))
            #expect(writer.lastPosition == 2)
        }
        #expect(try log.storedEvents("s").map(\.streamVersion) == [1, 2])
    }

    @Test("a write inside a read is refused as misuse, without deadlock")
    func writeInsideRead() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try log.read { _ throws in
            do {
                try log.write { try $0.append([event()], to: "s") }
                Issue.record("a write inside a read was allowed")
            } catch {
                #expect((error as? EventLogError)?.code == .misuse)
            }
        }
    }

    @Test("a read sees a snapshot: appends committed meanwhile are not in it")
    func snapshotIsolation() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s")
        try log.read { snapshot throws in
            let thread = Thread { _ = try? log.write { try $0.append([event()], to: "s") } }
            thread.start()
            while (try? log.lastPosition()) != 2 { usleep(1000) }
            #expect(snapshot.lastPosition == 1)
            #expect(try snapshot.streamVersion("s") == 1)
            #expect(try snapshot.events().count == 1)
        }
        #expect(try log.read { try $0.streamVersion("s") } == 2)
    }
}

import Foundation
