import ArgumentParser
import ClientLedger

/// `ledger clients`: the client list, searchable.
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clients", abstract: "List the clients (the active ones, or the archived ones), optionally searched.")

    @OptionGroup var options: LedgerOptions

    @Flag(help: "List the archived clients instead of the active ones.")
    var archived = false

    @Option(help: ArgumentHelp("Keep the clients whose id, name, e-mail or phone contains TEXT (ignoring case).", valueName: "TEXT"))
    var search: String?

    @Flag(help: "Print CSV instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(options) {
            let clients = try await options.open(.reading).clients(archived: archived, search: search)
            if options.json {
                print(try JSONOutput.encoding(clients).rendered())
            } else {
                var table = TextTable(.client, .name, .phone, .email, .points, .lastVisit)
                for c in clients {
                    table.add(.text(c.client.rawValue), .text(c.name ?? (c.erased ? say(.erased) : "-")), .text(c.phone ?? "-"), .text(c.email ?? "-"),
                              .count(c.points), .instant(c.lastVisit))
                }
                if csv {
                    print(table.csv(), terminator: "")
                } else {
                    print(table.rendered() + say(.clients(clients.count)))
                }
            }
        }
    }
}
