import Foundation
import PostgresTestSupport
import Testing
import EventLog
@testable import PostgresLog

/// LMDB logs as replicas of a ledger in a real PostgreSQL server: they catch up with every link
/// checked, their writes extend the ledger there first, and replicas that race converge on one
/// gapless chain with the same head hash.
@Suite("PostgreSQL: replicas")
struct ReplicaTests {
    typealias LocalLog = PushAndVerifyTests.LocalLog

    static func shared(_ name: String = #function) throws -> PostgresLog {
        try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: PushAndVerifyTests.ledgerID(name))
    }

    @Test func anEmptyReplicaCatchesUpToTheSameChain() throws {
        let source = try LocalLog(events: 300)
        let shared = try Self.shared()
        try shared.push(from: source.log)
        let replica = try LocalLog()
        #expect(try shared.pull(into: replica.log) == 300)
        #expect(try replica.log.headHash() == (try source.log.headHash()))
        #expect(try replica.log.verify().isIntact)
        #expect(try shared.pull(into: replica.log) == 0)
        // Streams and their versions are the source's.
        let versions = try replica.log.read { snapshot in try (0..<3).map { try snapshot.streamVersion("client-\($0)") } }
        #expect(versions == [100, 100, 100])
    }

    @Test func aReplicasAppendsExtendTheLedgerFirst() async throws {
        let shared = try Self.shared()
        let first = try LocalLog(), second = try LocalLog()
        try shared.attach(first.log)
        try shared.attach(second.log)
        for index in 0..<5 {
            try await first.log.append([NewEvent(type: "Booked", payload: Array("first \(index)".utf8))], to: "first")
        }
        #expect(try shared.head() == (try first.log.headHash()))
        // The second replica is behind: its append catches up, then extends the ledger after the first's.
        let appended = try await second.log.append([NewEvent(type: "Paid", payload: Array("second".utf8))], to: "second", expecting: .noStream)
        #expect(appended.firstPosition == 6)
        #expect(try second.log.lastPosition() == 6)
        #expect(try shared.head() == (try second.log.headHash()))
        try shared.pull(into: first.log)
        #expect(try first.log.headHash() == (try second.log.headHash()))
        #expect(try shared.verify().isIntact)
        #expect(try first.log.verify().isIntact)
        #expect(try second.log.verify().isIntact)
    }

    @Test func aStaleExpectedVersionIsDecidedOnTheCaughtUpReplica() async throws {
        let shared = try Self.shared()
        let first = try LocalLog(), second = try LocalLog()
        try shared.attach(first.log)
        try shared.attach(second.log)
        try await first.log.append([NewEvent(type: "Opened", payload: [1])], to: "till", expecting: .noStream)
        // The second replica has not copied the stream yet: its write copies it under the ledger's
        // lock before it decides, so `.noStream` is decided on the ledger, where the stream exists.
        let error = await #expect(throws: EventLogError.self) {
            try await second.log.append([NewEvent(type: "Opened", payload: [2])], to: "till", expecting: .noStream)
        }
        #expect(error?.code == .wrongExpectedVersion)
        #expect(try second.log.read { try $0.streamVersion("till") } == 1)
        #expect(try shared.head()?.position == 1)
    }

    @Test func racingReplicasKeepOneGaplessChain() async throws {
        let shared = try Self.shared()
        let replicas = try (0..<3).map { _ in try LocalLog() }
        for replica in replicas { try shared.attach(replica.log) }
        let perTask = 15, tasksPerReplica = 3
        // Every task bumps one shared counter stream with expected versions, retrying on conflict:
        // exactly one append wins each version.
        let wins = try await withThrowingTaskGroup(of: Int.self) { group in
            for replica in replicas {
                for task in 0..<tasksPerReplica {
                    group.addTask {
                        var won = 0
                        while won < perTask {
                            let version = try replica.log.read { try $0.streamVersion("counter") } ?? 0
                            do {
                                try await replica.log.append([NewEvent(type: "Bumped", payload: Array("\(task)-\(won)".utf8))], to: "counter",
                                                             expecting: version == 0 ? .noStream : .exactly(version))
                                won += 1
                            } catch let error as EventLogError where error.code == .wrongExpectedVersion {
                                continue
                            }
                        }
                        return won
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let total = replicas.count * tasksPerReplica * perTask
        #expect(wins == total)
        for replica in replicas { try shared.pull(into: replica.log) }
        let head = try #require(try shared.head())
        #expect(head.position == UInt64(total))
        for replica in replicas {
            #expect(try replica.log.headHash() == head)
            #expect(try replica.log.read { try $0.streamVersion("counter") } == UInt64(total))
        }
        #expect(try shared.verify().isIntact)
    }

    @Test func aRewrittenLedgerStopsTheReplicaAtThePosition() throws {
        let source = try LocalLog(events: 20)
        let shared = try Self.shared()
        try shared.push(from: source.log)
        let replica = try LocalLog()
        try shared.pull(into: replica.log)
        try source.append(10, offset: 20)
        try shared.push(from: source.log)
        // A record the replica has not copied yet, changed in the database.
        try PostgresServer.psql("UPDATE clientledger_record SET record = set_byte(record, 60, get_byte(record, 60) # 1) WHERE ledger = '\(shared.ledger)' AND position = 25")
        let broken = try #require(throws: EventLogError.self) { try shared.pull(into: replica.log) }
        #expect(broken.code == .brokenChain)
        #expect(broken.position == 25)
        // The records before it were copied; the changed one and those after it were not.
        #expect(try replica.log.lastPosition() == 24)
        // The record at the replica's head, rewritten: the replica names it.
        try PostgresServer.psql("UPDATE clientledger_record SET record = set_byte(record, 60, get_byte(record, 60) # 1) WHERE ledger = '\(shared.ledger)' AND position = 24")
        let rewritten = try #require(throws: EventLogError.self) { try shared.pull(into: replica.log) }
        #expect(rewritten.position == 24)
        #expect(rewritten.message.contains("another record at position 24"))
    }

    @Test func aHeadRowThatNamesAnotherHashIsABreak() throws {
        let source = try LocalLog(events: 5)
        let shared = try Self.shared()
        try shared.push(from: source.log)
        try PostgresServer.psql("UPDATE clientledger_ledger SET head_hash = sha256('another') WHERE ledger = '\(shared.ledger)'")
        let replica = try LocalLog()
        let error = try #require(throws: EventLogError.self) { try shared.pull(into: replica.log) }
        #expect(error.code == .brokenChain)
        #expect(error.position == 5)
        #expect(error.message.contains("names another hash for its head"))
        // The records themselves hold, and were copied; the head row's claim was not believed.
        #expect(try replica.log.headHash() == (try source.log.headHash()))
    }

    @Test func aWriteThatTheDatabaseRefusesCommitsNothingAndTheNextOneGoesThrough() async throws {
        let shared = try Self.shared()
        let replica = try LocalLog()
        try shared.attach(replica.log, pollInterval: nil)
        try await replica.log.append([NewEvent(type: "Booked", payload: [1])], to: "a")
        // A row at the next position, put there behind the library's back (the head not moved):
        // the write's insert fails in the middle of its round trip.
        try PostgresServer.psql("INSERT INTO clientledger_record SELECT ledger, 2, record FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 1")
        let refused = await #expect(throws: EventLogError.self) {
            try await replica.log.append([NewEvent(type: "Booked", payload: [2])], to: "a")
        }
        #expect(refused?.code == .storage)
        #expect(refused?.message.contains("23505") == true)
        #expect(try replica.log.lastPosition() == 1)
        #expect(try shared.head()?.position == 1)
        // The failed transaction was rolled back: once the row is gone, the next write goes through
        // on the same connection.
        try PostgresServer.psql("DELETE FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 2")
        try await replica.log.append([NewEvent(type: "Booked", payload: [3])], to: "a")
        #expect(try shared.head() == (try replica.log.headHash()))
        #expect(try shared.verify().isIntact)
        shared.detach(replica.log)
    }

    @Test func aWriteInsideAWriteOfAReplicaIsMisuseNotAHang() throws {
        let shared = try Self.shared()
        let replica = try LocalLog()
        try shared.attach(replica.log, pollInterval: nil)
        defer { shared.detach(replica.log) }
        let nested = #expect(throws: EventLogError.self) {
            try replica.log.write { writer in
                try writer.append([NewEvent(type: "Booked", payload: [1])], to: "a")
                try replica.log.write { try $0.append([NewEvent(type: "Booked", payload: [2])], to: "b") }
            }
        }
        #expect(nested?.code == .misuse)
        #expect(try shared.head() == nil)
        // The ledger's lock was not kept: the next write goes through.
        try replica.log.write { try $0.append([NewEvent(type: "Booked", payload: [3])], to: "a") }
        #expect(try shared.head() == (try replica.log.headHash()))
    }

    @Test func aRecordWithAnImpossibleStreamNumberIsABreakNotATrap() throws {
        let source = try LocalLog(events: 3)
        let shared = try Self.shared()
        try shared.push(from: source.log)
        let replica = try LocalLog()
        try shared.pull(into: replica.log)
        // A fourth record written behind the library's back: the third's, with stream number 2⁶⁴ − 1.
        try PostgresServer.psql("""
            INSERT INTO clientledger_record SELECT ledger, 4, overlay(record PLACING '\\xffffffffffffffff'::bytea FROM 9 FOR 8)
            FROM clientledger_record WHERE ledger = '\(shared.ledger)' AND position = 3;
            UPDATE clientledger_ledger SET head = 4 WHERE ledger = '\(shared.ledger)'
            """)
        let error = try #require(throws: EventLogError.self) { try shared.pull(into: replica.log) }
        #expect(error.code == .brokenChain)
        #expect(error.position == 4)
        #expect(try replica.log.lastPosition() == 3)
    }

    @Test func aReplicaOfAnotherLedgerIsRefused() throws {
        let shared = try Self.shared()
        try shared.push(from: try LocalLog(events: 5).log)
        let other = try LocalLog(events: 3)
        let error = try #require(throws: EventLogError.self) { try shared.attach(other.log) }
        #expect(error.code == .brokenChain)
        #expect(error.position == 3)
        #expect(try other.log.lastPosition() == 3)
        let longer = try LocalLog(events: 8)
        let ahead = try #require(throws: EventLogError.self) { try shared.pull(into: longer.log) }
        #expect(ahead.code == .brokenChain)
    }

    @Test func attachingTwiceOrReadOnlyIsMisuse() throws {
        let shared = try Self.shared()
        let replica = try LocalLog()
        try shared.attach(replica.log)
        #expect(throws: EventLogError.self) { try shared.attach(replica.log) }
        shared.detach(replica.log)
        try shared.attach(replica.log)
        try replica.log.write { try $0.append([NewEvent(type: "Booked", payload: [1])], to: "s") }
        let readOnly = try EventLog(path: replica.path + "/log", options: .readOnly)
        let error = try #require(throws: EventLogError.self) { try shared.attach(readOnly) }
        #expect(error.code == .misuse)
        #expect(try shared.head() == (try replica.log.headHash()))
    }
}

/// A replica that follows: it copies what other instances append without writing itself, and stops
/// at a rewritten ledger, refusing writes with the position.
@Suite("PostgreSQL: following replicas")
struct FollowingReplicaTests {
    typealias LocalLog = PushAndVerifyTests.LocalLog

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    @Test func aNotifiedReplicaCopiesAnotherInstancesAppends() async throws {
        let shared = try ReplicaTests.shared()
        let writer = try LocalLog(), follower = try LocalLog()
        try shared.attach(writer.log, pollInterval: nil)
        // A poll interval far beyond the test: only the notification can bring the records in time.
        try shared.attach(follower.log, pollInterval: 3_600)
        try await writer.log.append([NewEvent(type: "Booked", payload: [1]), NewEvent(type: "Booked", payload: [2])], to: "a")
        #expect(try Self.eventually { try follower.log.lastPosition() == 2 })
        #expect(try follower.log.headHash() == (try writer.log.headHash()))
        shared.detach(follower.log)
        try await writer.log.append([NewEvent(type: "Booked", payload: [3])], to: "a")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try follower.log.lastPosition() == 2)
    }

    @Test func aPollingReplicaCopiesWhatNoNotificationAnnounced() throws {
        let shared = try ReplicaTests.shared()
        let follower = try LocalLog()
        try shared.attach(follower.log, pollInterval: 0.2)
        // Pushed by a process that does not notify: a push does notify, so the notification is
        // taken out of the way by copying the records with SQL instead.
        let source = try LocalLog(events: 7)
        let other = try ReplicaTests.shared("other")
        try other.push(from: source.log)
        for table in ["clientledger_record", "clientledger_stream", "clientledger_event_type"] {
            try PostgresServer.psql("INSERT INTO \(table) SELECT '\(shared.ledger)', \(table == "clientledger_record" ? "position, record" : table == "clientledger_stream" ? "number, name" : "code, name") FROM \(table) WHERE ledger = '\(other.ledger)'")
        }
        try PostgresServer.psql("INSERT INTO clientledger_ledger SELECT '\(shared.ledger)', head, head_hash FROM clientledger_ledger WHERE ledger = '\(other.ledger)'")
        #expect(try Self.eventually { try follower.log.lastPosition() == 7 })
        #expect(try follower.log.headHash() == (try source.log.headHash()))
    }

    @Test func aRewrittenLedgerStopsTheFollowerAndItsWrites() async throws {
        let shared = try ReplicaTests.shared()
        let writer = try LocalLog(), follower = try LocalLog()
        try shared.attach(writer.log, pollInterval: nil)
        try await writer.log.append([NewEvent(type: "Booked", payload: [1])], to: "a")
        try shared.attach(follower.log, pollInterval: 0.1)
        try PostgresServer.psql("UPDATE clientledger_record SET record = set_byte(record, 60, get_byte(record, 60) # 1) WHERE ledger = '\(shared.ledger)' AND position = 1")
        // Both replicas hold the true record 1 and find that the database's differs: the writer as
        // its next append catches up under the ledger's lock, the follower as it looks.
        let stopped = await #expect(throws: EventLogError.self) {
            try await writer.log.append([NewEvent(type: "Booked", payload: [2])], to: "a")
        }
        #expect(stopped?.code == .brokenChain)
        #expect(stopped?.position == 1)
        #expect(shared.replicaProblem(of: writer.log)?.position == 1)
        #expect(try shared.head()?.position == 1)
        #expect(Self.eventually { shared.replicaProblem(of: follower.log) != nil })
        #expect(shared.replicaProblem(of: follower.log)?.position == 1)
        let refused = await #expect(throws: EventLogError.self) {
            try await follower.log.append([NewEvent(type: "Booked", payload: [3])], to: "b")
        }
        #expect(refused?.code == .brokenChain)
        #expect(try follower.log.lastPosition() == 1)
    }
}
