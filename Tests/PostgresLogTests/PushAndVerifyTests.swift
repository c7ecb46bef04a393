import Foundation
import PostgresTestSupport
import Testing
import EventLog
@testable import PostgresLog

/// A ledger pushed from LMDB into a real PostgreSQL server (started by the tests) holds the same
/// records, positions and head hash, verifies there, and names by position what was changed behind
/// its back.
@Suite("PostgreSQL: push and verify")
struct PushAndVerifyTests {
    /// A new LMDB log in a temporary directory with `count` events over three streams and two types.
    final class LocalLog: Sendable {
        let path = NSTemporaryDirectory() + "postgreslog-tests/\(UUID().uuidString)"
        let log: EventLog

        init(events count: Int = 0) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            log = try EventLog(path: path + "/log", options: .init(durability: .nonDurable, initialMapSize: 1 << 20))
            try append(count)
        }

        func append(_ count: Int, offset: Int = 0) throws {
            guard count > 0 else { return }
            let events = (0..<count).map { index in
                (stream: "client-\((offset + index) % 3)", event: NewEvent(type: index % 2 == 0 ? "Booked" : "Paid", payload: Array("event \(offset + index) €".utf8)))
            }
            try log.write { writer in
                for (stream, event) in events { _ = try writer.append([event], to: stream) }
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func ledgerID(_ name: String = #function) -> String {
        "\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
    }

    @Test func aPushedLedgerHasTheSameRecordsAndHeadHash() throws {
        let local = try LocalLog(events: 250)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        var reports: [(UInt64, UInt64)] = []
        let pushed = try shared.push(from: local.log) { reports.append(($0, $1)) }
        #expect(pushed.eventsCopied == 250)
        #expect(pushed.head == (try local.log.headHash()))
        #expect(try shared.head() == (try local.log.headHash()))
        #expect(reports.last.map { $0 == (250, 250) } == true)
        let verification = try shared.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == 250)
        #expect(verification.head == (try local.log.headHash()))
        // The records are the LMDB records, byte for byte.
        let stored = try PostgresServer.psql("SELECT encode(record, 'hex') FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 7")
        let local7 = try local.log.read { snapshot in
            var hex = ""
            try snapshot.forEachEvent(from: 7, through: 7) { hex = $0.header.bytes.map { String(format: "%02x", $0) }.joined() }
            return hex
        }
        #expect(stored == local7)
    }

    @Test func aSecondPushCopiesOnlyWhatIsNew() throws {
        let local = try LocalLog(events: 30)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        #expect(try shared.push(from: local.log).eventsCopied == 30)
        #expect(try shared.push(from: local.log).eventsCopied == 0)
        try local.append(45, offset: 30)
        let again = try shared.push(from: local.log)
        #expect(again.eventsCopied == 45)
        #expect(again.head == (try local.log.headHash()))
        #expect(try shared.verify().isIntact)
    }

    @Test func aLongLogIsPushedInSeveralTransactions() throws {
        let count = Int(PostgresLog.pushBatchRecords) * 2 + 17
        let local = try LocalLog(events: count)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        var reports: [UInt64] = []
        let pushed = try shared.push(from: local.log) { copied, _ in reports.append(copied) }
        #expect(pushed.eventsCopied == UInt64(count))
        #expect(reports == [PostgresLog.pushBatchRecords, 2 * PostgresLog.pushBatchRecords, UInt64(count)])
        let verification = try shared.verify()
        #expect(verification.isIntact)
        #expect(verification.head == (try local.log.headHash()))
    }

    @Test func anEmptyLogPushesNothing() throws {
        let local = try LocalLog()
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        let pushed = try shared.push(from: local.log)
        #expect(pushed.eventsCopied == 0)
        #expect(pushed.head == nil)
        #expect(try shared.head() == nil)
        let verification = try shared.verify()
        #expect(verification.isIntact)
        #expect(verification.eventsChecked == 0)
    }

    @Test func anotherChainIsRefusedAndNothingIsCopied() throws {
        let id = Self.ledgerID()
        let first = try LocalLog(events: 10)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: id)
        try shared.push(from: first.log)
        let before = try shared.head()
        // Another log with as many events: a different record at the database's head.
        let other = try LocalLog(events: 12)
        let error = try #require(throws: EventLogError.self) { try shared.push(from: other.log) }
        #expect(error.code == .brokenChain)
        #expect(error.position == 10)
        // A shorter log than the database's.
        let shorter = try LocalLog(events: 4)
        let short = try #require(throws: EventLogError.self) { try shared.push(from: shorter.log) }
        #expect(short.code == .brokenChain)
        #expect(short.message.contains("holds 10 records"))
        #expect(try shared.head() == before)
        #expect(try PostgresServer.psql("SELECT count(*) FROM clientledger_record WHERE ledger = '\(id)'") == "10")
    }

    @Test func ledgersInOneDatabaseAreIndependent() throws {
        let a = try LocalLog(events: 5), b = try LocalLog(events: 8)
        let conninfo = try PostgresServer.conninfo()
        let sharedA = try PostgresLog(connectingTo: conninfo, ledger: Self.ledgerID("a"))
        let sharedB = try PostgresLog(connectingTo: conninfo, ledger: Self.ledgerID("b"))
        try sharedA.push(from: a.log)
        try sharedB.push(from: b.log)
        #expect(try sharedA.head() == (try a.log.headHash()))
        #expect(try sharedB.head() == (try b.log.headHash()))
        #expect(try sharedA.verify().isIntact)
        #expect(try sharedB.verify().isIntact)
    }

    @Test func verificationNamesTheFirstChangedRecord() throws {
        let local = try LocalLog(events: 40)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        try shared.push(from: local.log)
        let anchor = try #require(try local.log.headHash())
        // One payload byte changed at position 23 (the byte before the hash).
        try PostgresServer.psql("""
            UPDATE clientledger_record SET record = set_byte(record, length(record) - 33, get_byte(record, length(record) - 33) # 1)
            WHERE ledger = '\(shared.ledger)' AND position = 23
            """)
        let verification = try shared.verify(anchors: [anchor])
        #expect(!verification.isIntact)
        #expect(verification.firstBrokenPosition == 23)
        #expect(verification.eventsChecked == 22)
        #expect(verification.head == nil)
        #expect(verification.anchors.first?.holds == false)
    }

    @Test func verificationNamesAMissingRecord() throws {
        let local = try LocalLog(events: 12)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        try shared.push(from: local.log)
        try PostgresServer.psql("DELETE FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 5")
        let verification = try shared.verify()
        #expect(verification.firstBrokenPosition == 5)
        #expect(verification.problem?.contains("no record there") == true)
    }

    @Test func verificationNamesARenamedStream() throws {
        let local = try LocalLog(events: 12)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        try shared.push(from: local.log)
        // Stream 2 ("client-1") first appears at position 2.
        try PostgresServer.psql("UPDATE clientledger_stream SET name = 'client-9'::bytea WHERE ledger = '\(shared.ledger)' AND number = 2")
        #expect(try shared.verify().firstBrokenPosition == 2)
    }

    @Test func verificationChecksTheLedgersRow() throws {
        let local = try LocalLog(events: 6)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        try shared.push(from: local.log)
        // The last record removed: the row still states it.
        try PostgresServer.psql("DELETE FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 6")
        let cut = try shared.verify()
        #expect(cut.firstBrokenPosition == 6)
        #expect(cut.problem?.contains("states head 6") == true)
        // The head moved back as well, to a hash that is not the last record's.
        try PostgresServer.psql("UPDATE clientledger_ledger SET head = 5 WHERE ledger = '\(shared.ledger)'")
        let moved = try shared.verify()
        #expect(!moved.isIntact)
        #expect(moved.firstBrokenPosition == nil)
        #expect(moved.problem?.contains("states head 5:") == true)
        // A record beyond the stated head.
        try PostgresServer.psql("""
            UPDATE clientledger_ledger SET head = 4, head_hash = (SELECT substring(record from length(record) - 31) FROM clientledger_record
                                                                   WHERE ledger = '\(shared.ledger)' AND position = 4)
            WHERE ledger = '\(shared.ledger)'
            """)
        let beyond = try shared.verify()
        #expect(!beyond.isIntact)
        #expect(beyond.problem?.contains("records end at position 5") == true)
    }

    @Test func anAnchorOnTheChainHolds() throws {
        let local = try LocalLog(events: 9)
        let anchor = try #require(try local.log.headHash())
        try local.append(4, offset: 9)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        try shared.push(from: local.log)
        let verification = try shared.verify(anchors: [anchor])
        #expect(verification.isIntact)
        #expect(verification.anchorMatches == true)
    }

    @Test func aLedgerThatIsNotThereIsNamed() throws {
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: Self.ledgerID())
        let error = try #require(throws: EventLogError.self) { try shared.verify() }
        #expect(error.code == .notALog)
    }

    @Test func badConnectionsAndIdsAreTypedErrors() throws {
        let unreachable = try #require(throws: EventLogError.self) {
            try PostgresLog(connectingTo: "host=/nonexistent-directory port=5 dbname=x connect_timeout=2", ledger: "salon")
        }
        #expect(unreachable.code == .storage)
        #expect(unreachable.message.contains("cannot connect to PostgreSQL"))
        let malformed = try #require(throws: EventLogError.self) { try PostgresLog(connectingTo: "this is = not a conninfo =", ledger: "salon") }
        #expect(malformed.code == .storage)
        for id in ["", String(repeating: "x", count: 256), "nul\u{0}inside"] {
            let error = try #require(throws: EventLogError.self) { try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: id) }
            #expect(error.code == .misuse)
        }
    }

    @Test func aNewerSchemaIsRefused() throws {
        let conninfo = try PostgresServer.newDatabase()
        _ = try PostgresLog(connectingTo: conninfo, ledger: "salon")
        try PostgresServer.psql("UPDATE clientledger_schema SET version = 99", conninfo: conninfo)
        let error = try #require(throws: EventLogError.self) { try PostgresLog(connectingTo: conninfo, ledger: "salon") }
        #expect(error.code == .newerFormat)
    }
}
