import Foundation
import PostgresTestSupport
import Testing
import EventLog
import PostgresLog

/// The database stopped at once under load (`pg_ctl stop -m immediate`, as a crash) and started
/// again: writers reconnect and carry on, nothing acknowledged is lost or recorded twice, and the
/// replicas converge on one chain.
@Suite("PostgreSQL: the server restarted under load")
struct RestartTests {
    typealias LocalLog = PushAndVerifyTests.LocalLog

    @Test func writersReconnectAndNothingAcknowledgedIsLost() async throws {
        let cluster = try PostgresCluster()
        let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: "salon")
        let replicas = try (0..<2).map { _ in try LocalLog() }
        for replica in replicas { try shared.attach(replica.log, pollInterval: 0.1) }
        let (acknowledged, crashedAt) = try await CrashUnderLoad.run(replicas) {
            // A crash of the server, and a restart half a second later.
            try cluster.stopImmediately()
            try await Task.sleep(for: .milliseconds(500))
            try cluster.start()
        }
        try CrashUnderLoad.expectEveryAcknowledgedEventOnce(shared, replicas, acknowledged, crashedAt: crashedAt)
    }

    @Test func aConnectionLostBetweenCallsIsMadeAgain() throws {
        let cluster = try PostgresCluster()
        let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: "salon")
        let local = try LocalLog(events: 3)
        try shared.push(from: local.log)
        try cluster.stopImmediately()
        // While the server is away, a call fails with its reason.
        let away = try #require(throws: EventLogError.self) { try shared.head() }
        #expect(away.code == .storage)
        try cluster.start()
        // The next calls connect again: one on its own, and one that begins a transaction.
        #expect(try shared.head() == (try local.log.headHash()))
        try cluster.stopImmediately()
        try cluster.start()
        #expect(try shared.verify().isIntact)
    }
}

/// The tests' own server must not hold the test process's files: a file another test writes and
/// then runs (the tool copied for another user) would stay "busy" for as long as the server runs.
@Suite("PostgreSQL: the tests' server")
struct TestServerTests {
    @Test func theServerHoldsNoneOfTheTestProcesssFiles() throws {
        let path = NSTemporaryDirectory() + "held-\(UUID().uuidString)"
        // Opened without close-on-exec, as a copy in progress is.
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        let cluster = try PostgresCluster()
        let pid = try cluster.serverProcess()
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
        }
        #expect(!held.contains(path), "\(held)")
    }
}
