import Foundation
import Testing
@testable import EventLog

/// The chain covers what gives a record its meaning, every pass that reads records checks their
/// links, and `verify` checks every invariant the format states. Each test tampers with the files as
/// an attacker with write access could, then opens the log anew (a fresh process knows only the files).
@Suite("Hash chain: names, invariants and checked passes")
struct ChainInvariantTests {
    /// Streams a (positions 1–4), b (5–8), c (9–12); types Booked (code 1), Paid (2), Noted (3),
    /// and stream c only Booked.
    func sampleLog(_ directory: TemporaryDirectory, checkpointInterval: UInt64 = 100_000) async throws {
        let log = try makeLog(directory, checkpointInterval: checkpointInterval)
        for index in 0..<12 {
            let type = index < 8 ? ["Booked", "Paid", "Noted"][index % 3] : "Booked"
            try await log.append([event(type, "event \(index)")], to: ["a", "b", "c"][index / 4])
        }
    }

    func reopen(_ directory: TemporaryDirectory, checkpointInterval: UInt64 = 100_000) throws -> EventLog {
        try makeLog(directory, checkpointInterval: checkpointInterval)
    }

    @Test("renaming a type in the type table breaks the chain at the first record of that type, for verify and for every read")
    func renamedType() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try Tamper.renameType(try reopen(directory), code: 2, to: "Refunded") }
        let log = try reopen(directory)
        let verification = try log.verify()
        #expect(verification.firstBrokenPosition == 2)
        #expect(!verification.isIntact)
        let error = await expectError(.brokenChain) { try log.allEvents() }
        #expect(error?.position == 2)
        await expectError(.brokenChain) { try log.storedEvents("a") }
        #expect(try log.storedEvents("c").count == 4, "a stream without the renamed type still reads")
    }

    @Test("swapping two streams' names breaks the chain, and a read of either stream stops")
    func swappedStreams() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try Tamper.swapStreamNames(try reopen(directory), "a", "c") }
        let log = try reopen(directory)
        #expect(try log.verify().firstBrokenPosition == 1)
        await expectError(.brokenChain) { try log.storedEvents("a") }
        await expectError(.brokenChain) { try log.storedEvents("c") }
        #expect(try log.storedEvents("b").count == 4)
    }

    @Test("a stream index that disagrees with the streams table is found, and no append follows it")
    func divergentIndex() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do {
            let log = try reopen(directory)
            try log.core.environment.write { txn in
                var value = UInt64(3).littleEndian // "a" now points to c's number
                try Array("a".utf8).withUnsafeBytes { key in try withUnsafeBytes(of: &value) { try txn.put(log.core.schema.streamIndex, key: key, value: $0) } }
            }
        }
        let log = try reopen(directory)
        #expect(try log.verify().problem?.contains("stream index") == true)
        await expectError(.brokenChain) { try log.storedEvents("a") }
        let before = try fingerprint(log)
        await expectError(.brokenChain) { try await log.append([event()], to: "a") }
        #expect(try fingerprint(log) == before)
    }

    @Test("a heads checkpoint moved past events is found by verify, and the writer refuses to write a second version 1")
    func movedCheckpoint() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try Tamper.moveCheckpoint(try reopen(directory), to: 12) }
        let log = try reopen(directory)
        let verification = try log.verify()
        #expect(!verification.isIntact)
        #expect(verification.problem?.contains("heads checkpoint") == true)
        let before = try fingerprint(log)
        await expectError(.brokenChain) { try await log.append([event()], to: "b", expecting: .exactly(4)) }
        await expectError(.brokenChain) { try await log.append([event()], to: "c") }
        #expect(try fingerprint(log) == before, "nothing was appended")
        await expectError(.brokenChain) { try log.read { try $0.streamVersion("c") } }
    }

    @Test("a checkpoint past the head is refused by readers, the writer and verify")
    func checkpointPastHead() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try Tamper.moveCheckpoint(try reopen(directory), to: 99) }
        let log = try reopen(directory)
        #expect(try log.verify().problem?.contains("past the last position") == true)
        await expectError(.brokenChain) { try log.allEvents() }
        await expectError(.brokenChain) { try await log.append([event()], to: "a") }
    }

    @Test("a stream checkpointed with the wrong head is found by verify")
    func wrongCheckpointedHead() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory, checkpointInterval: 5)
        do {
            let log = try reopen(directory, checkpointInterval: 5)
            try log.core.environment.write { txn in
                try txn.putStreamEntry(log.core.schema, number: 1, head: StreamHead(version: 2, lastPosition: 2), name: "a")
            }
        }
        let verification = try reopen(directory, checkpointInterval: 5).verify()
        #expect(verification.firstBrokenPosition == 10)
        #expect(verification.problem?.contains("stream a is at version 2") == true)
    }

    @Test("verify finds invariants broken under a re-linked chain", arguments: [
        ("stream version", RecordFormat.Offset.streamVersion, "version 3 of stream number 1, whose last version before it is 1"),
        ("previous position", RecordFormat.Offset.previousPosition, "links to position 3"),
        ("recorded at", RecordFormat.Offset.recordedAt + 7, "recorded at"),
        ("type code", RecordFormat.Offset.typeCode, "type code 7"),
        ("stream number", RecordFormat.Offset.streamNumber, "stream number 9"),
    ])
    func invariants(name: String, offset: Int, problem: String) async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do {
            try Tamper.rewrite(try reopen(directory), position: 2) { bytes in
                switch offset {
                case RecordFormat.Offset.streamVersion: bytes[offset] = 3
                case RecordFormat.Offset.previousPosition: bytes[offset] = 3
                case RecordFormat.Offset.recordedAt + 7: bytes[offset] = 0x80 // far in the past
                case RecordFormat.Offset.typeCode: bytes[offset] = 7
                default: bytes[offset] = 9
                }
            }
        }
        let verification = try reopen(directory).verify()
        #expect(verification.firstBrokenPosition == 2, "\(name)")
        #expect(verification.problem?.contains(problem) == true, "\(name): \(verification.problem ?? "-")")
    }

    @Test("verify finds a type code the records never use, and a log whose format marker was changed")
    func tables() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try Tamper.renameType(try reopen(directory), code: 9, to: "Ghost") }
        #expect(try reopen(directory).verify().problem?.contains("type code 9") == true)
        let log = try reopen(directory)
        try log.core.environment.write { txn in try log.core.schema.writeFormat(0, in: txn) }
        #expect(try log.verify().problem?.contains("format marker") == true)
    }

    @Test("every pass that reads records stops at the first changed one, naming its position")
    func passesStopAtTheBreak() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try tamper(try reopen(directory), position: 6) }
        let log = try reopen(directory)
        var seen: [UInt64] = []
        let error = await expectError(.brokenChain) { try log.read { try $0.forEachEvent { seen.append($0.position) } } }
        #expect(error?.position == 6)
        #expect(seen == [1, 2, 3, 4, 5], "nothing at or after the break reaches the caller")
        await expectError(.brokenChain) { try log.read { try $0.events(from: 4) } }
        await expectError(.brokenChain) { try log.read { try $0.event(at: 6) } }
        #expect(try log.read { try $0.event(at: 7) }?.position == 7, "the record after it links to the stored hash")
        await expectError(.brokenChain) { try log.storedEvents("b") }
        await expectError(.brokenChain) { try log.replay(CountingProjection()) { _ in } }
        await expectError(.brokenChain) { try log.register(CountingProjection()) }
        await expectError(.brokenChain) {
            for try await _ in log.subscribe() {}
        }
        let before = try fingerprint(log)
        #expect(before.hasPrefix("12 "))
    }

    @Test("the writer does not extend a chain whose last record was changed")
    func writerChecksTheHead() async throws {
        let directory = TemporaryDirectory()
        try await sampleLog(directory)
        do { try tamper(try reopen(directory), position: 12) }
        let log = try reopen(directory)
        await expectError(.brokenChain) { try await log.append([event()], to: "a") }
        await expectError(.brokenChain) { try log.headHash() }
        #expect(try log.lastPosition() == 12)
    }

    @Test("a format-1 log stays readable, and its first append makes it format 2 with the old records as they were")
    func upgradesFormatOne() async throws {
        let text = try String(contentsOf: GoldenFixtureTests.fixtures.appendingPathComponent("golden-v1.dump"), encoding: .utf8)
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try GoldenDump.load(text, into: path)
        let log = try EventLog(path: path)
        #expect(log.core.format.load(ordering: .relaxed) == 1)
        try await log.append([event("CheckedOut")], to: "client-1", expecting: .exactly(3))
        #expect(log.core.format.load(ordering: .relaxed) == 2)
        let verification = try log.verify(anchors: [try HeadHash(GoldenFixtureTests.v1Head)])
        #expect(verification.isIntact)
        #expect(verification.recordsWithoutNames == 5)
        let version = try log.read { snapshot in try snapshot.txn.get(log.core.schema.events, key: 6)?.first }
        #expect(version == 2)
    }
}

/// Counts events: a projection for the tests of passes.
struct CountingProjection: Projection {
    let name = "counting"
    let version: UInt32 = 1
    func beginBatch(_ state: ProjectionState) throws -> Int { 0 }
    func apply(_ event: RecordedEvent, to batch: inout Int, state: ProjectionState) throws { batch += 1 }
    func endBatch(_ batch: inout Int, state: ProjectionState) throws {
        let old = try state.value(forKey: [1]).map { Int($0[0]) } ?? 0
        try state.setValue([UInt8(truncatingIfNeeded: old + batch)], forKey: [1])
    }
}
