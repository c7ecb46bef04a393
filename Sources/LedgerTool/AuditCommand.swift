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

    @Option(help: ArgumentHelp("The period's start, exclusive; a date means the start of that day.", valueName: "INSTANT"))
    var from: String

    @Option(help: ArgumentHelp("The period's end, inclusive; a date means the end of that day.", valueName: "INSTANT"))
    var to: String

    @Flag(help: "Print CSV (the roll-forward by year of sale, and the total) instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let anchors = try anchorOptions.anchors()
            let ledger = try options.open(.reading)
            let start = try InstantArgument.parse(from, option: "--from", dayEnd: .start, ledger: ledger)
            let end = try InstantArgument.parse(to, option: "--to", dayEnd: .end, ledger: ledger)
            let report = try await ledger.audit(from: start, to: end, anchors: anchors)
            let verified = report.verification.isIntact
            let total = report.rollForward.total
            if options.json {
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
                    print("Residual subscription value from \(presentation.typed(from, start)) to \(presentation.typed(to, end)):\n")
                    print(table.rendered())
                    print("opening + sold - used - expired - refunded = closing: \(total.addsUp ? "adds up" : "DOES NOT ADD UP")")
                    print("points outstanding at the end: \(report.pointsOutstanding)")
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
}
