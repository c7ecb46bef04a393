import Foundation
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit
import Testing
@testable import ClientLedger

/// A service sees what the ledger does through the logger, metrics factory and tracer it gives:
/// a span per command and query, commands counted by outcome, the log's commits and projection lag.
@Suite("Observability")
struct ObservabilityTests {
    @Test("commands and queries report spans, metrics by outcome, and log lines")
    func commandsAndQueries() async throws {
        let directory = ScratchDirectory()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "salon", factory: { _ in logs })
        logger.logLevel = .debug
        let metrics = TestMetrics()
        let tracer = InMemoryTracer()
        let ledger = try SalonLedger(path: directory.path + "/ledger", options: .init(
            durability: .nonDurable, logger: logger, metricsFactory: metrics, tracer: tracer))
        let ada = try ClientID("ada")
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 10), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada Lovelace", at: day("2026-01-02"))
        let first = try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_500, at: day("2026-01-05"), idempotencyKey: "till-1/1")
        let retry = try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_500, at: day("2026-01-05"), idempotencyKey: "till-1/1")
        #expect(retry == first)
        await expectRefusal(ledger, .insufficientPoints) { try await ledger.redeemPoints(ada, points: 1_000, at: day("2026-01-06")) }
        _ = try await ledger.reminderCoverage(now: day("2026-01-06"))
        _ = try ledger.card(of: ada)

        func commands(_ command: String, _ outcome: String) throws -> Int64 {
            try metrics.expectCounter("clientledger_commands_total", [("command", command), ("outcome", outcome)]).totalValue
        }
        #expect(try commands("registerClient", "recorded") == 1)
        #expect(try commands("checkOut", "recorded") == 1)
        #expect(try commands("checkOut", "replayed") == 1)
        #expect(try commands("redeemPoints", "refused") == 1)
        #expect(try metrics.expectTimer("clientledger_command_duration_seconds", [("command", "checkOut")]).values.count == 2)
        #expect(try metrics.expectTimer("clientledger_query_duration_seconds", [("query", "reminderCoverage")]).values.count == 1)
        #expect(try metrics.expectTimer("clientledger_query_duration_seconds", [("query", "card")]).values.count == 1)
        // The log's own: every event this process appended, and the commits that carried them.
        #expect(try metrics.expectCounter("eventlog_appended_events_total").totalValue == Int64(try ledger.log.lastPosition()))
        #expect(try metrics.expectCounter("eventlog_commits_total").totalValue == 4)
        #expect(try metrics.expectRecorder("eventlog_group_commit_size").values.allSatisfy { $0 >= 1 })

        let spans = tracer.finishedSpans
        let checkOuts = spans.filter { $0.operationName == "ClientLedger.checkOut" }
        #expect(checkOuts.count == 2)
        #expect(checkOuts.allSatisfy { $0.attributes["clientledger.client"]?.toSpanAttribute() == .string("ada") })
        let refused = try #require(spans.first { $0.operationName == "ClientLedger.redeemPoints" })
        #expect(refused.errors.count == 1)
        #expect(refused.attributes["clientledger.error.code"]?.toSpanAttribute() == .string("insufficientPoints"))
        #expect(spans.contains { $0.operationName == "ClientLedger.reminderCoverage" })

        let refusal = try #require(logs.entries.first { $0.message.description.hasPrefix("redeemPoints refused") })
        #expect(refusal.level == .debug)
        #expect(refusal.metadata["clientledger.error.code"] == "insufficientPoints")
        #expect(refusal.metadata["clientledger.path"] == .string(directory.path + "/ledger"))
    }

    @Test("a rebuild reports its progress and the projection's lag, and says when it is done")
    func rebuild() async throws {
        let directory = ScratchDirectory()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "salon", factory: { _ in logs })
        logger.logLevel = .info
        let metrics = TestMetrics()
        let ledger = try SalonLedger(path: directory.path + "/ledger", options: .init(durability: .nonDurable, logger: logger, metricsFactory: metrics))
        for index in 0..<20 { try await ledger.registerClient(try ClientID("c\(index)"), name: "Client \(index)", at: day("2026-01-02")) }
        try ledger.rebuildProjections()
        #expect(try metrics.expectGauge("eventlog_projection_rebuild_progress_ratio", [("projection", "clientCards")]).lastValue == 1)
        #expect(try metrics.expectGauge("eventlog_projection_lag_events", [("projection", "clientCards")]).lastValue == 0)
        #expect(logs.entries.contains { $0.level == .info && $0.message.description == "rebuilt projection clientCards" })
    }
}
