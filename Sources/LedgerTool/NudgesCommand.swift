import ArgumentParser
import ClientLedger

/// `ledger nudges`: the clients a visit nudge is due for.
struct NudgesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nudges",
        abstract: "List the clients a visit nudge is due for, with their name, phone and the channel to reach them by.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The instant (default: now); a date means the end of that day.", valueName: "INSTANT"))
    var now: String?

    @Flag(help: "Print CSV instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.reading)
            let at = try InstantArgument.parse(now, option: "--now", dayEnd: .end, ledger: ledger)
            let due = try await ledger.visitNudgesDue(now: at)
            if options.json {
                print(try JSONOutput.encoding(due).rendered())
                return
            }
            let names = try await ClientNames(ledger)
            var table = TextTable(.client, .name, .phone, .email, .channel, .lastVisit)
            for nudge in due {
                let summary = names.summary(nudge.client)
                // By text message where there is a phone, else by e-mail.
                let channel = summary?.phone != nil ? Channel.sms.rawValue : summary?.email != nil ? Channel.email.rawValue : "-"
                table.add(.text(nudge.client.rawValue), .text(names[nudge.client]), .text(summary?.phone ?? "-"), .text(summary?.email ?? "-"),
                          .label(.channel(channel)), .instant(nudge.lastVisit))
            }
            if csv {
                print(table.csv(), terminator: "")
            } else {
                print(table.rendered() + say(.nudgesSummary(due.count, at: instant(at), weeks: try ledger.salonSettings(at: at).visitNudgeWeeks)))
            }
        }
    }
}
