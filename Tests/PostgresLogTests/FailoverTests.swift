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
        let (acknowledged, crashedAt) = try await CrashUnderLoad.run(replicas) {
            // The primary crashes and the standby takes over.
            try primary.stopImmediately()
            try standby.promote()
        }
        // Writers may not fail at all: a statement that finds its connection gone outside a
        // transaction reconnects, here to the new primary.
        try CrashUnderLoad.expectEveryAcknowledgedEventOnce(shared, replicas, acknowledged, crashedAt: crashedAt)
    }
}
