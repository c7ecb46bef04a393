import ArgumentParser
import ClientLedger

/// `ledger residual`: what the prepaid subscriptions are still worth.
struct ResidualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "residual", abstract: "Show the residual value of every subscription, per client and in total, as of an instant.")

    @OptionGroup var options: LedgerOptions

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The instant (default: now); a date means the end of that day.", valueName: "INSTANT"))
    var asOf: String?

    @Flag(help: "Print CSV (one line per subscription, and a total line) instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.reading)
            let report = try await ledger.residualValue(asOf: try InstantArgument.parse(asOf, option: "--as-of", dayEnd: .end, ledger: ledger))
            if options.json {
                print(try JSONOutput.encoding(report).rendered())
                return
            }
            let names = try await ClientNames(ledger)
            var table = TextTable("client", "name", "subscription", "plan", "kind", "remaining", "residual", "purchased")
            for line in report.subscriptions {
                table.add(.text(line.client.rawValue), .text(names[line.client]), .text(line.subscription.rawValue), .text(line.plan), .text(line.kind),
                          line.kind == "credit" ? .money(line.remaining) : .count(line.remaining), .money(line.residualValue), .instant(line.purchasedAt))
            }
            table.add(.text("total"), .text(""), .text(""), .text(""), .text(""), .text(""), .money(report.total), .text(""))
            if csv {
                print(table.csv(), terminator: "")
            } else {
                print(table.rendered() + "Residual value as of \(instant(report.asOf)): \(money(report.total)) over \(report.subscriptions.count) subscriptions of \(report.perClient.count) clients.")
            }
        }
    }
}

/// The clients' names and phones, active and archived, for the lists that name clients.
struct ClientNames {
    private var summaries: [ClientID: ClientSummary] = [:]

    init(_ ledger: SalonLedger) async throws {
        for archived in [false, true] {
            for summary in try await ledger.clients(archived: archived) { summaries[summary.client] = summary }
        }
    }

    /// The client's name, `(erased)`, or a dash.
    subscript(_ client: ClientID) -> String {
        guard let summary = summaries[client] else { return "-" }
        return summary.name ?? (summary.erased ? "(erased)" : "-")
    }

    func summary(_ client: ClientID) -> ClientSummary? { summaries[client] }
}
