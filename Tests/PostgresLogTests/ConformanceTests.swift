import EventLog
import EventLogConformance
import Foundation
import PostgresLog
import PostgresTestSupport
import Testing

/// The engine's conformance suite on PostgreSQL: each case on a replica of a new ledger, after
/// which the ledger holds exactly what the replica holds, and verifies.
@Suite("Conformance: PostgreSQL")
struct PostgresConformanceTests {
    @Test(arguments: Conformance.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: "conformance-\(UUID().uuidString.prefix(8))")
        let replica = try PushAndVerifyTests.LocalLog()
        try shared.attach(replica.log, pollInterval: nil)
        defer { shared.detach(replica.log) }
        try await testCase.run(on: replica.log)
        #expect(try shared.head() == (try replica.log.headHash()))
        let verification = try shared.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == (try replica.log.lastPosition()))
    }
}
