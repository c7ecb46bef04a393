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

    @Flag(help: "Month by month from --from to --to: the residual value at the end of each month (in the salon's time zone).")
    var monthly = false

    @Option(help: ArgumentHelp("With --monthly: the period's start; a date means the start of that day.", valueName: "INSTANT"))
    var from: String?

    @Option(help: ArgumentHelp("With --monthly: the period's end; a date means the end of that day.", valueName: "INSTANT"))
    var to: String?

    @Option(help: ArgumentHelp("With --monthly: also write a one-page HTML report with the months charted to FILE; - writes it to standard output instead of the table.", valueName: "FILE"))
    var html: String?

    func validate() throws {
        if monthly {
            guard from != nil, to != nil else { throw ValidationError("--monthly needs --from and --to") }
            guard asOf == nil else { throw ValidationError("--monthly gives the value at each month's end; it cannot be combined with --as-of") }
        } else if from != nil || to != nil || html != nil {
            throw ValidationError("--from, --to and --html go with --monthly")
        }
        if html == "-" && (csv || options.json) {
            throw ValidationError("--html - writes the report to standard output: it cannot be combined with --json or --csv")
        }
    }

    func run() async throws {
        try await reportingErrors(options) {
            let htmlFile = try OutputFile.checked(html, ledger: options.ledger)
            let ledger = try options.open(.reading)
            if monthly, let from, let to { return try await months(ledger, from: from, to: to, htmlFile: htmlFile) }
            let report = try await ledger.residualValue(asOf: try InstantArgument.parse(asOf, option: "--as-of", dayEnd: .end, ledger: ledger))
            if options.json {
                print(try JSONOutput.encoding(report).rendered())
                return
            }
            let names = try await ClientNames(ledger)
            var table = TextTable(.client, .name, .subscription, .plan, .kind, .remaining, .residual, .purchased)
            for line in report.subscriptions {
                table.add(.text(line.client.rawValue), .text(names[line.client]), .text(line.subscription.rawValue), .text(line.plan), .label(.subscriptionKind(line.kind)),
                          line.kind == "credit" ? .money(line.remaining) : .count(line.remaining), .money(line.residualValue), .instant(line.purchasedAt))
            }
            table.add(.label(.total), .text(""), .text(""), .text(""), .text(""), .text(""), .money(report.total), .text(""))
            if csv {
                print(table.csv(), terminator: "")
            } else {
                print(table.rendered() + say(.residualSummary(asOf: instant(report.asOf), total: money(report.total),
                                                              subscriptions: report.subscriptions.count, clients: report.perClient.count)))
            }
        }
    }
}

extension ResidualCommand {
    /// `--monthly`: the residual value at the end of every month of the period; the page goes to
    /// `htmlFile` (standard output for `nil`) with `--html`.
    func months(_ ledger: SalonLedger, from: String, to: String, htmlFile: OutputFile?) async throws {
        let start = try InstantArgument.parse(from, option: "--from", dayEnd: .start, ledger: ledger)
        let end = try InstantArgument.parse(to, option: "--to", dayEnd: .end, ledger: ledger)
        guard start < end else { throw ToolError(.refused, "--to \(to) is not after --from \(from)") }
        let presentation = Presentation.current.withLock { $0 }
        var reports: [ResidualReport] = []
        let ends = presentation.monthEnds(after: start, through: end)
        guard ends.count <= Presentation.maximumMonths else {
            throw ToolError(.refused, "--monthly gives at most \(Presentation.maximumMonths) months (a century); \(from) to \(to) holds more")
        }
        for monthEnd in ends {
            reports.append(try await ledger.residualValue(asOf: monthEnd))
        }
        if options.json {
            print(JSONOutput.array(reports.map { report in
                .object([("asOf", .string(report.asOf.description)), ("total", .int(report.total)), ("subscriptions", .int(Int64(report.subscriptions.count)))])
            }).rendered())
            return
        }
        var table = TextTable(.month, .asOf, .residual, .subscriptions)
        for report in reports {
            table.add(.text(presentation.month(report.asOf)), .instant(report.asOf), .money(report.total), .count(report.subscriptions.count))
        }
        if let html {
            let say = presentation.say
            let intro = say(.residualMonthlyIntro(timeZone: presentation.timeZone.identifier, currency: presentation.currency))
            let page = HTMLReport.page(say(.residualMonthlyTitle("\(presentation.typed(from, start)) – \(presentation.typed(to, end))")), """
                <p>\(HTMLReport.escape(intro))</p>
                \(HTMLReport.bars(say(.residualByMonth), labels: reports.map { presentation.month($0.asOf) }, values: reports.map(\.total)))
                <table><tr><th>\(say(.month))</th><th>\(say(.asOf))</th><th class="number">\(say(.residual))</th><th class="number">\(say(.subscriptions))</th></tr>
                \(reports.map { "<tr><td>\(presentation.month($0.asOf))</td><td>\(HTMLReport.escape(instant($0.asOf)))</td><td class=\"number\">\(HTMLReport.escape(money($0.total)))</td><td class=\"number\">\($0.subscriptions.count)</td></tr>" }.joined())
                </table>
                """)
            try HTMLReport.write(page, to: htmlFile)
            if html == "-" { return }
        }
        print(csv ? table.csv() : table.rendered(), terminator: "")
    }
}
