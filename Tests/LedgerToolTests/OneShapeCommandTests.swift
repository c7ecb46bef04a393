import ClientLedger
import Foundation
import Testing

/// `ledger … --json` prints the library's own `Codable` results: each answer decodes as the type the
/// API returns and equals what the API answers on the same ledger.
@Suite("ledger --json: the API's shape")
struct OneShapeCommandTests {
    let scratch = Scratch()
    var path: String { scratch.child("salon.ledger") }
    static let now = "2026-11-22T12:00:00Z"

    func decoded<T: Decodable>(_ type: T.Type, _ arguments: String...) throws -> T {
        let run = try ledger(arguments + ["--ledger", path, "--json"], in: scratch)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        return try JSONDecoder().decode(T.self, from: Data(run.stdout.utf8))
    }

    @Test("card, residual, coverage, nudges, clients, audit and verify decode as the API's results and equal them")
    func sameAnswers() async throws {
        let imported = try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch)
        #expect(imported.status == 0, "\(imported.stderr)")
        let now = try #require(Timestamp(rfc3339: Self.now))
        let api = try SalonLedger(path: path, options: .readOnly)
        defer { api.close() }

        #expect(try decoded(ClientCard.self, "card", "ada", "--now", Self.now) == api.card(of: try ClientID("ada"), now: now))
        let residual = try await api.residualValue(asOf: now)
        #expect(try decoded(ResidualReport.self, "residual", "--as-of", Self.now) == residual)
        let coverage = try await api.reminderCoverage(now: now)
        #expect(try decoded(ReminderCoverage.self, "coverage", "--now", Self.now) == coverage)
        let nudges = try await api.visitNudgesDue(now: now)
        #expect(try decoded([DueNudge].self, "nudges", "--now", Self.now) == nudges)
        let clients = try await api.clients()
        #expect(try decoded([ClientSummary].self, "clients") == clients)
        #expect(try decoded(ChainVerification.self, "verify") == api.log.verify())
        let from = try #require(Timestamp(rfc3339: "2025-12-31T23:59:59.999999Z")), to = try #require(Timestamp(rfc3339: "2026-12-31T23:59:59.999999Z"))
        let audit = try decoded(AuditReport.self, "audit", "--from", from.description, "--to", to.description)
        let expected = try await api.audit(from: from, to: to)
        #expect(audit.rollForward == expected.rollForward && audit.verification == expected.verification)
        #expect(audit.pointsOutstanding == expected.pointsOutstanding && audit.discountsGranted == expected.discountsGranted && audit.events == expected.events)
    }
}
