import EventLog
import Testing
@testable import ClientLedger

/// The loyalty points as a liability: the roll-forward adds up in points and in money, a change of
/// a point's value is a revaluation, and the closing balance is the audit's points outstanding.
@Suite("Points liability")
struct PointsLiabilityTests {
    @Test("earned, redeemed, expired and adjusted roll forward in points and in money; a new point value revalues the balance")
    func rollForward() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada = try ClientID("ada"), bob = try ClientID("bob")
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(reward: .amountPerPoint(5), expiryMonths: 1), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.registerClient(bob, name: "Bob", at: day("2026-01-02"))
        try await ledger.checkOut(ada, visit: try VisitID("v1"), revenue: 10_000, at: day("2026-01-03"))   // +100
        try await ledger.checkOut(bob, visit: try VisitID("v2"), revenue: 5_000, at: day("2026-02-10"))    // +50
        try await ledger.redeemPoints(ada, points: 40, at: day("2026-02-11"))                               // −40
        try await ledger.expirePoints(of: ada, at: day("2026-03-15"))                                       // −60 (earned > 1 month before)
        try await ledger.adjustPoints(of: bob, by: 10, reason: "goodwill", at: day("2026-03-16"))           // +10
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(reward: .amountPerPoint(8)), at: day("2026-03-20"))
        try await ledger.checkOut(bob, visit: try VisitID("v3"), revenue: 2_000, at: day("2026-03-21"))    // +20 at 8

        // The period starts after ada's first visit: her 100 points are the opening balance.
        let liability = try await ledger.pointsLiability(from: day("2026-01-05"), to: day("2026-03-31"))
        #expect(liability.points == .init(opening: 100, earned: 70, redeemed: 40, expired: 60, adjusted: 10, closing: 80))
        // Money: opening at 5, each movement at the value of its day, closing at 8.
        #expect(liability.money == .init(opening: 500, earned: 50 * 5 + 20 * 8, redeemed: 200, expired: 300, adjusted: 50, closing: 640))
        #expect(liability.pointValueAtOpening == 5 && liability.pointValueAtClosing == 8)
        // 640 − (500 + 410 − 200 − 300 + 50) = 180: the 60 points held when the value rose by 3.
        #expect(liability.revaluation == 180)
        let m = liability.money
        #expect(m.opening + m.earned - m.redeemed - m.expired + m.adjusted + liability.revaluation == m.closing)

        // The closing balance is what the audit counts as outstanding.
        let audit = try await ledger.audit(from: day("2026-01-05"), to: day("2026-03-31"))
        #expect(audit.pointsOutstanding == liability.points.closing)
        // As of a date: a later period sees nothing of the earlier one but its balance.
        let later = try await ledger.pointsLiability(from: day("2026-03-31"), to: day("2026-12-31"))
        #expect(later.points == .init(opening: 80, earned: 0, redeemed: 0, expired: 0, adjusted: 0, closing: 80))
        #expect(later.revaluation == 0)
        // A period that ends before it starts is refused.
        await #expect(throws: LedgerError.self) { try await ledger.pointsLiability(from: day("2026-03-31"), to: day("2026-01-01")) }
    }
}
