import CLMDB
import Foundation
import Testing
@testable import EventLog

/// A damaged data file must end in a typed error, never in a signal: LMDB 0.9.24 does not check
/// the pages it reads. If any case here crashed, the whole test process would die with it; run with
/// `DAMAGE_TRACE=1` to see each step and error on stderr, and so the last step before a crash.
@Suite("Damaged data files")
struct DamagedFileTests {
    /// The outcomes a damaged file may have: the read works (the damage missed what it reads), or a
    /// typed error says what is wrong. (A damaged stream index can make a stream unknown; verify
    /// then finds the index short.)
    static let allowed: Set<EventLogError.Code> = [.damaged, .brokenChain, .corruptRecord, .newerFormat, .notALog, .streamNotFound]

    /// A log of `events` events over 300 streams, with a projection, closed; returns its data file.
    func pristine(_ directory: TemporaryDirectory, events: Int = 6_000) async throws -> Data {
        let path = directory.child("pristine")
        do {
            let log = try EventLog(path: path, options: .init(durability: .nonDurable, headsCheckpointInterval: 1_000))
            try log.register(CountingProjection())
            for start in stride(from: 0, to: events, by: 100) {
                try log.write { writer in
                    for index in start..<start + 100 {
                        try writer.append([event(index % 7 == 0 ? "Booked" : "Paid", String(repeating: "x", count: index % 90 + 1))], to: "s\(index % 300)")
                    }
                }
            }
        }
        return try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
    }

    /// Opens the log at `path` and runs what commands run: verify, a full read, stream reads, a
    /// replay, the stored projection, an append. Returns the error codes met.
    func exercise(_ path: String) async -> [EventLogError.Code] {
        var codes: [EventLogError.Code] = []
        func attempt(_ line: Int = #line, _ body: () async throws -> Void) async {
            if ProcessInfo.processInfo.environment["DAMAGE_TRACE"] != nil { FileHandle.standardError.write(Data("\(path) step \(line)\n".utf8)) }
            do { try await body() } catch let error as EventLogError {
                if ProcessInfo.processInfo.environment["DAMAGE_TRACE"] != nil { FileHandle.standardError.write(Data("  \(error)\n".utf8)) }
                codes.append(error.code)
            } catch {
                Issue.record("not an EventLogError: \(error)")
            }
        }
        await attempt {
            let log = try EventLog(path: path, options: .init(durability: .nonDurable))
            await attempt { _ = try log.verify() }
            await attempt { _ = try log.allEvents() }
            await attempt { _ = try log.storedEvents("s17") }
            await attempt { try log.replay(CountingProjection()) { _ in } }
            await attempt { try log.readProjection(CountingProjection()) { _ = try $0.value(forKey: [1]) } }
            await attempt { try await log.append([event()], to: "s3") }
            await attempt { _ = try log.backup(to: path + "-backup") }
        }
        return codes
    }

    @Test("single flipped bits anywhere in the used pages give typed errors or correct reads, never a crash")
    func flippedBits() async throws {
        let directory = TemporaryDirectory()
        let data = try await pristine(directory)
        var generator = SeededRandom(seed: 0x5EED)
        var outcomes: [EventLogError.Code: Int] = [:]
        for trial in 0..<120 {
            var damaged = data
            let offset = Int(generator.next() % UInt64(damaged.count))
            damaged[offset] ^= UInt8(1 << (generator.next() % 8))
            let path = directory.child("trial\(trial)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try damaged.write(to: URL(fileURLWithPath: path + "/data.mdb"))
            for code in await exercise(path) {
                #expect(Self.allowed.contains(code), "trial \(trial), offset \(offset): \(code)")
                outcomes[code, default: 0] += 1
            }
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + "-backup")
        }
        #expect(outcomes[.brokenChain, default: 0] > 0, "some flips land in records: \(outcomes)")
    }

    @Test("page headers and node offsets overwritten with garbage give typed errors, never a crash")
    func garbledPages() async throws {
        let directory = TemporaryDirectory()
        let data = try await pristine(directory)
        var generator = SeededRandom(seed: 42)
        let pages = data.count / 4096
        var damagedTrials = 0
        for trial in 0..<60 {
            var damaged = data
            // A page's header (16 bytes) and the start of its node offsets, with random bytes.
            let page = 2 + Int(generator.next() % UInt64(max(pages - 2, 1)))
            for index in 0..<24 { damaged[page * 4096 + index] = UInt8(truncatingIfNeeded: generator.next()) }
            let path = directory.child("garbled\(trial)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try damaged.write(to: URL(fileURLWithPath: path + "/data.mdb"))
            let codes = await exercise(path)
            for code in codes { #expect(Self.allowed.contains(code), "page \(page): \(code)") }
            if codes.contains(.damaged) { damagedTrials += 1 }
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + "-backup")
        }
        #expect(damagedTrials > 0, "some garbled pages are reported as damage")
    }

    @Test("a names table that holds the highest number there is refuses a new name, not traps")
    func exhaustedNumbers() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable))
        try log.write { writer in _ = try writer.append([event("Booked")], to: "s1") }
        try Tamper.renameType(log, code: UInt32.max, to: "Forged")
        let error = await expectError(.corruptRecord) { try log.write { writer in _ = try writer.append([event("Paid")], to: "s1") } }
        #expect(error?.message.contains("\(UInt32.max)") == true, "\(error?.message ?? "")")
        // Names it has are still used.
        try log.write { writer in _ = try writer.append([event("Booked")], to: "s1") }
    }

    @Test("a data file whose last pages are free and were never written is whole: it opens and verifies")
    func lastPagesFreeAndUnwritten() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        let log = try EventLog(path: path, options: .init(durability: .nonDurable))
        for index in 0..<50 { try await log.append([event("Booked")], to: "s\(index % 5)") }
        // A megabyte taken at the end of the file, then freed.
        let environment = log.core.environment
        let scratch = try #require(try environment.openHandle("projection/scratch/a", create: true))
        let key: [UInt8] = [1]
        try environment.write { txn in
            try key.withUnsafeBytes { key in try [UInt8](repeating: 7, count: 1 << 20).withUnsafeBytes { try txn.put(scratch, key: key, value: $0) } }
        }
        try environment.write { txn in _ = try key.withUnsafeBytes { try txn.delete(scratch, key: $0) } }
        // LMDB's last page, and the pages its free list holds (LMDB's own record, `FREE_DBI` = 0).
        let (last, free) = try environment.read { txn -> (Int, Set<Int>) in
            var info = MDB_envinfo()
            mdb_env_info(environment.pointer, &info)
            var free = Set<Int>()
            var cursor: OpaquePointer?
            guard mdb_cursor_open(txn.pointer, 0, &cursor) == MDB_SUCCESS else { return (info.me_last_pgno, free) }
            defer { mdb_cursor_close(cursor) }
            var key = MDB_val(), data = MDB_val()
            while mdb_cursor_get(cursor, &key, &data, MDB_NEXT) == MDB_SUCCESS {
                let pages = UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size).bindMemory(to: Int.self)
                for page in pages.dropFirst().prefix(pages.first ?? 0) { free.insert(page) }
            }
            return (info.me_last_pgno, free)
        }
        var kept = last + 1
        while free.contains(kept - 1) { kept -= 1 }
        try #require(last + 1 - kept >= 16, "the free megabyte lies at the end of the file")
        let head = try log.headHash()
        log.close()
        // As if LMDB had freed those pages in the transaction that took them, never writing them
        // (it does so with its own bookkeeping's pages): the file ends before LMDB's last page.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path + "/data.mdb"))
        try handle.truncate(atOffset: UInt64(kept * 4_096))
        try handle.close()
        let reopened = try EventLog(path: path, options: .init(durability: .nonDurable))
        #expect(try reopened.headHash() == head)
        #expect(try reopened.verify().isIntact)
        try await reopened.append([event("Paid")], to: "s1")
        #expect(try reopened.verify().isIntact)
    }

    @Test("a data file cut short is refused at open as damaged")
    func truncatedFile() async throws {
        let directory = TemporaryDirectory()
        let data = try await pristine(directory, events: 2_000)
        let path = directory.child("cut")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path + "/data.mdb"))
        let error = await expectError(.damaged) { try EventLog(path: path) }
        #expect(error?.message.contains("restore") == true || error?.message.contains("Restore") == true)
    }
}

/// A small deterministic generator (SplitMix64) for reproducible damage.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
