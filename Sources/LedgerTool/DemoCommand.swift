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

    // `.unconditional`: a negative number is taken as the value and refused by name, not read as an option.
    @Option(parsing: .unconditional, help: "How many clients.")
    var clients = 500

    @Option(parsing: .unconditional, help: "The seed of the random history.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "How many years of history, ending now.")
    var years = 2

    @Option(help: .hidden)
    var now: String?

    func validate() throws {
        guard (1...1_000_000).contains(clients) else { throw ValidationError("--clients must be between 1 and 1000000") }
        guard (1...20).contains(years) else { throw ValidationError("--years must be between 1 and 20") }
    }

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.creating)
            let end = try now.map { try InstantArgument.parse($0, option: "--now", dayEnd: .end, timeZone: "UTC") }
                ?? Timestamp(secondsSinceEpoch: Timestamp.now.microsecondsSinceEpoch / 1_000_000)
            let existing = try ledger.log.lastPosition()
            var created: JSONOutput = .null
            if existing > 0 {
                if !options.json { print(say(.demoExisting(options.ledger, events: existing)) + "\n") }
            } else {
                let started = Date()
                var salon = DemoSalon(clients: clients, seed: seed, years: years, now: end)
                let events = salon.generate()
                let progress = ProgressReporter()
                let summary = try await ledger.importEvents(events, actor: "ledger demo") { step in
                    progress.report("demo: " + say(step.phase == .checking ? .checking : .recording), done: UInt64(step.events), total: step.total.map(UInt64.init))
                }
                let seconds = Date().timeIntervalSince(started)
                created = .object([("events", .int(Int64(summary.events))), ("clients", .int(Int64(clients))), ("years", .int(Int64(years))),
                                   ("seed", .number(String(seed))), ("seconds", .number(String(format: "%.1f", seconds)))])
                if !options.json {
                    print(say(.demoCreated(options.ledger, events: summary.events, clients: clients, years: years, seed: seed, seconds: LedgerTool.seconds(seconds, digits: 1))) + "\n")
                }
            }
            // The history set the salon's time zone and currency: write the tour in them.
            options.present(with: ledger)
            let tour = try await Tour(ledger, now: end)
            if options.json {
                print(JSONOutput.object([
                    ("ledger", .string(options.ledger)),
                    ("created", created),
                    ("card", try tour.card.map { try JSONOutput.encoding($0) } ?? .null),
                    ("coverage", try JSONOutput.encoding(tour.coverage)),
                    ("residual", try JSONOutput.encoding(tour.residual)),
                    ("headHash", .optional(tour.head?.description)),
                ]).rendered())
            } else {
                tour.print()
            }
        }
    }

    /// What the tour shows: one client card, the reminder coverage, the residual value and the head hash.
    private struct Tour {
        let card: ClientCard?
        let coverage: ReminderCoverage
        let residual: ResidualReport
        let head: HeadHash?

        init(_ ledger: SalonLedger, now: Timestamp) async throws {
            // The card that shows the most: an alert, a running subscription, a next appointment, many visits.
            var featured: (card: ClientCard, score: Int)?
            for summary in try await ledger.clients() where !summary.erased {
                guard let card = try ledger.card(of: summary.client, now: now) else { continue }
                let score = (card.alerts.isEmpty ? 0 : 1000) + (card.subscriptions.contains { $0.status == "active" } ? 500 : 0)
                    + (card.nextAppointment == nil ? 0 : 200) + min(card.visits.count, 100)
                if score > featured?.score ?? -1 { featured = (card, score) }
            }
            card = featured?.card
            coverage = try await ledger.reminderCoverage(now: now)
            residual = try await ledger.residualValue(asOf: now)
            head = try ledger.log.headHash()
        }

        func print() {
            if let card {
                Swift.print(say(.tourCard(card.client.rawValue)))
                Swift.print(CardCommand.text(card))
            }
            Swift.print(say(.tourCoverage))
            Swift.print(CoverageCommand.line(.past7Days, coverage.past))
            Swift.print(CoverageCommand.line(.next7Days, coverage.next))
            Swift.print("\n" + say(.tourResidual))
            Swift.print("  " + say(.tourResidualLine(money(residual.total), subscriptions: residual.subscriptions.count, clients: residual.perClient.count)))
            Swift.print("\n" + say(.tourHead))
            Swift.print("  \(head?.description ?? say(.emptyLog))")
            Swift.print("\n\(say(.tryNext)): ledger clients --search anna · ledger coverage --html coverage.html · ledger audit --from 2026-01-01 --to 2026-12-31 · ledger stats")
        }
    }
}
