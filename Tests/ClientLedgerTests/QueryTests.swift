import Foundation
import Testing
import EventLog
@testable import ClientLedger

func instantAt(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

@Suite("Residual value, roll-forward, reminder coverage, visit nudges")
struct QueryTests {
    let ada: ClientID = id("ada"), ben: ClientID = id("ben")

    /// Ada: 10 sessions for 250.00 on 2025-11-01, 3 used in 2025, 2 in 2026, expired 2026-03-01.
    /// Ben: 200.00 credit for 180.00 on 2026-01-10, 45.00 used, then refunded 100.00 on 2026-02-01.
    func history() async throws -> (SalonLedger, ScratchDirectory) {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada", at: day("2025-10-01"))
        try await ledger.registerClient(ben, name: "Ben", at: day("2025-10-01"))
        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "10 cuts", price: 25_000, allowance: .sessions(10), at: day("2025-11-01"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(3), at: day("2025-12-01"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(2), at: day("2026-01-15"))
        try await ledger.sellSubscription(to: ben, subscription: id("s2"), plan: "credit", price: 18_000, allowance: .credit(20_000), at: day("2026-01-10"))
        try await ledger.useSubscription(id("s2"), of: ben, .amount(4_500), at: day("2026-01-20"))
        try await ledger.refundSubscription(id("s2"), of: ben, refund: 10_000, at: day("2026-02-01"))
        try await ledger.expireSubscription(id("s1"), of: ada, at: day("2026-03-01"))
        return (ledger, directory)
    }

    @Test("residual value as of any instant, per subscription, client and in total")
    func residualAsOf() async throws {
        let (ledger, _) = try await history()
        // 2025-12-31: Ada 25,000 × 7/10 = 17,500.
        let endOf2025 = try await ledger.residualValue(asOf: instantAt("2025-12-31T23:59:59Z"))
        #expect(endOf2025.total == 17_500 && endOf2025.subscriptions.map(\.residualValue) == [17_500])
        // 2026-01-25: Ada 25,000 × 5/10 = 12,500; Ben 18,000 × 15,500/20,000 = 13,950.
        let january = try await ledger.residualValue(asOf: day("2026-01-25"))
        #expect(january.total == 26_450)
        #expect(january.perClient == [ada: 12_500, ben: 13_950])
        // After the refund and the expiry nothing is left.
        #expect(try await ledger.residualValue(asOf: day("2026-03-02")).total == 0)
        #expect(try await ledger.residualValue(asOf: day("2025-10-15")).subscriptions.isEmpty)
    }

    @Test("the roll-forward adds up to the cent, with the cash refunded beside it and a split by year sold")
    func rollForward() async throws {
        let (ledger, _) = try await history()
        let year = try await ledger.rollForward(from: instantAt("2025-12-31T23:59:59Z"), to: instantAt("2026-12-31T23:59:59Z"))
        // opening 17,500; sold 18,000; used 5,000 (Ada 17,500→12,500) + 4,050 (Ben 18,000→13,950);
        // refunded 13,950 (cash 10,000); expired 12,500; closing 0.
        #expect(year.total == RollForward.Figures(opening: 17_500, sold: 18_000, used: 9_050, expired: 12_500, refunded: 13_950, closing: 0, refundedCash: 10_000))
        #expect(year.total.addsUp)
        #expect(year.byYearSold[2025] == RollForward.Figures(opening: 17_500, sold: 0, used: 5_000, expired: 12_500, refunded: 0, closing: 0, refundedCash: 0))
        #expect(year.byYearSold[2026]?.sold == 18_000 && year.byYearSold[2026]?.addsUp == true)
        await #expect(throws: LedgerError.self) { try await ledger.rollForward(from: day("2026-02-01"), to: day("2026-01-01")) }
    }

    @Test("property: on random histories the roll-forward always adds up, and its years sum to its total",
          arguments: [UInt64(11), 12, 13])
    func rollForwardProperty(seed: UInt64) async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await CardTests.randomHistory(ledger, seed: seed, commands: 400)
        var generator = SeededRandom(seed: seed)
        for _ in 0..<20 {
            let a = Int64.random(in: 0...40 * 86_400, using: &generator), b = Int64.random(in: 0...40 * 86_400, using: &generator)
            let from = Timestamp(rfc3339: "2026-01-02T00:00:00Z")!.adding(microseconds: min(a, b) * 1_000_000)
            let to = Timestamp(rfc3339: "2026-01-02T00:00:00Z")!.adding(microseconds: max(a, b) * 1_000_000)
            let roll = try await ledger.rollForward(from: from, to: to)
            #expect(roll.total.addsUp)
            #expect(roll.total.opening == (try await ledger.residualValue(asOf: from).total))
            #expect(roll.total.closing == (try await ledger.residualValue(asOf: to).total))
            var sum = RollForward.Figures()
            for figures in roll.byYearSold.values { sum = try sum.adding(figures) }
            #expect(sum == roll.total)
        }
    }

    @Test("reminder coverage counts the past and next 7 days, at latest starts, with reasons")
    func coverage() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let now = instantAt("2026-03-10T12:00:00Z")
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-01"))
        try await ledger.registerClient(ben, name: "Ben", at: day("2026-01-01"))
        try await ledger.changeConsent(of: ada, .reminders, granted: true, at: day("2026-01-02"))
        // Past window: a1 had its reminder sent; a2 had one only scheduled (not covered in the past).
        try await ledger.bookAppointment(id("a1"), for: ada, start: instantAt("2026-03-05T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.recordReminderSent(for: id("a1"), of: ada, channel: .sms, at: instantAt("2026-03-04T10:00:00Z"))
        try await ledger.bookAppointment(id("a2"), for: ada, start: instantAt("2026-03-09T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.scheduleReminder(for: id("a2"), of: ada, channel: .sms, at: day("2026-02-02"))
        // Next window: a3 scheduled (covered); a4 without (missing); b1 Ben without consent; a5 moved out; a6 cancelled.
        try await ledger.bookAppointment(id("a3"), for: ada, start: instantAt("2026-03-12T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.scheduleReminder(for: id("a3"), of: ada, channel: .email, at: day("2026-02-02"))
        try await ledger.bookAppointment(id("a4"), for: ada, start: instantAt("2026-03-15T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.bookAppointment(id("b1"), for: ben, start: instantAt("2026-03-11T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.bookAppointment(id("a5"), for: ada, start: instantAt("2026-03-13T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.rescheduleAppointment(id("a5"), of: ada, to: instantAt("2026-04-13T10:00:00Z"), at: day("2026-02-03"))
        try await ledger.bookAppointment(id("a6"), for: ada, start: instantAt("2026-03-14T10:00:00Z"), minutes: 30, service: "cut", at: day("2026-02-01"))
        try await ledger.cancelAppointment(id("a6"), of: ada, at: day("2026-02-03"))

        let coverage = try await ledger.reminderCoverage(now: now)
        #expect(coverage.past == ReminderCoverage.Window(appointments: 2, covered: 1, missing: 1, noConsent: 0))
        #expect(coverage.next == ReminderCoverage.Window(appointments: 3, covered: 1, missing: 1, noConsent: 1))
        #expect(coverage.uncovered.map { "\($0.appointment) \($0.reason) \($0.window)" } == ["a2 missing past", "b1 noConsent next", "a4 missing next"])
        // As of an instant before the reschedule, a5 still counted in the next window.
        #expect(try await ledger.reminderCoverage(now: instantAt("2026-02-01T13:00:00Z")).next.appointments == 0)

        let scheduled = try await ledger.scheduleMissingReminders(at: now, channel: .sms)
        #expect(scheduled.count == 1)
        if case .reminderScheduled(let e) = scheduled.first?.event {
            #expect(e.appointment == id("a4") && e.sendAt == instantAt("2026-03-14T10:00:00Z")) // 24 h before
        } else { Issue.record("no reminder scheduled") }
        let after = try await ledger.reminderCoverage(now: now)
        #expect(after.next.missing == 0 && after.next.noConsent == 1)
    }

    @Test("visit nudges are due N weeks after the last visit, with consent, nothing booked, and none sent since")
    func nudges() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let cy: ClientID = id("cy"), dee: ClientID = id("dee")
        for client in [ada, ben, cy, dee] {
            try await ledger.registerClient(client, name: client.rawValue, at: day("2026-01-01"))
            try await ledger.changeConsent(of: client, .visitNudges, granted: true, at: day("2026-01-01"))
            try await ledger.checkOut(client, visit: id("v-\(client)"), revenue: 1_000, at: day("2026-01-05"))
        }
        try await ledger.bookAppointment(id("b1"), for: ben, start: day("2026-04-01"), minutes: 30, service: "cut", at: day("2026-02-01")) // booked ahead
        try await ledger.recordVisitNudgeSent(to: cy, channel: .sms, at: day("2026-02-20"))                                             // nudged already
        try await ledger.changeConsent(of: dee, .visitNudges, granted: false, at: day("2026-02-01"))                                   // withdrew
        #expect(try await ledger.visitNudgesDue(now: day("2026-02-16")).map(\.client) == [ada, cy])   // exactly 6 weeks after 2026-01-05
        #expect(try await ledger.visitNudgesDue(now: day("2026-02-15")).isEmpty)                     // a day short of 6 weeks
        #expect(try await ledger.visitNudgesDue(now: day("2026-03-01")).map(\.client) == [ada])
        try await ledger.changeSalonSettings(SalonSettingsChanged(at: day("2026-01-01"), visitNudgeWeeks: 8))
        #expect(try await ledger.visitNudgesDue(now: day("2026-02-20")).isEmpty)
        #expect(try await ledger.visitNudgesDue(now: day("2026-03-02")).map(\.client) == [ada])
    }
}
