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
        try await reportingErrors(ledger: options.ledger) {
            let anchors = try anchorOptions.anchors()
            let ledger = try options.open(.reading)
            let (start, end) = try period.instants(ledger)
            let report = try await ledger.audit(from: start, to: end, anchors: anchors)
            let verified = report.verification.isIntact
            let total = report.rollForward.total
            if let html {
                let points = try await ledger.pointsLiability(from: start, to: end)
                try HTMLReport.write(Self.html(report, points: points, from: period.from, to: period.to, ledger: options.ledger), to: html)
            }
            if html == "-" {
                // The report was the output.
            } else if options.json {
                print(try JSONOutput.encoding(report).rendered())
            } else {
                var table = TextTable("year sold", "opening", "sold", "used", "expired", "refunded", "closing", "cash refunded")
                for (year, f) in report.rollForward.byYearSold.sorted(by: { $0.key < $1.key }) {
                    table.add(.text(String(year)), .money(f.opening), .money(f.sold), .money(f.used), .money(f.expired), .money(f.refunded), .money(f.closing), .money(f.refundedCash))
                }
                table.add(.text("total"), .money(total.opening), .money(total.sold), .money(total.used), .money(total.expired), .money(total.refunded),
                          .money(total.closing), .money(total.refundedCash))
                if csv {
                    print(table.csv(), terminator: "")
                } else {
                    let presentation = Presentation.current.withLock { $0 }
                    print("Residual subscription value from \(presentation.typed(period.from, start)) to \(presentation.typed(period.to, end)):\n")
                    print(table.rendered())
                    print("opening + sold - used - expired - refunded = closing: \(total.addsUp ? "adds up" : "DOES NOT ADD UP")")
                    let points = try await ledger.pointsLiability(from: start, to: end)
                    let value = points.pointValueAtClosing.map { " (\(money(points.money.closing)) at \(money($0)) a point; see points-liability)" } ?? ""
                    print("points outstanding at the end: \(report.pointsOutstanding)\(value)")
                    print("discounts granted in the period: \(money(report.discountsGranted))")
                    print("events dated in the period: \(report.events)")
                    print("hash chain: \(verified ? "verified" : "DOES NOT HOLD"), \(report.verification.eventsChecked) events"
                          + (anchors.isEmpty ? "" : ", \(report.verification.anchors.filter(\.holds).count) of \(anchors.count) anchors on it"))
                    print("head hash (keep it with this report): \(report.verification.head?.description ?? "(empty log)")")
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
        func cell(_ cents: Int64) -> String { "<td class=\"number\">\(escape(money(cents)))</td>" }
        var rows = ""
        for (year, f) in report.rollForward.byYearSold.sorted(by: { $0.key < $1.key }) {
            rows += "<tr><td>\(year)</td>" + [f.opening, f.sold, f.used, f.expired, f.refunded, f.closing, f.refundedCash].map(cell).joined() + "</tr>"
        }
        let t = report.rollForward.total
        rows += "<tr class=\"total\"><td>total</td>" + [t.opening, t.sold, t.used, t.expired, t.refunded, t.closing, t.refundedCash].map(cell).joined() + "</tr>"
        let (p, m) = (points.points, points.money)
        let pointRows = [("opening", p.opening, m.opening), ("earned", p.earned, m.earned), ("redeemed", -p.redeemed, -m.redeemed),
                         ("expired", -p.expired, -m.expired), ("adjusted", p.adjusted, m.adjusted)]
            .map { "<tr><td>\($0.0)</td><td class=\"number\">\($0.1)</td>\(cell($0.2))</tr>" }.joined()
            + "<tr><td>revaluation</td><td></td>\(cell(points.revaluation))</tr>"
            + "<tr class=\"total\"><td>closing</td><td class=\"number\">\(p.closing)</td>\(cell(m.closing))</tr>"
        let verification = report.verification
        let anchors = verification.anchors.map { "<li>\(escape($0.anchor.description)): \($0.holds ? "on the chain" : "<span class=\"bad\">NOT on the chain</span>")</li>" }.joined()
        let period = "\(presentation.typed(from, report.from)) – \(presentation.typed(to, report.to))"
        return HTMLReport.page("Audit \(period)", """
            <p>\(escape(ledger)) · residual subscription value and loyalty points from \(escape(presentation.typed(from, report.from))) to \(escape(presentation.typed(to, report.to))), in \(escape(presentation.currency)).</p>
            <h2>Residual subscription value</h2>
            <table><tr><th>year sold</th><th class="number">opening</th><th class="number">sold</th><th class="number">used</th><th class="number">expired</th>
            <th class="number">refunded</th><th class="number">closing</th><th class="number">cash refunded</th></tr>\(rows)</table>
            <p>opening + sold − used − expired − refunded = closing: \(t.addsUp ? "adds up" : "<span class=\"bad\">DOES NOT ADD UP</span>")</p>
            <h2>Loyalty points</h2>
            <table><tr><th></th><th class="number">points</th><th class="number">liability</th></tr>\(pointRows)</table>
            <p>Discounts granted in the period: \(escape(money(report.discountsGranted))). Events dated in the period: \(report.events).</p>
            <h2>Proof</h2>
            <p>Hash chain: \(verification.isIntact ? "verified" : "<span class=\"bad\">DOES NOT HOLD</span>"), \(verification.eventsChecked) events.</p>
            \(anchors.isEmpty ? "" : "<ul>\(anchors)</ul>")
            <p>Head hash — keep it with this report; a later audit given it proves the log was not changed or cut short since:</p>
            <p class="proof">\(escape(verification.head?.description ?? "(empty log)"))</p>
            """)
    }
}
