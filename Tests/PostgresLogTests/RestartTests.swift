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
        let perWriter = 100
        let writers = 4

        // Each writer appends its events one by one to a stream of its own; an append that fails
        // (the server is away) is tried again with the same event id until it is acknowledged.
        let (acknowledged, failures) = try await withThrowingTaskGroup(of: (ids: [EventID], failures: Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let replica = replicas[writer % replicas.count]
                    var ids: [EventID] = [], failures = 0
                    for index in 0..<perWriter {
                        let event = NewEvent(type: "Booked", payload: Array("\(writer)-\(index)".utf8))
                        var tries = 0
                        while true {
                            do {
                                try await replica.log.append([event], to: "writer-\(writer)")
                                break
                            } catch {
                                tries += 1
                                failures += 1
                                guard tries < 400 else { throw error }
                                try await Task.sleep(for: .milliseconds(25))
                            }
                        }
                        ids.append(event.id)
                        // Paced, so that the crash below meets the writers still writing.
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return (ids, failures)
                }
            }
            group.addTask {
                // While the writers run (a tenth of their events acknowledged): a crash of the
                // server, and a restart.
                while try replicas[0].log.lastPosition() < UInt64(writers * perWriter / 10) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try cluster.stopImmediately()
                try await Task.sleep(for: .milliseconds(500))
                try cluster.start()
                return ([], 0)
            }
            return try await group.reduce(into: ([EventID](), 0)) { $0.0 += $1.ids; $0.1 += $1.failures }
        }
        // The crash met the writers: some appends failed and were tried again.
        #expect(failures > 0)
        #expect(acknowledged.count == writers * perWriter)

        // Every acknowledged event is in the ledger exactly once, in a gapless, intact chain.
        let verification = try shared.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == UInt64(writers * perWriter))
        for replica in replicas { try shared.pull(into: replica.log) }
        let head = try #require(try shared.head())
        let recorded = try replicas[0].log.read { snapshot in try snapshot.events().map(\.id) }
        #expect(Set(recorded) == Set(acknowledged))
        #expect(recorded.count == acknowledged.count)
        for replica in replicas {
            #expect(try replica.log.headHash() == head)
            #expect(shared.replicaProblem(of: replica.log) == nil)
        }
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
