import Foundation
import Testing
@testable import EventLog

/// Counts events per type; `weight` stands in for a change of the projection's code.
struct CountByType: Projection {
    var name = "countByType"
    var version: UInt32 = 1
    var weight: UInt64 = 1

    func beginBatch(_ state: ProjectionState) throws -> [String: UInt64] { [:] }

    func apply(_ event: RecordedEvent, to batch: inout [String: UInt64], state: ProjectionState) throws {
        batch[event.type, default: 0] += weight
    }

    func endBatch(_ batch: inout [String: UInt64], state: ProjectionState) throws {
        for (type, added) in batch {
            let current = try state.withValue(forKey: Array(type.utf8)) { $0.map { $0.loadUnaligned(as: UInt64.self) } } ?? 0
            try state.setValue(withUnsafeBytes(of: current + added) { Array($0) }, forKey: Array(type.utf8))
        }
    }
}

/// The first and the last position of each type: the first written with `insertValue`, which must
/// keep it; the last by merging into what the insert found.
struct FirstAndLast: Projection {
    var name = "firstAndLast"
    var version: UInt32 = 1

    func beginBatch(_ state: ProjectionState) throws -> [String: (UInt64, UInt64)] { [:] }

    func apply(_ event: RecordedEvent, to batch: inout [String: (UInt64, UInt64)], state: ProjectionState) throws {
        batch[event.type] = (batch[event.type]?.0 ?? event.position, event.position)
    }

    func endBatch(_ batch: inout [String: (UInt64, UInt64)], state: ProjectionState) throws {
        for (type, positions) in batch {
            let new = [positions.0, positions.1].withUnsafeBytes { Array($0) }
            if let merged = try state.insertValue(new, forKey: Array(type.utf8), ifPresent: { stored in
                [stored.loadUnaligned(as: UInt64.self), positions.1]
            }) {
                try state.setValue(merged.withUnsafeBytes { Array($0) }, forKey: Array(type.utf8))
            }
        }
    }

    static func read(_ state: ProjectionState) throws -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        try state.forEach(prefix: []) { key, value in
            result[String(decoding: key, as: UTF8.self)] = [value.loadUnaligned(as: UInt64.self), value.loadUnaligned(fromByteOffset: 8, as: UInt64.self)]
            return true
        }
        return result
    }
}

func counts(_ state: ProjectionState) throws -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    try state.forEach(prefix: []) { key, value in
        result[String(decoding: key, as: UTF8.self)] = value.loadUnaligned(as: UInt64.self)
        return true
    }
    return result
}

extension EventLog {
    func counts(_ projection: CountByType = CountByType()) throws -> [String: UInt64] {
        try readProjection(projection) { try EventLogTests.counts($0) }
    }
}

@Suite("Projections")
struct ProjectionTests {
    func appendTypes(_ log: EventLog, _ types: [String]) async throws {
        for type in types { try await log.append([event(type)], to: "s-\(type)") }
    }

    @Test("a registered projection sees every append that has returned, exactly once")
    func inlineReadYourWrites() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try log.register(CountByType())
        try await appendTypes(log, ["A", "B", "A"])
        #expect(try log.counts() == ["A": 2, "B": 1])
        try log.write { writer in
            try writer.append([event("C"), event("C")], to: "x")
            try writer.append([event("A")], to: "y")
        }
        #expect(try log.counts() == ["A": 3, "B": 1, "C": 2])
        #expect(try log.projectionStatus("countByType")?.checkpoint == 6)
    }

    @Test("registering catches up from the checkpoint in batches, reporting progress")
    func catchUpWithProgress() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 4, rebuildBatchSize: 4))
        try await appendTypes(log, (0..<10).map { $0 % 2 == 0 ? "E" : "O" })
        var reports: [ProjectionProgress] = []
        try log.register(CountByType()) { reports.append($0) }
        #expect(try log.counts() == ["E": 5, "O": 5])
        #expect(reports.map(\.eventsDone) == [4, 8, 10])
        #expect(reports.last?.eventsTotal == 10)
        #expect(reports.last?.secondsRemaining == 0)
    }

    @Test("events appended while a projection was not kept up are caught up, none twice")
    func lagAndReopen() async throws {
        let directory = TemporaryDirectory()
        do {
            let log = try makeLog(directory)
            try log.register(CountByType())
            try await appendTypes(log, ["A", "B"])
            log.core.projections.withLock { $0.removeAll() } // as a process that does not know the projection
            try await appendTypes(log, ["A", "A"])
            #expect(try log.counts() == ["A": 1, "B": 1])
            #expect(try log.projectionStatus("countByType")?.checkpoint == 2)
        }
        let log = try makeLog(directory)
        try log.register(CountByType())
        #expect(try log.counts() == ["A": 3, "B": 1])
        try log.register(CountByType())
        #expect(try log.counts() == ["A": 3, "B": 1])
    }

    @Test("a snapshot comes with the projection's state only while it is exactly at the snapshot's head and of the version asked for")
    func currentProjectionInSnapshot() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        func current(_ projection: CountByType) throws -> UInt64? {
            try log.read(current: projection) { snapshot, state in
                try state.map { try $0.withValue(forKey: Array("A".utf8)) { $0.map { $0.loadUnaligned(as: UInt64.self) } } ?? 0 }
            }
        }
        #expect(try current(CountByType()) == nil, "never built")
        try log.register(CountByType())
        try await appendTypes(log, ["A", "B", "A"])
        #expect(try current(CountByType()) == 2)
        #expect(try current(CountByType(version: 2)) == nil, "another version")
        log.core.projections.withLock { $0.removeAll() } // as a process that does not know the projection
        try await appendTypes(log, ["A"])
        #expect(try current(CountByType()) == nil, "behind the log")
        try log.register(CountByType())
        #expect(try current(CountByType()) == 3)
    }

    @Test("property: an in-memory state reads ranges in byte order, as a stored one does, through inserts and removals")
    func memoryRanges() throws {
        var rng = SystemRandomNumberGenerator()
        let store = MemoryProjectionStore()
        let state = ProjectionState(memory: store)
        var model: [[UInt8]: [UInt8]] = [:]
        for step in 0..<20_000 {
            let key = (0..<Int.random(in: 1...3, using: &rng)).map { _ in UInt8.random(in: 0...40, using: &rng) }
            if Bool.random(using: &rng) || step < 2_000 {
                try state.setValue([UInt8(step % 256)], forKey: key)
                model[key] = [UInt8(step % 256)]
            } else {
                try state.removeValue(forKey: key)
                model[key] = nil
            }
            guard step % 500 == 0 else { continue }
            let prefix = key.prefix(1), start = key
            var read: [[UInt8]] = []
            try state.forEach(prefix: prefix, from: start) { k, v in
                #expect(model[Array(k)] == Array(v))
                read.append(Array(k))
                return true
            }
            let expected = model.keys.filter { $0.starts(with: prefix) && !$0.lexicographicallyPrecedes(start) }.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(read == expected)
        }
        var all: [[UInt8]] = []
        try state.forEach(prefix: []) { k, _ in all.append(Array(k)); return true }
        #expect(all == model.keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("a new code version rebuilds blue/green: the old state serves and appends go on until the switch")
    func versionChangeRebuilds() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 3, rebuildBatchSize: 3))
        try log.register(CountByType())
        try await appendTypes(log, ["A", "A", "B", "A", "B", "A", "C"])
        let v2 = CountByType(version: 2, weight: 10)
        var oldStateDuringRebuild: [[String: UInt64]] = []
        var appendedDuring = 0
        try log.register(v2) { _ in
            // Between rebuild transactions: the old version still answers, and appends still land.
            if let old = try? log.counts() { oldStateDuringRebuild.append(old) }
            if appendedDuring < 2 {
                appendedDuring += 1
                _ = try? log.write { try $0.append([event("D")], to: "during") }
            }
        }
        #expect(!oldStateDuringRebuild.isEmpty)
        #expect(oldStateDuringRebuild.first == ["A": 4, "B": 2, "C": 1])
        #expect(try log.counts(v2) == ["A": 40, "B": 20, "C": 10, "D": 20])
        #expect(throws: EventLogError.self) { try log.counts(CountByType()) }
        try await appendTypes(log, ["A"])
        #expect(try log.counts(v2)["A"] == 50)
    }

    @Test("a rebuild of the same version gives byte-identical state")
    func rebuildIsIdentical() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 5, rebuildBatchSize: 5))
        try log.register(CountByType())
        try await appendTypes(log, (0..<23).map { "T\($0 % 4)" })
        func dump() throws -> [[UInt8]] {
            try log.readProjection(CountByType()) { state in
                var entries: [[UInt8]] = []
                try state.forEach(prefix: []) { key, value in entries.append(Array(key) + [0xFF] + Array(value)); return true }
                return entries
            }
        }
        let before = try dump()
        try log.rebuild(CountByType())
        #expect(try dump() == before)
        #expect(try log.projectionStatus("countByType")?.rebuildingVersion == nil)
    }

    @Test("a batch that writes over 4,096 values, giving back mapped pages as it goes, stores them all, live and rebuilt")
    func largeBatchReleasingPages() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable))
        try log.register(CountByType())
        let types = (0..<10_000).map { "Type\($0)" }
        try log.write { writer in
            for (index, type) in types.enumerated() { try writer.append([event(type)], to: "s\(index % 97)") }
        }
        let expected = Dictionary(uniqueKeysWithValues: types.map { ($0, UInt64(1)) })
        #expect(try log.counts() == expected)
        try log.rebuild(CountByType(weight: 2))
        #expect(try log.counts(CountByType(weight: 2)) == expected.mapValues { $0 * 2 })
    }

    @Test("insertValue adds a missing key and hands back an existing one untouched: stored, rebuilt and replayed alike")
    func insertValue() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 3, rebuildBatchSize: 3))
        try log.register(FirstAndLast())
        try await appendTypes(log, ["A", "B", "A", "C", "A", "B", "A"])
        let expected: [String: [UInt64]] = ["A": [1, 7], "B": [2, 6], "C": [4, 4]]
        #expect(try log.readProjection(FirstAndLast()) { try FirstAndLast.read($0) } == expected)
        try log.rebuild(FirstAndLast(version: 2))
        #expect(try log.readProjection(FirstAndLast(version: 2)) { try FirstAndLast.read($0) } == expected)
        #expect(try log.replay(FirstAndLast()) { try FirstAndLast.read($0) } == expected)
        // A reader's state refuses it, as it refuses every write; so does a key LMDB cannot hold.
        try log.readProjection(FirstAndLast(version: 2)) { (state: ProjectionState) throws -> Void in
            #expect(throws: EventLogError.self) { try state.insertValue([1], forKey: Array("D".utf8)) { _ in 0 } }
        }
        let found = try log.replay(FirstAndLast()) { (state: ProjectionState) throws -> Int? in
            #expect(throws: EventLogError.self) { try state.insertValue([1], forKey: [UInt8]()) { _ in 0 } }
            return try state.insertValue([9], forKey: Array("A".utf8)) { $0.count }
        }
        #expect(found == 16)
    }

    @Test("an interrupted rebuild resumes where it stopped")
    func interruptedRebuildResumes() async throws {
        struct Stop: Error {}
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 2, rebuildBatchSize: 2))
        try log.register(CountByType())
        try await appendTypes(log, ["A", "B", "A", "B", "A", "B"])
        let v2 = CountByType(version: 2, weight: 2)
        do {
            try log.rebuild(v2) { _ in throw Stop() }
            Issue.record("the rebuild was not stopped")
        } catch {
            #expect(error.code == .cancelled && error.position == 2)
        }
        let status = try #require(try log.projectionStatus("countByType"))
        #expect(status.version == 1 && status.rebuildingVersion == 2 && status.rebuildCheckpoint == 2)
        #expect(try log.counts() == ["A": 3, "B": 3]) // the old state still serves
        var starts: [UInt64] = []
        try log.rebuild(v2) { starts.append($0.eventsDone) }
        #expect(starts.first == 2) // resumed: two more events in the first batch, not from zero
        #expect(try log.counts(v2) == ["A": 6, "B": 6])
    }

    @Test("an as-of replay folds a prefix in memory and leaves the stored state alone")
    func asOfReplay() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try log.register(CountByType())
        try await appendTypes(log, ["A", "B", "A", "C"])
        let asOf3 = try log.replay(CountByType(), through: 3) { try counts($0) }
        #expect(asOf3 == ["A": 2, "B": 1])
        #expect(try log.replay(CountByType()) { try counts($0) } == (try log.counts()))
        #expect(try log.counts() == ["A": 2, "B": 1, "C": 1])
    }

    @Test("misuse is refused: bad names, reading a projection never built, registering inside a read")
    func misuse() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        #expect(throws: EventLogError.self) { try log.register(CountByType(name: "")) }
        #expect(throws: EventLogError.self) { try log.register(CountByType(name: "a/b")) }
        #expect(throws: EventLogError.self) { try log.counts() }
        try log.read { _ throws in
            #expect(throws: EventLogError.self) { try log.register(CountByType()) }
        }
    }
}

@Suite("Projection regressions found in review")
struct ProjectionRegressionTests {
    @Test("a rebuild that finds another one already switched stops, instead of starting over (or trapping)")
    func concurrentRebuilds() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 2, rebuildBatchSize: 2))
        try log.register(CountByType())
        for index in 0..<9 { try await log.append([event(index % 2 == 0 ? "A" : "B")], to: "s") }
        let v2 = CountByType(version: 2, weight: 3)
        var nested = false
        var reports = 0
        try log.rebuild(v2) { _ in
            reports += 1
            if !nested {
                nested = true
                try log.rebuild(v2) // another rebuilder takes it to the end and switches
            }
        }
        #expect(reports <= 2)
        #expect(try log.counts(v2) == ["A": 15, "B": 12])
    }

    @Test("a projection can be read by a process that never registered it")
    func readWithoutRegistering() async throws {
        let directory = TemporaryDirectory()
        do {
            let log = try makeLog(directory)
            try log.register(CountByType())
            try await log.append([event("A")], to: "s")
        }
        let reopened = try makeLog(directory) // a new environment: no handle cached yet
        #expect(try reopened.counts() == ["A": 1])
    }

    @Test("a first build that was stopped serves nothing rather than a partial state")
    func stoppedFirstBuild() async throws {
        struct Stop: Error {}
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 1, rebuildBatchSize: 1))
        for _ in 0..<3 { try await log.append([event("A")], to: "s") }
        #expect(throws: EventLogError.self) { try log.rebuild(CountByType()) { _ in throw Stop() } }
        #expect(throws: EventLogError.self) { try log.counts() }
        try log.rebuild(CountByType())
        #expect(try log.counts() == ["A": 3])
    }
}
