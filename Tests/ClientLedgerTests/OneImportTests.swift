// This file imports ClientLedger alone (and Testing): the README's "Using the salon ledger" code
// must compile and run so, as a service that embeds the library writes it.
import ClientLedger
import Foundation
import Testing

@Suite("One import")
struct OneImportTests {
    @Test("the README's salon-ledger code compiles and runs with `import ClientLedger` alone")
    func readmeCode() async throws {
        let path = NSTemporaryDirectory() + "one-import-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try SalonLedger(path: path, options: .init(durability: .nonDurable))
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 100))

        let ada = try ClientID("ada")
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890")
        try await ledger.changeConsent(of: ada, .reminders, granted: true, source: "intake form")
        try await ledger.addNote(to: ada, note: try NoteID("n1"), text: "Allergic to latex", alert: true)
        let recorded = try await ledger.checkOut(ada, visit: try VisitID("v1"), revenue: 12_000)
        #expect(recorded.count == 2)
        try await ledger.sellSubscription(to: ada, subscription: try SubscriptionID("s1"), plan: "10 blow-dries",
                                          price: 25_000, allowance: .sessions(10))
        try await ledger.useSubscription(try SubscriptionID("s1"), of: ada, .sessions(1))

        let card = try ledger.card(of: ada)
        #expect(card?.alerts.map(\.text) == ["Allergic to latex"])
        let endOfYear = try #require(Timestamp(rfc3339: "2099-12-31T23:59:59Z"))
        #expect(try await ledger.residualValue(asOf: endOfYear).total == 22_500)
        _ = try await ledger.rollForward(from: try #require(Timestamp(rfc3339: "2025-12-31T23:59:59Z")), to: endOfYear)
        _ = try await ledger.reminderCoverage()
        try await ledger.scheduleMissingReminders()
        _ = try await ledger.visitNudgesDue()
        // The points the checkout earned pay for the redemption; its retry pays once.
        let redeemed = try await ledger.redeemPoints(ada, points: 100, idempotencyKey: "till-3/receipt-118")
        #expect(try await ledger.redeemPoints(ada, points: 100, idempotencyKey: "till-3/receipt-118").map(\.position) == redeemed.map(\.position))
        #expect(try ledger.card(of: ada)?.points == 20)
        let head: HeadHash? = try ledger.log.headHash()
        let verification: ChainVerification = try ledger.log.verify(anchors: head.map { [$0] } ?? [])
        #expect(verification.isIntact)
        try await ledger.erase(ada)
    }
}
