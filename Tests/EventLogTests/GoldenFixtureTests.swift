import Foundation
import Testing
@testable import EventLog

/// Golden log fixtures: small logs written once by ``GoldenFixtureTests/writeFixture()`` and committed.
/// Every future version of the library must still open, read and verify them byte for byte.
///
/// A fixture is a text dump of the log's named databases in `mdb_dump`'s portable format
/// (`VERSION=3`, `format=bytevalue`, one hex line per key and per value), so LMDB's own `mdb_load`
/// can restore it too: `mdb_load -f golden-v1.dump -s -n DIR` per database, or all at once.
enum GoldenDump {
    static func dump(_ environment: LMDBEnvironment, _ schema: Schema) throws -> String {
        let databases: [(String, LMDBDatabase)] = [
            (Schema.eventTypesName, schema.eventTypes), (Schema.eventsName, schema.events), (Schema.metaName, schema.meta),
            (Schema.streamIndexName, schema.streamIndex), (Schema.streamsName, schema.streams),
        ]
        var text = ""
        try environment.read { txn in
            for (name, database) in databases {
                text += "VERSION=3\nformat=bytevalue\ndatabase=\(name)\ntype=btree\nHEADER=END\n"
                try txn.withCursor(database) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        text += " " + hex(current.key) + "\n " + hex(current.value) + "\n"
                        entry = try cursor.next()
                    }
                }
                text += "DATA=END\n"
            }
        }
        return text
    }

    /// Restores a dump into a new LMDB environment at `path`.
    static func load(_ text: String, into path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let environment = try LMDBEnvironment(path: path, mapSize: 1 << 20, maxDatabases: 16, flags: 0)
        try environment.write { txn in
            var database: LMDBDatabase?
            var pendingKey: [UInt8]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("database=") {
                    database = try environment.openDatabase(String(line.dropFirst("database=".count)), in: txn, create: true)
                } else if line.hasPrefix(" "), let database {
                    let bytes = try unhex(line.dropFirst())
                    if let key = pendingKey {
                        try key.withUnsafeBytes { key in try bytes.withUnsafeBytes { try txn.put(database, key: key, value: $0) } }
                        pendingKey = nil
                    } else {
                        pendingKey = bytes
                    }
                }
            }
        }
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func unhex(_ text: Substring) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { throw EventLogError(.corruptRecord, "odd hex line in a dump") }
        return try stride(from: 0, to: utf8.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw EventLogError(.corruptRecord, "bad hex in a dump")
            }
            return byte
        }
    }
}

@Suite("Golden fixtures: every old log stays readable")
struct GoldenFixtureTests {
    static let correlation = EventID(high: 0x1111_1111_1111_4111, low: 0x8111_1111_1111_1111)

    /// The events of `golden-v1.dump`, in order: stream, type, payload, id, metadata.
    static let v1Events: [(stream: String, type: String, payload: String, id: EventID, metadata: EventMetadata)] = [
        ("client-1", "ClientRegistered", "Ada", EventID(high: 1, low: 1), EventMetadata(correlationID: correlation, actor: "desk")),
        ("client-1", "NoteAdded", "allergy: latex", EventID(high: 1, low: 2), EventMetadata(causationID: EventID(high: 1, low: 1))),
        ("client-2", "ClientRegistered", "Ben", EventID(high: 2, low: 1), .none),
        ("client-2", "CheckedOut", "4500", EventID(high: 2, low: 2), EventMetadata(correlationID: correlation, causationID: EventID(high: 2, low: 1), actor: "Bärbel")),
        ("client-1", "CheckedOut", "1200", EventID(high: 1, low: 3), .none),
    ]
    /// The head hash of `golden-v1.dump`, pinned when the fixture was written.
    static let v1Head = "5:4c05322715026818a32e8c2bcc626f9c9985b747dd83428046d0d00245e01662"
    /// The head hash of `golden-v2.dump` (the same events, written in format 2), pinned when the
    /// fixture was written.
    static let v2Head = "5:57001bddf6e1800d2da8bb51b98f3c84a68d006b1758c4e043d27bbccc08baef"

    static var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    /// Writes `golden-v2.dump` (the format this library writes) when `GOLDEN_FIXTURE_DIR` names the
    /// fixtures folder; otherwise does nothing. Run once per new format version, commit the file,
    /// pin its head hash above. (`golden-v1.dump` was written so by the library of format 1.)
    @Test("write the golden fixture (only with GOLDEN_FIXTURE_DIR set)")
    func writeFixture() async throws {
        guard let folder = ProcessInfo.processInfo.environment["GOLDEN_FIXTURE_DIR"] else { return }
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, headsCheckpointInterval: 3))
        let events = Self.v1Events
        func new(_ index: Int) -> NewEvent {
            NewEvent(id: events[index].id, type: events[index].type, metadata: events[index].metadata, payload: Array(events[index].payload.utf8))
        }
        try await log.append([new(0)], to: events[0].stream, expecting: .noStream)
        try await log.append([new(1)], to: events[1].stream, expecting: .exactly(1))
        try await log.append([new(2), new(3)], to: events[2].stream, expecting: .noStream)
        try await log.append([new(4)], to: events[4].stream, expecting: .exactly(2))
        let text = try GoldenDump.dump(log.core.environment, log.core.schema)
        try text.write(toFile: folder + "/golden-v\(Schema.formatVersion).dump", atomically: true, encoding: .utf8)
        print("golden-v\(Schema.formatVersion) head hash: \(try #require(try log.headHash()))")
    }

    @Test("format versions 1 and 2: each opens, reads every field, verifies, and takes new appends", arguments: [1, 2])
    func readsVersion(_ version: Int) async throws {
        let head = version == 1 ? Self.v1Head : Self.v2Head
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("golden-v\(version).dump"), encoding: .utf8)
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        try GoldenDump.load(text, into: path)
        do {
            // Read-only first: an archive of either format reads without a byte changed.
            let archive = try EventLog(path: path, options: .readOnly)
            #expect(try archive.verify(anchors: [HeadHash(head)]).isIntact)
            #expect(try archive.allEvents().count == Self.v1Events.count)
        }
        let log = try EventLog(path: path)
        #expect(log.core.format.load(ordering: .relaxed) == UInt32(version))

        let verification = try log.verify(anchors: [HeadHash(head)])
        #expect(verification.isIntact)
        #expect(verification.head?.description == head)
        #expect(verification.recordsWithoutNames == (version == 1 ? 5 : 0))

        let stored = try log.allEvents()
        #expect(stored.count == Self.v1Events.count)
        for (event, expected) in zip(stored, Self.v1Events) {
            #expect(event.stream == expected.stream)
            #expect(event.type == expected.type)
            #expect(String(decoding: event.payload, as: UTF8.self) == expected.payload)
            #expect(event.id == expected.id)
            #expect(event.metadata == expected.metadata)
        }
        #expect(stored.map(\.streamVersion) == [1, 2, 1, 2, 3])
        #expect(stored[2].recordedAt == stored[3].recordedAt)
        #expect(zip(stored, stored.dropFirst()).allSatisfy { $0.recordedAt <= $1.recordedAt })
        #expect(try log.storedEvents("client-1").map(\.position) == [1, 2, 5])
        #expect(try log.read { try $0.streamVersion("client-2") } == 2)

        // The fixture holds a stream-heads checkpoint (interval 3) and a tail after it: both are read.
        try await log.append([event()], to: "client-1", expecting: .exactly(3))
        try await log.append([event()], to: "client-2", expecting: .exactly(2))
        #expect(try log.verify(anchors: [HeadHash(head)]).isIntact)
        #expect(log.core.format.load(ordering: .relaxed) == 2)
    }
}
