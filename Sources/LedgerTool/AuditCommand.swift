import ArgumentParser
import ClientLedger
import EventLog

/// `ledger audit`: the accountant's figures for a period, with the proof that the log is intact.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Roll the residual subscription value forward over a period, with points outstanding, discounts granted, and the hash chain verified.",
        discussion: """
            Verifies the whole log, and each head hash given with --anchor or --anchors (a log cut \
            short passes every other check). Exits with 2 if the log does not hold or an anchor is \
            not on it; the figures are printed all the same. Prints the head hash to keep with the \
            report. Reads only.
            """)

    @OptionGroup var options: LedgerOptions
    @OptionGroup var anchorOptions: AnchorOptions

    @OptionGroup var period: PeriodOptions

    @Flag(help: "Print CSV (the roll-forward by year of sale, and the total) instead of a table.")
    var csv = false

    @Option(help: ArgumentHelp("Also write the audit as a one-page HTML report that prints well (the roll-forward, the loyalty points as a liability, the proof) to FILE; - writes it to standard output instead of the table.", valueName: "FILE"))
    var html: String?

    func validate() throws {
        if html == "-" && (csv || options.json) {
            throw ValidationError("--html - writes the report to standard output: it cannot be combined with --json or --csv")
        }
    }

    func run() async throws {
        try await reportingErrors(options) {
            let anchors = try anchorOptions.anchors()
            let htmlFile = try OutputFile.checked(html, ledger: options.ledger)
            let ledger = try options.open(.reading)
            let (start, end) = try period.instants(ledger)
            let report = try await ledger.audit(from: start, to: end, anchors: anchors)
            let verified = report.verification.isIntact
            let total = report.rollForward.total
            if html != nil {
                let points = try await ledger.pointsLiability(from: start, to: end)
                try HTMLReport.write(Self.html(report, points: points, from: period.from, to: period.to, ledger: options.ledger), to: htmlFile)
            }
            if html == "-" {
                // The report was the output.
            } else if options.json {
                print(try JSONOutput.encoding(report).rendered())
            } else {
                var table = TextTable(.yearSold, .opening, .sold, .used, .expired, .refunded, .closing, .refundedCash)
                for (year, f) in report.rollForward.byYearSold.sorted(by: { $0.key < $1.key }) {
                    table.add(.text(String(year)), .money(f.opening), .money(f.sold), .money(f.used), .money(f.expired), .money(f.refunded), .money(f.closing), .money(f.refundedCash))
                }
                table.add(.label(.total), .money(total.opening), .money(total.sold), .money(total.used), .money(total.expired), .money(total.refunded),
                          .money(total.closing), .money(total.refundedCash))
                if csv {
                    print(table.csv(), terminator: "")
                } else {
                    let presentation = Presentation.current.withLock { $0 }
                    print(say(.residualPeriod(from: presentation.typed(period.from, start), to: presentation.typed(period.to, end))) + "\n")
                    print(table.rendered())
                    print(say(.addsUp(total.addsUp)))
                    let points = try await ledger.pointsLiability(from: start, to: end)
                    print(say(.pointsOutstanding(report.pointsOutstanding, value: points.pointValueAtClosing.map { _ in money(points.money.closing) },
                                                 pointValue: points.pointValueAtClosing.map { money($0) })))
                    print(say(.discountsGranted(money(report.discountsGranted))))
                    print(say(.eventsInPeriod(report.events)))
                    print(say(.chain(verified, events: report.verification.eventsChecked,
                                     anchorsOn: anchors.isEmpty ? nil : report.verification.anchors.filter(\.holds).count, of: anchors.count)))
                    print("\(say(.keepHeadHash)): \(report.verification.head?.description ?? say(.emptyLog))")
                }
            }
            if let problem = chainProblem(report.verification) { throw ToolError(.tampered, problem) }
        }
    }

    /// The audit as one printable page: the period as typed, the roll-forward by year of sale with
    /// its check, the loyalty points as a liability, the other figures, and the proof — the chain
    /// verified, the anchors checked, and the head hash to keep with the report.
    static func html(_ report: AuditReport, points: PointsLiability, from: String, to: String, ledger: String) -> String {
        let escape = HTMLReport.escape
        let presentation = Presentation.current.withLock { $0 }
        let say = presentation.say
        func cell(_ cents: Int64) -> String { "<td class=\"number\">\(escape(money(cents)))</td>" }
        var rows = ""
        for (year, f) in report.rollForward.byYearSold.sorted(by: { $0.key < $1.key }) {
            rows += "<tr><td>\(year)</td>" + [f.opening, f.sold, f.used, f.expired, f.refunded, f.closing, f.refundedCash].map(cell).joined() + "</tr>"
        }
        let t = report.rollForward.total
        rows += "<tr class=\"total\"><td>\(say(.total))</td>" + [t.opening, t.sold, t.used, t.expired, t.refunded, t.closing, t.refundedCash].map(cell).joined() + "</tr>"
        let pointRows = PointsLiabilityCommand.rows(points)
            .map { label, count, cents in
                let total = label == .closing ? " class=\"total\"" : ""
                return "<tr\(total)><td>\(say(label))</td><td class=\"number\">\(count.map(String.init) ?? "")</td>\(cell(cents))</tr>"
            }.joined()
        let verification = report.verification
        let anchors = verification.anchors.map {
            "<li>\(escape($0.anchor.description)): \($0.holds ? say(.onTheChain) : "<span class=\"bad\">\(say(.notOnTheChain))</span>")</li>"
        }.joined()
        let (typedFrom, typedTo) = (presentation.typed(from, report.from), presentation.typed(to, report.to))
        func bad(_ text: String, _ holds: Bool) -> String { holds ? escape(text) : "<span class=\"bad\">\(escape(text))</span>" }
        let headers = [ToolText.opening, .sold, .used, .expired, .refunded, .closing, .refundedCash].map { "<th class=\"number\">\(say($0))</th>" }.joined()
        return HTMLReport.page(say(.auditTitle("\(typedFrom) – \(typedTo)")), """
            <p>\(escape(say(.auditIntro(ledger: ledger, from: typedFrom, to: typedTo, currency: presentation.currency))))</p>
            <h2>\(say(.residualValueHeading))</h2>
            <table><tr><th>\(say(.yearSold))</th>\(headers)</tr>\(rows)</table>
            <p>\(bad(say(.addsUp(t.addsUp)), t.addsUp))</p>
            <h2>\(say(.loyaltyPoints))</h2>
            <table><tr><th></th><th class="number">\(say(.points))</th><th class="number">\(say(.liability))</th></tr>\(pointRows)</table>
            <p>\(escape(say(.discountsGranted(money(report.discountsGranted))))). \(escape(say(.eventsInPeriod(report.events)))).</p>
            <h2>\(say(.proof))</h2>
            <p>\(bad(say(.chain(verification.isIntact, events: verification.eventsChecked, anchorsOn: nil, of: 0)), verification.isIntact)).</p>
            \(anchors.isEmpty ? "" : "<ul>\(anchors)</ul>")
            <p>\(escape(say(.keepHeadHashExplained)))</p>
            <p class="proof">\(escape(verification.head?.description ?? say(.emptyLog)))</p>
            """)
    }
}
