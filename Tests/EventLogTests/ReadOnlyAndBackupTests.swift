import Foundation
import Testing
@testable import EventLog

/// Reading never writes; a backup is a consistent, verifiable copy taken while writers go on.
@Suite("Read-only logs and backups")
struct ReadOnlyAndBackupTests {
    /// Every file of `directory` with its bytes.
    func contents(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }

    func filledLog(_ path: String, events: Int = 50) async throws {
        let log = try EventLog(path: path, options: .init(durability: .nonDurable))
        for index in 0..<events { try await log.append([event("E", "event \(index)")], to: "s\(index % 5)") }
    }

    @Test("opening read-only where there is no log creates nothing and says so")
    func nothingCreated() async throws {
        let directory = TemporaryDirectory()
        let missing = directory.child("missing")
        await expectError(.notALog) { try EventLog(path: missing, options: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: missing))
        let empty = directory.child("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        await expectError(.notALog) { try EventLog(path: empty, options: .readOnly) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
    }

    @Test("a read-only log reads, verifies and follows without changing a byte, and refuses writes")
    func readsWithoutWriting() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try await filledLog(path)
        let before = try contents(path)
        do {
            let log = try EventLog(path: path, options: .readOnly)
            #expect(try log.allEvents().count == 50)
            #expect(try log.verify().isIntact)
            #expect(try log.storedEvents("s1").count == 10)
            #expect(try log.replay(CountingProjection()) { try $0.value(forKey: [1]) } == [50])
            await expectError(.readOnly) { try await log.append([event()], to: "s1") }
            await expectError(.readOnly) { try log.write { try $0.append([event()], to: "s1") } }
            await expectError(.readOnly) { try log.register(CountingProjection()) }
        }
        // lock.mdb is LMDB's table of readers, in which a reader takes a slot (so that a writer
        // beside it never reuses pages it reads); the log is data.mdb.
        let after = try contents(path)
        #expect(after["data.mdb"] == before["data.mdb"], "no byte of the data file changed")
        #expect(Set(after.keys) == Set(before.keys), "no file was created")
    }

    @Test("a copy without a lock file reads without making one")
    func withoutLockFile() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try await filledLog(path)
        try FileManager.default.removeItem(atPath: path + "/lock.mdb")
        let log = try EventLog(path: path, options: .readOnly)
        #expect(try log.verify().isIntact)
        #expect(!FileManager.default.fileExists(atPath: path + "/lock.mdb"))
    }

    @Test("a read-only handle beside a read-write one refuses writes; read-write after read-only is refused")
    func mixedHandles() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try await filledLog(path, events: 3)
        do {
            let writer = try EventLog(path: path)
            let reader = try EventLog(path: path, options: .readOnly)
            try await writer.append([event()], to: "s0")
            #expect(try reader.lastPosition() == 4)
            await expectError(.readOnly) { try await reader.append([event()], to: "s0") }
        }
        let reader = try EventLog(path: path, options: .readOnly)
        await expectError(.misuse) { try EventLog(path: path) }
        #expect(try reader.lastPosition() == 4)
    }

    @Test("a backup taken while another task appends is a consistent log that verifies, with every event up to its head")
    func backupWhileWriting() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try await filledLog(path, events: 200)
        let log = try EventLog(path: path, options: .init(durability: .nonDurable))
        let writer = Task {
            for index in 0..<2_000 {
                try await log.append([event("E", "later \(index)")], to: "s\(index % 7)")
                if Task.isCancelled { break }
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        let backup = directory.child("backup")
        let head = try #require(try log.backup(to: backup))
        try await writer.value
        #expect(head.position >= 200)
        let copy = try EventLog(path: backup, options: .readOnly)
        let verification = try copy.verify()
        #expect(verification.isIntact)
        #expect(verification.head == head)
        // The original still holds the copy's head: the copy is a prefix of it.
        #expect(try log.verify(anchors: [head]).isIntact)
        #expect(try copy.allEvents() == log.read { try $0.events(limit: Int(head.position)) })
    }

    @Test("a backup refuses a destination that holds anything, and changes nothing there")
    func backupNeverOverwrites() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try await filledLog(path, events: 5)
        let destination = directory.child("taken")
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: destination + "/note"))
        let log = try EventLog(path: path, options: .readOnly)
        await expectError(.misuse) { try log.backup(to: destination) }
        #expect(try contents(destination) == ["note": Data("keep".utf8)])
        let fresh = directory.child("fresh")
        #expect(try log.backup(to: fresh)?.position == 5, "a read-only log can be backed up")
    }
}
