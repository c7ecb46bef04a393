import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger coverage`: of the appointments of the last and the next 7 days, how many had a reminder.
struct CoverageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Show the reminder coverage of the past and next 7 days, and schedule the missing reminders.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The instant (default: now); a date means the end of that day.", valueName: "INSTANT"))
    var now: String?

    @Option(help: ArgumentHelp("Also write a one-page HTML report (two pie charts and the uncovered list) to FILE; - writes it to standard output instead of the table.", valueName: "FILE"))
    var html: String?

    @Flag(name: .customLong("schedule-missing"), help: "Schedule now a reminder for every upcoming appointment that misses one and whose client agrees (not with --now: a what-if instant never dates a write).")
    var scheduleMissing = false

    @Option(help: ArgumentHelp("The channel of the reminders that --schedule-missing schedules: sms or email.", valueName: "CHANNEL"))
    var channel = "sms"

    @Option(name: .customLong("only"), parsing: .upToNextOption,
            help: ArgumentHelp("With --schedule-missing: only these appointments (of those that miss a reminder), each as CLIENT/APPOINTMENT (an appointment id is its client's own; split at the last /).", valueName: "CLIENT/APPOINTMENT"))
    var only: [String] = []

    @Flag(help: "Print the uncovered appointments as CSV instead of a table.")
    var csv = false

    func validate() throws {
        if scheduleMissing && now != nil {
            throw ValidationError("--schedule-missing records reminders now; it cannot be combined with --now (a what-if instant never dates a write)")
        }
        if !only.isEmpty && !scheduleMissing {
            throw ValidationError("--only chooses what --schedule-missing schedules; give --schedule-missing too")
        }
        if html == "-" && (options.json || csv) {
            throw ValidationError("--html - writes the report to standard output: it cannot be combined with --json or --csv")
        }
        if Channel(rawValue: channel) == nil {
            throw ValidationError("--channel \(channel) is not a channel; use sms or email")
        }
    }

    /// `CLIENT/APPOINTMENT`, split at the last `/`.
    static func clientAppointment(_ text: String) throws(ToolError) -> ClientAppointment {
        guard let slash = text.lastIndex(of: "/") else {
            throw ToolError(.refused, "--only \(text) names no client: give CLIENT/APPOINTMENT, such as ada/a1")
        }
        do {
            return ClientAppointment(client: try ClientID(String(text[..<slash])), appointment: try AppointmentID(String(text[text.index(after: slash)...])))
        } catch {
            throw ToolError(error, prefix: "--only \(text)")
        }
    }

    func run() async throws {
        try await reportingErrors(options) {
            let htmlFile = try OutputFile.checked(html, ledger: options.ledger)
            let ledger = try options.open(scheduleMissing ? .writing : .reading)
            let at = try InstantArgument.parse(now, option: "--now", dayEnd: .end, ledger: ledger)
            guard let reminderChannel = Channel(rawValue: channel) else { throw ToolError(.refused, "--channel \(channel) is not a channel; use sms or email") }
            var scheduled: [RecordedLedgerEvent] = []
            if scheduleMissing {
                // A typing error is refused, not passed over: every chosen appointment must be one of
                // its client's (one that does not miss a reminder is then left alone).
                var chosen: Set<ClientAppointment>?
                for text in only {
                    let choice = try Self.clientAppointment(text)
                    guard let card = try ledger.card(of: choice.client) else {
                        throw ToolError(.refused, "--only \(text): there is no client \(choice.client) in \(options.ledger)")
                    }
                    guard card.appointments.contains(where: { $0.appointment == choice.appointment }) else {
                        throw ToolError(.refused, "--only \(text): client \(choice.client) has no appointment \(choice.appointment)")
                    }
                    chosen = (chosen ?? []).union([choice])
                }
                scheduled = try await ledger.scheduleMissingReminders(at: at, channel: reminderChannel, actor: "ledger coverage", only: chosen)
            }
            let coverage = try await ledger.reminderCoverage(now: at)
            let names = try await ClientNames(ledger)
            if let html {
                try HTMLReport.write(CoverageReport.html(coverage, salon: options.ledger, names: names), to: htmlFile)
                if html == "-" { return }
            }
            if options.json {
                print(try JSONOutput.encoding(coverage).adding([("scheduled", .int(Int64(scheduled.count))),
                                                                    ("scheduledReminders", try JSONOutput.encoding(scheduled))]).rendered())
                return
            }
            var table = TextTable(.window, .start, .appointment, .client, .name, .phone, .reason)
            for item in coverage.uncovered {
                table.add(.label(.window(item.window)), .instant(item.start), .text(item.appointment.rawValue), .text(item.client.rawValue),
                          .text(names[item.client]), .text(names.summary(item.client)?.phone ?? "-"), .label(.uncoveredReason(item.reason)))
            }
            if csv {
                print(table.csv(), terminator: "")
                return
            }
            print(say(.coverageAt(instant(coverage.now))))
            print(Self.line(.past7Days, coverage.past))
            print(Self.line(.next7Days, coverage.next))
            if !coverage.uncovered.isEmpty { print("\n" + table.rendered(), terminator: "") }
            if scheduleMissing {
                print("\n" + say(.scheduled(scheduled.count, channel: say(.channel(reminderChannel.rawValue)))) + (scheduled.isEmpty ? "." : ":"))
                var done = TextTable(.appointment, .client, .sendAt, .position)
                for recorded in scheduled {
                    if case .reminderScheduled(let reminder) = recorded.event {
                        done.add(.text(reminder.appointment.rawValue), .text(reminder.client.rawValue), .instant(reminder.sendAt), .count(recorded.position))
                    }
                }
                if !scheduled.isEmpty { print(done.rendered(), terminator: "") }
            }
            if let html { print("\n" + say(.wroteReport(html))) }
        }
    }

    /// A window's figures in one line, as the table and the demo's tour print them: `  Past 7 days: 30 appointments, …`.
    static func line(_ name: ToolText, _ window: ReminderCoverage.Window) -> String {
        "  \(say(name)): " + say(.coverageWindow(appointments: window.appointments, covered: window.covered, missing: window.missing, noConsent: window.noConsent))
    }
}
