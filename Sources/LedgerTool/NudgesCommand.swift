import ArgumentParser
import ClientLedger

/// `ledger nudges`: the clients a visit nudge is due for.
struct NudgesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nudges", abstract: "List the clients a visit nudge is due for.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The instant (default: now); a date means the end of that day.", valueName: "INSTANT"))
    var now: String?

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.reading)
            let at = try InstantArgument.parse(now, option: "--now", dayEnd: .end, ledger: ledger)
            let due = try await ledger.visitNudgesDue(now: at)
            if options.json {
                print(try JSONOutput.encoding(due).rendered())
            } else {
                var table = TextTable("client", "last visit")
                for nudge in due { table.add(nudge.client.rawValue, instant(nudge.lastVisit)) }
                print(table.rendered() + "\(due.count) visit nudges due at \(at) (\(try ledger.salonSettings(at: at).visitNudgeWeeks) weeks after the last visit).")
            }
        }
    }
}
