import ArgumentParser
import ClientLedger
import EventLog

/// `ledger audit`: the accountant's figures for a period, with the proof that the log is intact.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Roll the residual subscription value forward over a period, with points outstanding, discounts granted, and the hash chain verified.",
        discussion: "Exits with 2 if the hash chain does not verify (the figures are printed all the same).")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The period's start, exclusive; a date means the start of that day.", valueName: "INSTANT"))
    var from: String

    @Option(help: ArgumentHelp("The period's end, inclusive; a date means the end of that day.", valueName: "INSTANT"))
    var to: String

    @Flag(help: "Print CSV (the roll-forward by year of sale, and the total) instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors {
            let ledger = try options.open()
            let start = try InstantArgument.parse(from, option: "--from", dayEnd: .start, ledger: ledger)
            let end = try InstantArgument.parse(to, option: "--to", dayEnd: .end, ledger: ledger)
            let report = try ledger.audit(from: start, to: end)
            let verified = report.verification.isIntact
            let total = report.rollForward.total
            if options.json {
                func figures(_ f: RollForward.Figures) -> [(String, JSONOutput)] {
                    [("opening", .int(f.opening)), ("sold", .int(f.sold)), ("used", .int(f.used)), ("expired", .int(f.expired)),
                     ("refunded", .int(f.refunded)), ("closing", .int(f.closing)), ("refundedCash", .int(f.refundedCash))]
                }
                print(JSONOutput.object([("from", jsonInstant(start)), ("to", jsonInstant(end))] + figures(total) + [
                    ("byYearSold", .object(report.rollForward.byYearSold.sorted { $0.key < $1.key }.map { (String($0.key), .object(figures($0.value))) })),
                    ("pointsOutstanding", .int(report.pointsOutstanding)),
                    ("discountsGranted", .int(report.discountsGranted)),
                    ("events", .int(Int64(report.events))),
                    ("headHash", .optional(report.verification.head?.description)),
                    ("verified", .bool(verified)),
                ]).rendered())
            } else {
                var table = TextTable("year sold", "opening", "sold", "used", "expired", "refunded", "closing", "cash refunded")
                for (year, f) in report.rollForward.byYearSold.sorted(by: { $0.key < $1.key }) {
                    table.add(String(year), money(f.opening), money(f.sold), money(f.used), money(f.expired), money(f.refunded), money(f.closing), money(f.refundedCash))
                }
                table.add("total", money(total.opening), money(total.sold), money(total.used), money(total.expired), money(total.refunded),
                          money(total.closing), money(total.refundedCash))
                if csv {
                    print(table.csv(), terminator: "")
                } else {
                    print("Residual subscription value from \(start) (exclusive) to \(end) (inclusive):\n")
                    print(table.rendered())
                    print("opening + sold - used - expired - refunded = closing: \(total.addsUp ? "adds up" : "DOES NOT ADD UP")")
                    print("points outstanding at the end: \(report.pointsOutstanding)")
                    print("discounts granted in the period: \(money(report.discountsGranted))")
                    print("events dated in the period: \(report.events)")
                    print("hash chain: \(verified ? "verified" : "BROKEN at position \(report.verification.firstBrokenPosition ?? 0)"), \(report.verification.eventsChecked) events")
                    print("head hash: \(report.verification.head?.description ?? "(empty log)")")
                }
            }
            if !verified {
                throw ToolError(.tampered, "the hash chain does not verify at position \(report.verification.firstBrokenPosition ?? 0): \(report.verification.problem ?? "mismatch")")
            }
        }
    }
}
