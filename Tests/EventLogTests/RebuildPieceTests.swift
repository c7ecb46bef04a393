import Foundation
import Synchronization
import Testing
@testable import EventLog

/// Counts events per type, as ``CountByType`` does, and ends a batch a few types per piece, in
/// the order of their names; `pieces` counts the pieces and can make one of them fail.
struct CountInPieces: Projection {
    var name = "countByType"
    var version: UInt32 = 2
    let pieces = Pieces()

    final class Pieces: Sendable {
        /// Pieces written (or tried) so far.
        let count = Mutex(0)
        /// The piece that throws, once.
        let failing = Mutex<Int?>(nil)
        /// Called as each batch applies its first event.
        let batchBegins = Mutex<(@Sendable () -> Void)?>(nil)
        /// Called as each piece begins to write, with its number, inside its write transaction.
        let pieceBegins = Mutex<(@Sendable (Int) -> Void)?>(nil)
    }

    struct Failure: Error {}

    struct Batch {
        var counts: [String: UInt64] = [:]
        var written = 0
    }

    func beginBatch(_ state: ProjectionState) throws -> Batch { Batch() }

    func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        if batch.counts.isEmpty, let begins = pieces.batchBegins.withLock({ $0 }) { begins() }
        batch.counts[event.type, default: 0] += 1
    }

    func endBatch(_ batch: inout Batch, state: ProjectionState) throws {
        _ = try endBatch(&batch, state: state, limit: .max)
    }

    func endBatch(_ batch: inout Batch, state: ProjectionState, limit: Int) throws -> Bool {
        let piece = pieces.count.withLock { count in
            count += 1
            return count
        }
        pieces.pieceBegins.withLock { $0 }?(piece)
        let fails = pieces.failing.withLock { failing in
            defer { if failing == piece { failing = nil } }
            return failing == piece
        }
        let types = batch.counts.keys.sorted()
        let end = types.count - batch.written <= limit ? types.count : batch.written + limit
        for type in types[batch.written..<end] {
            let key = Array(type.utf8)
            let current = try state.withValue(forKey: key) { $0.map { $0.loadUnaligned(as: UInt64.self) } } ?? 0
            try state.setValue(withUnsafeBytes(of: current + batch.counts[type, default: 0]) { Array($0) }, forKey: key)
            // Thrown after a write: the transaction of a failing piece is rolled back.
            if fails { throw Failure() }
        }
        batch.written = end
        return end == types.count
    }
}

@Suite("Rebuild steps written in pieces")
struct RebuildPieceTests {
    /// A log whose rebuild steps apply 40 events and write them two types per transaction, with
    /// 200 events of 30 types; ``CountByType`` serves.
    func makeLog(_ directory: TemporaryDirectory) async throws -> EventLog {
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, rebuildBatchSize: 40, rebuildWriteLimit: 2))
        try log.register(CountByType())
        for index in 0..<200 { try await log.append([event("T\(index % 30)")], to: "s\(index % 7)") }
        return log
    }

    @Test("a rebuild whose steps are written in pieces stores what a replay folds, while appends go on between the pieces")
    func piecesEqualReplay() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        let appending = Task.detached {
            for index in 0..<150 { try await log.append([event("T\(index % 45)")], to: "during") }
        }
        try log.rebuild(projection)
        try await appending.value
        // The rebuilt state took the appends made during the rebuild, and takes those after it.
        try await log.append([event("T0")], to: "after")
        let stored = try log.readProjection(projection) { try counts($0) }
        let replayed = try log.replay(projection) { try counts($0) }
        #expect(stored == replayed)
        #expect(stored.values.reduce(0, +) == 351)
        // Each step of 40 events holds up to 30 types, written two at a time.
        #expect(projection.pieces.count.withLock { $0 } > 30)
    }

    @Test("a step that a failed piece left half-written serves nothing of it, and the next rebuild begins anew")
    func failedPieceBeginsAnew() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        // The first step writes pieces 1 to 15 (30 types); the second fails in its second piece.
        projection.pieces.failing.withLock { $0 = 17 }
        let error = try #require(#expect(throws: EventLogError.self) { try log.rebuild(projection) })
        #expect(error.code == .storage && String(describing: error.cause).contains("Failure"), "\(error)")
        let status = try #require(try log.projectionStatus("countByType"))
        #expect(status.version == 1 && status.rebuildingVersion == 2)
        // The old version serves, and appends go on, with the spare database half-written.
        #expect(try log.counts().values.reduce(0, +) == 200)
        try await log.append([event("T1")], to: "meanwhile")
        #expect(try log.counts()["T1"] == 8)
        #expect(throws: EventLogError.self) { try log.readProjection(projection) { try counts($0) } }
        // This process knows the step failed: the next rebuild begins anew at once, and is right.
        let clock = ContinuousClock(), started = clock.now
        try log.rebuild(projection)
        #expect(clock.now - started < .seconds(Int(LogCore.stepLeaseSeconds)))
        #expect(try log.readProjection(projection) { try counts($0) } == log.replay(projection) { try counts($0) })
        #expect(try log.projectionStatus("countByType")?.rebuildingVersion == nil)
    }

    @Test("a rebuild finishes although every step it reads sees another append land before its write")
    func finishesBesideSteadyAppends() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        // As each batch begins, another task appends an event and this one waits (a second at most:
        // an append cannot land while the batch is applied inside a write transaction).
        projection.pieces.batchBegins.withLock {
            $0 = {
                let appended = DispatchSemaphore(value: 0)
                Task.detached {
                    _ = try? await log.append([event("T0")], to: "steady")
                    appended.signal()
                }
                _ = appended.wait(timeout: .now() + 1)
            }
        }
        // So every step that reads before it writes finds the head moved on at its write; the last
        // events are applied in the write that switches, and the rebuild ends (a rebuild that goes
        // round for ever is stopped, and the test fails).
        let clock = ContinuousClock(), started = clock.now
        try log.rebuild(projection) { _ in
            if clock.now - started > .seconds(30) { throw CountInPieces.Failure() }
        }
        projection.pieces.batchBegins.withLock { $0 = nil }
        try await Task.sleep(for: .seconds(1.5)) // the last append lands after the switch
        let stored = try log.readProjection(projection) { try counts($0) }
        let replayed = try log.replay(projection) { try counts($0) }
        #expect(stored == replayed, "\(stored.filter { replayed[$0.key] != $0.value }) \(replayed.filter { stored[$0.key] != $0.value })")
        #expect(stored.values.reduce(0, +) > 200)
    }

    @Test("a write that waits while a piece is written goes before the rebuild's next piece")
    func writerTakenInTurn() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        let order = Mutex<[String]>([])
        let appended = DispatchSemaphore(value: 0)
        projection.pieces.pieceBegins.withLock {
            $0 = { piece in
                order.withLock { $0.append("piece \(piece)") }
                guard piece == 1 else { return }
                // While the first piece holds the writer, another thread asks for it.
                Thread.detachNewThread {
                    _ = try? log.write { writer in
                        order.withLock { $0.append("append") }
                        return try writer.append([event("T0")], to: "waiting")
                    }
                    appended.signal()
                }
                let deadline = ContinuousClock.now + .seconds(10)
                while log.core.writeLock.waiting == 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        try log.rebuild(projection)
        appended.wait()
        let seen = order.withLock { $0 }
        // A plain mutex let the rebuild, which asks again at once, take the writer back first.
        #expect(Array(seen.prefix(3)) == ["piece 1", "append", "piece 2"], "\(seen.prefix(6))")
        #expect(try log.readProjection(projection) { try counts($0) } == log.replay(projection) { try counts($0) })
    }

    @Test("after the switch the old version's database is emptied, and the new one serves and takes appends")
    func oldDatabaseEmptied() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        // Version 1 holds 30 types; emptied 16 entries (rebuildWriteLimit 2, × 8) at a time.
        func entries() throws -> (active: Int, spare: Int) {
            let slots = try #require(try log.core.existingProjectionHandles(projection.name))
            return try log.core.environment.read { txn in
                let record = try #require(try txn.projectionRecord(log.core.schema, name: projection.name))
                let databases = record.activeSlot == 0 ? (slots.0, slots.1) : (slots.1, slots.0)
                return (try txn.count(databases.0), try txn.count(databases.1))
            }
        }
        #expect(try entries() == (30, 0))
        try log.rebuild(projection)
        #expect(try entries() == (30, 0))
        try await log.append([event("T99")], to: "after")
        #expect(try entries() == (31, 0))
        #expect(try log.readProjection(projection) { try counts($0) } == log.replay(projection) { try counts($0) })
    }

    @Test("two rebuilds of one projection at once wait for each other's pieces, and agree")
    func concurrentRebuilds() async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory)
        let projection = CountInPieces()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 { group.addTask { try log.rebuild(projection) } }
            try await group.waitForAll()
        }
        #expect(try log.readProjection(projection) { try counts($0) } == log.replay(projection) { try counts($0) })
    }
}

@Suite("The projections record's bytes")
struct ProjectionRecordBytesTests {
    /// A record as libraries before leases wrote it (`docs/log-format.md`): slot b serves version 4
    /// at position 1,000; version 5 is being rebuilt, at 600; the bytes now owner and lease are zero.
    static let beforeLeases: [UInt8] = [1, 1, 0, 0, 4, 0, 0, 0, 0xE8, 0x03, 0, 0, 0, 0, 0, 0,
                                        5, 0, 0, 0, 0, 0, 0, 0, 0x58, 0x02, 0, 0, 0, 0, 0, 0]

    @Test("a record written before leases reads as it did: a rebuild under way, no half-written step")
    func beforeLeasesReads() throws {
        let record = try #require(Self.beforeLeases.withUnsafeBytes { ProjectionRecord(bytes: $0) })
        #expect(record == ProjectionRecord(activeSlot: 1, building: true, activeVersion: 4, activeCheckpoint: 1_000,
                                           buildingVersion: 5, buildingCheckpoint: 600))
        #expect(record.stepOwner == 0 && record.stepLease == 0 && record.rebuilding)
        #expect(record.bytes == Self.beforeLeases)
    }

    @Test("a half-written step keeps its owner and lease in the bytes that were zero, with the rebuilding flag cleared")
    func halfWrittenBytes() throws {
        var record = ProjectionRecord(activeSlot: 1, building: false, activeVersion: 4, activeCheckpoint: 1_000,
                                      buildingVersion: 5, buildingCheckpoint: 600)
        record.stepOwner = 0x1234
        record.stepLease = 0x6000_0001
        var expected = Self.beforeLeases
        expected[1] = 0 // not building, so that a library without leases begins anew
        expected.replaceSubrange(2..<4, with: [0x34, 0x12])
        expected.replaceSubrange(20..<24, with: [0x01, 0, 0, 0x60])
        #expect(record.bytes == expected)
        let read = try #require(expected.withUnsafeBytes { ProjectionRecord(bytes: $0) })
        #expect(read == record && read.rebuilding && !read.building)
    }
}
