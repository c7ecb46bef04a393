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
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.reading)
            let (start, end) = try period.instants(ledger)
            let liability = try await ledger.pointsLiability(from: start, to: end)
            if options.json {
                print(try JSONOutput.encoding(liability).rendered())
                return
            }
            let (p, m) = (liability.points, liability.money)
            var table = TextTable("", "points", "liability")
            table.add(.text("opening"), .count(p.opening), .money(m.opening))
            table.add(.text("earned"), .count(p.earned), .money(m.earned))
            table.add(.text("redeemed"), .count(-p.redeemed), .money(-m.redeemed))
            table.add(.text("expired"), .count(-p.expired), .money(-m.expired))
            table.add(.text("adjusted"), .count(p.adjusted), .money(m.adjusted))
            table.add(.text("revaluation"), .text(""), .money(liability.revaluation))
            table.add(.text("closing"), .count(p.closing), .money(m.closing))
            if csv {
                print(table.csv(), terminator: "")
                return
            }
            let presentation = Presentation.current.withLock { $0 }
            print("Loyalty points from \(presentation.typed(period.from, start)) to \(presentation.typed(period.to, end)):\n")
            print(table.rendered(), terminator: "")
            func value(_ cents: Cents?) -> String { cents.map { money($0) + " a point" } ?? "no fixed value" }
            print("\na point: \(value(liability.pointValueAtOpening)) at the start, \(value(liability.pointValueAtClosing)) at the end")
        }
    }
}
