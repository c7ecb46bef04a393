import ArgumentParser
import ClientLedger

/// `ledger points-liability --from … --to …`: the loyalty points as a liability, rolled forward.
struct PointsLiabilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points-liability",
        abstract: "Roll the loyalty points forward over a period, in points and in money: opening, earned, redeemed, expired, adjusted, closing.",
        discussion: """
            A point is worth what the loyalty programme in force gives for it (an amount-per-point \
            reward; a percentage reward has no fixed value and counts as 0): the opening balance at \
            the programme in force at --from, each movement at the one in force on its date, the \
            closing balance at the one in force at --to. The revaluation line is what a change of \
            a point's value did to the balance, so that the money adds up too.
            """)

    @OptionGroup var options: LedgerOptions

    @OptionGroup var period: PeriodOptions

    @Flag(help: "Print CSV instead of a table.")
    var csv = false

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.reading)
            let (start, end) = try period.instants(ledger)
            let liability = try await ledger.pointsLiability(from: start, to: end)
            if options.json {
                print(try JSONOutput.encoding(liability).rendered())
                return
            }
            var table = TextTable(ToolText(verbatim: ""), .points, .liability)
            for (label, count, cents) in Self.rows(liability) {
                table.add(.label(label), count.map { .count($0) } ?? .text(""), .money(cents))
            }
            if csv {
                print(table.csv(), terminator: "")
                return
            }
            let presentation = Presentation.current.withLock { $0 }
            print(say(.pointsPeriod(from: presentation.typed(period.from, start), to: presentation.typed(period.to, end))) + "\n")
            print(table.rendered(), terminator: "")
            func value(_ cents: Cents?) -> String { cents.map { money($0) } ?? say(.noFixedValue) }
            print("\n" + say(.aPoint(atStart: value(liability.pointValueAtOpening), atEnd: value(liability.pointValueAtClosing))))
        }
    }

    /// The roll-forward's lines, as the table and the audit's HTML page show them: each movement in
    /// points (none for the revaluation) and in cents, with what leaves the balance negative.
    static func rows(_ liability: PointsLiability) -> [(label: ToolText, points: Int64?, cents: Int64)] {
        let (p, m) = (liability.points, liability.money)
        return [(.opening, p.opening, m.opening), (.earned, p.earned, m.earned), (.redeemed, -p.redeemed, -m.redeemed),
                (.expired, -p.expired, -m.expired), (.adjusted, p.adjusted, m.adjusted), (.revaluation, nil, liability.revaluation),
                (.closing, p.closing, m.closing)]
    }
}
