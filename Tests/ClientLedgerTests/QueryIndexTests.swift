import EventLog
import Foundation
import Testing
@testable import ClientLedger

/// The query index answers exactly as reading every card does, on random histories that book,
/// move, cancel and remind, nudge, sell and use, archive and erase — and it is what the queries read
/// as of now.
@Suite("Query index")
struct QueryIndexTests {
    /// A random salon history, its events dated in steps of up to an hour, some of them back-dated
    /// by up to a day (the log's order is not the order of the instants).
    static func agendaHistory(_ ledger: SalonLedger, seed: UInt64, commands: Int) async throws -> Timestamp {
        var rng = SeededRandom(seed: seed)
        try await ledger.changeSalonSettings(SalonSettingsChanged(at: day("2026-01-01"), visitNudgeWeeks: 2))
        var clients: [ClientID] = []
        var appointments: [(ClientID, AppointmentID)] = []
        var clock = Timestamp(rfc3339: "2026-01-02T09:00:00Z")!
        for step in 0..<commands {
            clock = clock.adding(microseconds: Int64.random(in: 1...3_600_000_000, using: &rng))
            let at = Bool.random(using: &rng) && step % 5 == 0 ? clock.adding(microseconds: -Int64.random(in: 0...86_400_000_000, using: &rng)) : clock
            let roll = Int.random(in: 0..<100, using: &rng)
            let pick = Int.random(in: 0..<1_000_000, using: &rng)
            let coin = Bool.random(using: &rng)
            let hours = Int64.random(in: -48...400, using: &rng)
            if clients.isEmpty || roll < 10 {
                let client: ClientID = id("c\(clients.count)")
                try await ledger.registerClient(client, name: "Client \(clients.count)", at: at)
                clients.append(client)
                continue
            }
            let client = clients[pick % clients.count]
            let known = appointments.isEmpty ? nil : appointments[pick % appointments.count]
            do throws(LedgerError) {
                switch roll {
                case 10..<25: try await ledger.checkOut(client, visit: id("v\(step)"), revenue: 3_000, at: at)
                case 25..<35:
                    let appointment: AppointmentID = id("a\(step)")
                    try await ledger.bookAppointment(appointment, for: client, start: at.adding(microseconds: hours * 3_600_000_000),
                                                     minutes: 30, service: "cut", at: at)
                    appointments.append((client, appointment))
                case 35..<41: if let (owner, appointment) = known {
                    try await ledger.rescheduleAppointment(appointment, of: owner, to: at.adding(microseconds: hours * 3_600_000_000), at: at)
                }
                case 41..<45: if let (owner, appointment) = known { try await ledger.cancelAppointment(appointment, of: owner, at: at) }
                case 45..<53: if let (owner, appointment) = known {
                    try await ledger.scheduleReminder(for: appointment, of: owner, channel: .sms, sendAt: at, at: at)
                }
                case 53..<58: if let (owner, appointment) = known { try await ledger.recordReminderSent(for: appointment, of: owner, channel: .sms, at: at) }
                case 58..<66: try await ledger.changeConsent(of: client, Consent.allCases[pick % 3], granted: coin, at: at)
                case 66..<71: try await ledger.recordVisitNudgeSent(to: client, channel: .email, at: at)
                case 71..<78:
                    try await ledger.sellSubscription(to: client, subscription: id("s\(step)"), plan: "plan \(step % 3)", price: 1_000 + Int64(pick % 20_000),
                                                      allowance: coin ? .sessions(1 + pick % 10) : .credit(5_000 + Int64(pick % 10_000)), at: at)
                case 78..<88:
                    let open = try ledger.card(of: client)?.subscriptions.filter { $0.status == "active" } ?? []
                    guard !open.isEmpty else { break }
                    let sub = open[pick % open.count]
                    switch pick % 5 {
                    case 0: try await ledger.expireSubscription(sub.subscription, of: client, at: at)
                    case 1: try await ledger.refundSubscription(sub.subscription, of: client, refund: sub.residualValue, at: at)
                    default:
                        let units = max(1, min(sub.remaining, Int64(1 + pick % 4) * (sub.kind == "credit" ? 1_500 : 1)))
                        try await ledger.useSubscription(sub.subscription, of: client, sub.kind == "sessions" ? .sessions(Int(units)) : .amount(units), at: at)
                    }
                case 88..<94: if coin { try await ledger.archive(client, at: at) } else { try await ledger.reactivate(client, at: at) }
                default: if roll == 99 { try await ledger.erase(client, at: at) }
                }
            } catch {
                if error.code == .storage || error.code == .corruptPayload || error.code == .keyStore { throw error }
                // Otherwise a rule refused the command: part of a realistic history.
            }
        }
        return clock
    }

    /// Every query as the index answers it and as the cards answer it, at `now`.
    /// Returns how many appointments, open subscriptions and nudges there were, to show the history
    /// gave the index something to answer.
    @discardableResult
    static func expectSameAnswers(_ ledger: SalonLedger, now: Timestamp, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Int] {
        let coverage = try await ledger.reminderCoverage(now: now)
        let scanned = try ledger.scannedReminderCoverage(now: now)
        #expect(coverage.past == scanned.past && coverage.next == scanned.next, sourceLocation: sourceLocation)
        #expect(Set(coverage.uncovered) == Set(scanned.uncovered), sourceLocation: sourceLocation)
        #expect(coverage.uncovered.count == scanned.uncovered.count, sourceLocation: sourceLocation)

        let residual = try await ledger.residualValue(asOf: now)
        #expect(Set(residual.subscriptions) == Set(try ledger.scannedResidualLines(asOf: now)), sourceLocation: sourceLocation)

        let weeks = Int64(try ledger.salonState().settings(at: now).visitNudgeWeeks)
        let cutoff = now.adding(microseconds: -weeks * 7 * Timestamp.microsecondsPerDay)
        let nudges = try await ledger.visitNudgesDue(now: now)
        #expect(Set(nudges) == Set(try ledger.scannedVisitNudgesDue(now: now, cutoff: cutoff)), sourceLocation: sourceLocation)
        #expect(nudges.count == (try ledger.scannedVisitNudgesDue(now: now, cutoff: cutoff)).count, sourceLocation: sourceLocation)
        return [coverage.past.appointments + coverage.next.appointments, residual.subscriptions.count, nudges.count]
    }

    @Test("property: on random histories, coverage, residual value and nudges from the index equal those from every card",
          arguments: [UInt64(21), 22, 23, 24])
    func indexEqualsScan(seed: UInt64) async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory, rebuildingInPieces: true)
        let end = try await Self.agendaHistory(ledger, seed: seed, commands: 600)
        #expect(try ledger.indexedResidualLines(asOf: end.adding(microseconds: 1)) != nil, "the index answers after the last event")
        // At the end, and at instants after it: now moves on, the upcoming appointments pass.
        var seen = [0, 0, 0]
        for hours in [Int64(0), 1, 30, 200, 800] {
            let counts = try await Self.expectSameAnswers(ledger, now: end.adding(microseconds: hours * 3_600_000_000))
            seen = zip(seen, counts).map(+)
        }
        #expect(seen.allSatisfy { $0 > 0 }, "appointments, open subscriptions, nudges: \(seen)")
        // Rebuilt (in steps of 97 events written 3 clients at a time), and replayed in memory for
        // a read-only ledger, it answers the same.
        let before = try await ledger.reminderCoverage(now: end)
        try ledger.rebuildProjections()
        #expect(try await ledger.reminderCoverage(now: end) == before)
        try await ledger.log.append([NewEvent(type: "SomethingNewer", payload: [1])], to: "elsewhere")
        let reader = try SalonLedger(path: directory.path + "/ledger", options: .readOnly)
        try await Self.expectSameAnswers(reader, now: end.adding(microseconds: 3_600_000_000))
    }

    @Test("before the latest event's instant the queries read every card, and still answer as of that instant")
    func beforeTheWatermark() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada")
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.changeConsent(of: ada, .reminders, granted: true, at: day("2026-01-02"))
        try await ledger.bookAppointment(id("a1"), for: ada, start: day("2026-01-10"), minutes: 30, service: "cut", at: day("2026-01-03"))
        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "10 cuts", price: 10_000, allowance: .sessions(10), at: day("2026-01-03"))
        // Later: moved, reminded, used up.
        try await ledger.rescheduleAppointment(id("a1"), of: ada, to: day("2026-01-12"), at: day("2026-01-08"))
        try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .sms, at: day("2026-01-08"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(10), at: day("2026-01-09"))

        #expect(try ledger.indexedResidualLines(asOf: day("2026-01-05")) == nil)
        let early = try await ledger.reminderCoverage(now: day("2026-01-05"))
        #expect(early.next.appointments == 1 && early.next.missing == 1)
        #expect(early.uncovered.first?.start == day("2026-01-10"))
        #expect(try await ledger.residualValue(asOf: day("2026-01-05")).total == 10_000)

        let late = try await ledger.reminderCoverage(now: day("2026-01-09"))
        #expect(late.next.appointments == 1 && late.next.covered == 1 && late.uncovered.isEmpty)
        #expect(try await ledger.residualValue(asOf: day("2026-01-09")).total == 0)
    }
}
