import Foundation
import Testing
@testable import EventLog

@Suite("Bad input gets a typed error and changes nothing")
struct BadInputTests {
    @Test("malformed appends are refused before anything is written")
    func malformedAppends() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s")
        let before = try fingerprint(log)
        let id = EventID()
        await expectError(.emptyAppend) { try await log.append([], to: "s") }
        await expectError(.emptyPayload) { try await log.append([NewEvent(type: "A", payload: [])], to: "s") }
        await expectError(.eventTooLarge) {
            try await log.append([NewEvent(type: "A", payload: [UInt8](repeating: 1, count: EventLog.maximumPayloadBytes + 1))], to: "s")
        }
        await expectError(.invalidEventType) { try await log.append([NewEvent(type: "", payload: [1])], to: "s") }
        await expectError(.invalidEventType) { try await log.append([NewEvent(type: String(repeating: "t", count: 256), payload: [1])], to: "s") }
        await expectError(.invalidStreamName) { try await log.append([event()], to: "") }
        await expectError(.invalidStreamName) { try await log.append([event()], to: String(repeating: "s", count: 256)) }
        await expectError(.invalidEventID) { try await log.append([event(id: EventID(high: 0, low: 0))], to: "s") }
        await expectError(.duplicateEventID) { try await log.append([event(id: id), event(id: id)], to: "s") }
        await expectError(.invalidMetadata) {
            try await log.append([event(metadata: EventMetadata(actor: String(repeating: "a", count: 256)))], to: "s")
        }
        // A bad event anywhere in an append refuses the whole append.
        await expectError(.emptyPayload) { try await log.append([event(), NewEvent(type: "A", payload: [])], to: "s") }
        #expect(try fingerprint(log) == before)
        #expect(try log.verify().isIntact)
    }

    @Test("a refused append among concurrent ones does not affect the others")
    func refusedAmongGroup() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let payload: [UInt8] = index % 5 == 0 ? [] : [UInt8(index)]
                    return (try? await log.append([NewEvent(type: "A", payload: payload)], to: "s\(index)")) != nil
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(results == 16)
        #expect(try log.lastPosition() == 16)
        #expect(try log.verify().isIntact)
    }

    @Test("a path that is a file is not a log")
    func fileIsNotALog() throws {
        let directory = TemporaryDirectory()
        let file = directory.child("file")
        _ = FileManager.default.createFile(atPath: file, contents: Data("hello".utf8))
        #expect(throws: EventLogError.self) { try EventLog(path: file) }
        do { _ = try EventLog(path: file) } catch { #expect(error.code == .notALog) }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "hello")
    }

    @Test("a directory with other files is not a log, and is left alone")
    func foreignDirectory() throws {
        let directory = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: directory.child("notes.txt"), contents: Data("x".utf8))
        do { _ = try EventLog(path: directory.path); Issue.record("opened a foreign directory") } catch { #expect(error.code == .notALog) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["notes.txt"])
    }

    @Test("a directory holding only a lock file, left by a first open that was killed, opens as a new log",
          arguments: [0, 100])
    func onlyALockFile(garbage: Int) async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path + "/lock.mdb", contents: Data(repeating: 0xA5, count: garbage))
        let log = try EventLog(path: path, options: .init(durability: .nonDurable))
        try await log.append([event()], to: "s")
        #expect(try log.lastPosition() == 1)
        #expect(try log.verify().isIntact)
    }

    @Test("an LMDB environment that is not a log is refused, unchanged")
    func foreignLMDB() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("other")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do {
            let environment = try LMDBEnvironment(path: path, mapSize: 1 << 20, maxDatabases: 4, flags: 0)
            try environment.write { txn in
                let database = try #require(try environment.openDatabase("theirs", in: txn, create: true))
                try Array("k".utf8).withUnsafeBytes { key in try Array("v".utf8).withUnsafeBytes { try txn.put(database, key: key, value: $0) } }
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int
        do { _ = try EventLog(path: path); Issue.record("opened a foreign LMDB") } catch { #expect(error.code == .notALog) }
        #expect(try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int == size)
    }

    @Test("a log of a newer format version is refused, and one of a version no library wrote is a damaged log", arguments: [
        (Schema.formatVersion + 1, EventLogError.Code.newerFormat), (0, .corruptRecord),
    ])
    func unknownFormat(version: UInt32, code: EventLogError.Code) async throws {
        let directory = TemporaryDirectory()
        do {
            let log = try makeLog(directory)
            try await log.append([event()], to: "s")
            try log.core.environment.write { txn in try log.core.schema.writeFormat(version, in: txn) }
        }
        do { _ = try makeLog(directory); Issue.record("opened format \(version)") } catch let error as EventLogError { #expect(error.code == code) }
        do {
            _ = try EventLog(path: directory.child("log"), options: .readOnly)
            Issue.record("opened format \(version) read-only")
        } catch {
            #expect(error.code == code)
        }
    }
}
