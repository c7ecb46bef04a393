import ArgumentParser
import ClientLedger

/// `ledger residual`: what the prepaid subscriptions are still worth.
struct ResidualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "residual", abstract: "Show the residual value of every subscription, per client and in total, as of an instant.")

    @OptionGroup var options: LedgerOptions

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The instant (default: now); a date means the end of that day.", valueName: "INSTANT"))
    var asOf: String?

    @Flag(help: "Print CSV (one line per subscription) instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.reading)
            let report = try await ledger.residualValue(asOf: try InstantArgument.parse(asOf, option: "--as-of", dayEnd: .end, ledger: ledger))
            if options.json {
                print(try JSONOutput.encoding(report).rendered())
                return
            }
            var table = TextTable("client", "subscription", "plan", "kind", "remaining", "residual", "purchased")
            for line in report.subscriptions {
                table.add(line.client.rawValue, line.subscription.rawValue, line.plan, line.kind,
                          line.kind == "credit" ? money(line.remaining) : String(line.remaining), money(line.residualValue), instant(line.purchasedAt))
            }
            if csv {
                print(table.csv(), terminator: "")
            } else {
                print(table.rendered() + "Residual value as of \(report.asOf): \(money(report.total)) over \(report.subscriptions.count) subscriptions of \(report.perClient.count) clients.")
            }
        }
    }
}
