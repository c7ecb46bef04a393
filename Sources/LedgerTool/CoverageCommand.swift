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

    @Option(help: ArgumentHelp("Also write a one-page HTML report (two pie charts and the uncovered list) to FILE.", valueName: "FILE"))
    var html: String?

    @Flag(name: .customLong("schedule-missing"), help: "Schedule now a reminder for every upcoming appointment that misses one and whose client agrees (not with --now: a what-if instant never dates a write).")
    var scheduleMissing = false

    @Option(help: ArgumentHelp("The channel of the reminders that --schedule-missing schedules: sms or email.", valueName: "CHANNEL"))
    var channel = "sms"

    @Flag(help: "Print the uncovered appointments as CSV instead of a table.")
    var csv = false

    func validate() throws {
        if scheduleMissing && now != nil {
            throw ValidationError("--schedule-missing records reminders now; it cannot be combined with --now (a what-if instant never dates a write)")
        }
    }

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(scheduleMissing ? .writing : .reading)
            let at = try InstantArgument.parse(now, option: "--now", dayEnd: .end, ledger: ledger)
            guard let reminderChannel = Channel(rawValue: channel) else { throw ToolError(.refused, "--channel \(channel) is not a channel; use sms or email") }
            var scheduled: [RecordedLedgerEvent] = []
            if scheduleMissing {
                scheduled = try await ledger.scheduleMissingReminders(at: at, channel: reminderChannel, actor: "ledger coverage")
            }
            let coverage = try await ledger.reminderCoverage(now: at)
            if let html {
                do {
                    try CoverageReport.html(coverage, salon: options.ledger).write(toFile: html, atomically: true, encoding: .utf8)
                } catch {
                    throw ToolError(.refused, "cannot write the HTML report to \(html): \(error.localizedDescription)")
                }
            }
            if options.json {
                print(try JSONOutput.encoding(coverage).adding([("scheduled", .int(Int64(scheduled.count)))]).rendered())
                return
            }
            var table = TextTable("window", "start", "appointment", "client", "reason")
            for item in coverage.uncovered { table.add(item.window, instant(item.start), item.appointment.rawValue, item.client.rawValue, item.reason) }
            if csv {
                print(table.csv(), terminator: "")
                return
            }
            func line(_ name: String, _ w: ReminderCoverage.Window) -> String {
                "\(name): \(w.appointments) appointments, \(w.covered) with a reminder, \(w.missing) missing, \(w.noConsent) without consent"
            }
            print("Reminder coverage at \(coverage.now)")
            print(line("  past 7 days", coverage.past))
            print(line("  next 7 days", coverage.next))
            if !coverage.uncovered.isEmpty { print("\n" + table.rendered(), terminator: "") }
            if scheduleMissing { print("\nScheduled \(scheduled.count) missing reminders by \(reminderChannel.rawValue).") }
            if let html { print("\nWrote the report to \(html).") }
        }
    }
}
