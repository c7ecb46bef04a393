import Foundation
import PostgresTestSupport
import Testing
import EventLog
import PostgresLog

/// A streaming standby with synchronous replication, promoted while writers append and the primary
/// is stopped at once (as a crash): nothing acknowledged is lost or recorded twice, the writers find
/// the new primary by themselves, and the replicas follow it to one chain.
@Suite("PostgreSQL: failover to a synchronous standby")
struct FailoverTests {
    typealias LocalLog = PushAndVerifyTests.LocalLog

    @Test func nothingAcknowledgedIsLostWhenTheStandbyIsPromoted() async throws {
        let primary = try PostgresCluster()
        let standby = try PostgresCluster(standbyOf: primary)
        // Every commit waits until the standby has it.
        try primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
        try primary.psql("SELECT pg_reload_conf()")
        // Both servers in one connection string: libpq takes the one that accepts writes.
        let conninfo = "host=\(primary.socketDirectory),\(standby.socketDirectory) port=5432,5432 user=postgres dbname=postgres "
            + "target_session_attrs=read-write connect_timeout=2"
        let shared = try PostgresLog(connectingTo: conninfo, ledger: "salon")
        let replicas = try (0..<2).map { _ in try LocalLog() }
        for replica in replicas { try shared.attach(replica.log, pollInterval: 0.1) }
        let perWriter = 100, writers = 4

        let (acknowledged, crashedAt) = try await withThrowingTaskGroup(of: (ids: [EventID], crashedAt: UInt64?).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let replica = replicas[writer % replicas.count]
                    var ids: [EventID] = []
                    for index in 0..<perWriter {
                        let event = NewEvent(type: "Booked", payload: Array("\(writer)-\(index)".utf8))
                        var tries = 0
                        while true {
                            do {
                                try await replica.log.append([event], to: "writer-\(writer)")
                                break
                            } catch {
                                tries += 1
                                guard tries < 600 else { throw error }
                                try await Task.sleep(for: .milliseconds(25))
                            }
                        }
                        ids.append(event.id)
                        // Paced, so that the crash below meets the writers still writing.
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return (ids, nil)
                }
            }
            group.addTask {
                // A tenth of the events acknowledged: the primary crashes and the standby takes over.
                while try replicas[0].log.lastPosition() < UInt64(writers * perWriter / 10) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                let atCrash = try replicas[0].log.lastPosition()
                try primary.stopImmediately()
                try standby.promote()
                return ([], atCrash)
            }
            return try await group.reduce(into: ([EventID](), UInt64?.none)) { $0.0 += $1.ids; $0.1 = $0.1 ?? $1.crashedAt }
        }
        // The crash met the writers half-way (their own failures may be none at all: a statement
        // that finds its connection gone outside a transaction reconnects, to the new primary).
        #expect(crashedAt.map { $0 < UInt64(writers * perWriter) } == true)
        #expect(acknowledged.count == writers * perWriter)

        // The new primary holds every acknowledged event exactly once, in an intact chain.
        let verification = try shared.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == UInt64(writers * perWriter))
        for replica in replicas { try shared.pull(into: replica.log) }
        let head = try #require(try shared.head())
        let recorded = try replicas[1].log.read { snapshot in try snapshot.events().map(\.id) }
        #expect(Set(recorded) == Set(acknowledged))
        #expect(recorded.count == acknowledged.count)
        for replica in replicas {
            #expect(try replica.log.headHash() == head)
            #expect(shared.replicaProblem(of: replica.log) == nil)
        }
    }
}
