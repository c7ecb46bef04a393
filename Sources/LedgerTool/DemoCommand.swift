import ArgumentParser
import ClientLedger
import EventLog
import Foundation
import SalonDemo

/// `ledger demo`: creates a realistic salon history and shows a short tour of it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a realistic salon history in the ledger, then show a tour: a client card, the reminder coverage, the residual value, the head hash.",
        discussion: """
            The history follows docs/demo-data.md: visit rates and ticket sizes from market surveys, \
            consents, loyalty points and redemptions, referrals, subscriptions (used, expired, \
            refunded), bookings with reminders, cancellations and reschedules, visit nudges, \
            archiving and a few erasures. The same --seed gives the same history. If the ledger \
            already holds events, nothing is added and the tour is shown again.
            """)

    @OptionGroup var options: LedgerOptions

    @Option(help: "How many clients.")
    var clients = 500

    @Option(help: "The seed of the random history.")
    var seed: UInt64 = 1

    @Option(help: "How many years of history, ending now.")
    var years = 2

    @Option(help: .hidden)
    var now: String?

    func validate() throws {
        guard (1...1_000_000).contains(clients) else { throw ValidationError("--clients must be between 1 and 1000000") }
        guard (1...20).contains(years) else { throw ValidationError("--years must be between 1 and 20") }
    }

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.creating)
            let end = try now.map { try InstantArgument.parse($0, option: "--now", dayEnd: .end, timeZone: "UTC") }
                ?? Timestamp(secondsSinceEpoch: Timestamp.now.microsecondsSinceEpoch / 1_000_000)
            let existing = try ledger.log.lastPosition()
            if existing > 0 {
                print("\(options.ledger) already holds \(existing) events; nothing added. (Pass --ledger PATH for a new one.)\n")
            } else {
                let started = Date()
                var salon = DemoSalon(clients: clients, seed: seed, years: years, now: end)
                let events = salon.generate()
                let summary = try await ledger.importEvents(events, actor: "ledger demo")
                let seconds = Date().timeIntervalSince(started)
                print("Created \(options.ledger): \(summary.events) events for \(clients) clients over \(years) years (seed \(seed)) in \(String(format: "%.1f", seconds)) s.\n")
            }
            try await tour(ledger, now: end)
        }
    }

    /// One client card, the reminder coverage, the residual value and the head hash.
    private func tour(_ ledger: SalonLedger, now: Timestamp) async throws {
        // The card that shows the most: an alert, a running subscription, a next appointment, many visits.
        var featured: (card: ClientCard, score: Int)?
        for summary in try await ledger.clients() where !summary.erased {
            guard let card = try ledger.card(of: summary.client, now: now) else { continue }
            let score = (card.alerts.isEmpty ? 0 : 1000) + (card.subscriptions.contains { $0.status == "active" } ? 500 : 0)
                + (card.nextAppointment == nil ? 0 : 200) + min(card.visits.count, 100)
            if score > featured?.score ?? -1 { featured = (card, score) }
        }
        if let featured {
            print("── A client card (ledger card \(featured.card.client)) ──")
            print(CardCommand.text(featured.card))
        }
        let coverage = try await ledger.reminderCoverage(now: now)
        print("── Reminder coverage (ledger coverage) ──")
        for (name, window) in [("past 7 days", coverage.past), ("next 7 days", coverage.next)] {
            print("  \(name): \(window.appointments) appointments, \(window.covered) with a reminder, \(window.missing) missing, \(window.noConsent) without consent")
        }
        let residual = try await ledger.residualValue(asOf: now)
        print("\n── Residual subscription value (ledger residual) ──")
        print("  \(money(residual.total)) EUR over \(residual.subscriptions.count) subscriptions of \(residual.perClient.count) clients")
        print("\n── Head hash (ledger verify) ──")
        print("  \(try ledger.log.headHash()?.description ?? "(empty log)")")
        print("\nTry: ledger clients --search anna · ledger coverage --html coverage.html · ledger audit --from 2026-01-01 --to 2026-12-31 · ledger stats")
    }
}
