import ClientLedger
import Foundation

/// An accountant's year-end script: the roll-forward of the residual value of prepaid subscriptions
/// (the contract liability) over one calendar year, checked, with the ledger's head hash as proof
/// of the exact records it was computed from.
///
///     year-end-audit LEDGER-PATH YEAR [--anchor POSITION:SHA256]...
///
/// Exits 0 when every check passes, 1 when one fails or the ledger cannot be read, 2 on bad usage.
@main
enum YearEndAudit {
    /// The help text.
    static let usage = """
        usage: year-end-audit LEDGER-PATH YEAR [--anchor POSITION:SHA256]...
          LEDGER-PATH  an existing ledger directory
          YEAR         the calendar year (UTC), 1 to 9998
          --anchor     a head hash written down at an earlier audit (repeatable): checks that nothing up
                       to it was rewritten or cut off
        """

    /// The rows of the roll-forward: a label and the figure it shows.
    static var rows: [(label: String, figure: KeyPath<RollForward.Figures, Cents>)] {
        [("opening", \.opening), ("+ sold", \.sold), ("- used", \.used), ("- expired", \.expired),
         ("- refunded", \.refunded), ("= closing", \.closing), ("cash refunded", \.refundedCash)]
    }

    /// Runs the audit.
    static func main() async {
        let (path, year, anchors) = arguments(Array(CommandLine.arguments.dropFirst()))
        guard let from = endOfYear(year - 1), let to = endOfYear(year) else { fail("cannot build the period of \(year)", status: 2) }

        let report: Report
        let currency: String
        do {
            // Read-only: an audit writes nothing (and works on an archived copy); a mistyped path is
            // refused instead of becoming a new, empty ledger.
            let ledger = try SalonLedger(path: path, options: .readOnly)
            report = try await audit(ledger, from: from, to: to, anchors: anchors)
            currency = try ledger.salonSettings(at: to).currency
        } catch {
            fail("the audit failed: \(error)", status: 1)
        }
        let roll = report.roll

        print("Roll-forward of the residual value of prepaid subscriptions, \(year)")
        print("ledger \(path); events dated after \(from) through \(to)")
        print("amounts in \(currency) with two decimals; columns by the year (UTC) of sale\n")
        // Years of sale whose subscriptions show nothing in this period (long used up) are left out.
        let years = roll.byYearSold.filter { _, figures in rows.contains { figures[keyPath: $0.figure] != 0 } }.sorted { $0.key < $1.key }
        let columns = [("total", roll.total)] + years.map { ("sold \($0.key)", $0.value) }
        print(pad("", 14) + columns.map { pad($0.0, 16) }.joined())
        for row in rows {
            print(pad(row.label, 14, left: true) + columns.map { pad(amount($0.1[keyPath: row.figure]), 16) }.joined())
        }
        print()

        var checks: [(String, Bool)] = [
            ("the total adds up: opening + sold - used - expired - refunded = closing", roll.total.addsUp),
            ("every year of sale adds up", roll.byYearSold.values.allSatisfy(\.addsUp)),
            ("the years of sale add up to the total", rows.allSatisfy { row in
                roll.byYearSold.values.reduce(Int128(0)) { $0 + Int128($1[keyPath: row.figure]) } == Int128(roll.total[keyPath: row.figure])
            }),
            ("opening = residual value as of \(from) (\(amount(report.opening)))", roll.total.opening == report.opening),
            ("closing = residual value as of \(to) (\(amount(report.closing)))", roll.total.closing == report.closing),
            ("the log holds over \(report.verification.eventsChecked) events (every record, name and link)",
             report.verification.firstBrokenPosition == nil && report.verification.problem == nil),
        ]
        for check in report.verification.anchors {
            checks.append(("anchor \(check.anchor.position):\(check.anchor.sha256.prefix(12))… is on the chain" + (check.problem.map { " — \($0)" } ?? ""), check.holds))
        }
        for (what, passed) in checks { print("\(passed ? "ok    " : "FAILED") \(what)") }
        if let problem = report.verification.problem {
            print("       " + (report.verification.firstBrokenPosition.map { "first broken position \($0): " } ?? "") + problem)
        }

        print()
        if let head = report.verification.head {
            print("proof: head hash \(head)")
            if head.position == report.startPosition {
                print("       (the figures come from events 1...\(head.position) exactly; keep this line with the accounts,")
                print("       and pass it as --anchor next year to show that nothing up to it was rewritten)")
            } else {
                print("       (the ledger grew from \(report.startPosition) to \(head.position) events during the audit, so the")
                print("       figures come from a state in between; run the audit when no service writes to pin them exactly)")
            }
        } else {
            print("proof: none, the ledger is empty or its chain is broken")
        }
        if !checks.allSatisfy(\.1) { exit(1) }
    }

    /// The figures of an audit and the state of the log they come from.
    struct Report {
        /// The roll-forward of the year.
        let roll: RollForward
        /// The residual value as of the start of the year, asked separately.
        let opening: Cents
        /// The residual value as of the end of the year, asked separately.
        let closing: Cents
        /// The walk of the hash chain, with its head hash.
        let verification: ChainVerification
        /// The log's last position before the figures were read; the figures come from a state
        /// between it and the verified head.
        let startPosition: UInt64
    }

    /// Computes the roll-forward, the residual values at both ends and the chain's verification.
    /// Each query reads its own snapshot, so the figures are pinned to the verified head only if the
    /// log did not grow meanwhile; if a service appended, it tries again (three times in all).
    static func audit(_ ledger: SalonLedger, from: Timestamp, to: Timestamp, anchors: [HeadHash]) async throws -> Report {
        var attempt = 0
        while true {
            attempt += 1
            let start = try ledger.log.lastPosition()
            let report = Report(roll: try await ledger.rollForward(from: from, to: to),
                                opening: try await ledger.residualValue(asOf: from).total,
                                closing: try await ledger.residualValue(asOf: to).total,
                                verification: try ledger.log.verify(anchors: anchors),
                                startPosition: start)
            let quiet = (report.verification.head?.position ?? 0) == start
            if quiet || report.verification.firstBrokenPosition != nil || attempt == 3 { return report }
        }
    }

    /// The last microsecond of `year` (UTC), or `nil` outside 0...9998.
    static func endOfYear(_ year: Int) -> Timestamp? {
        guard (0...9998).contains(year) else { return nil }
        let next = String(year + 1)
        return Timestamp(rfc3339: String(repeating: "0", count: 4 - next.count) + next + "-01-01T00:00:00Z")?.adding(microseconds: -1)
    }

    /// Reads the command line (without the program name); prints the usage and exits if it is wrong.
    static func arguments(_ arguments: [String]) -> (path: String, year: Int, anchors: [HeadHash]) {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(usage)
            exit(0)
        }
        var positional: [String] = []
        var anchors: [HeadHash] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--anchor" {
                guard let text = rest.popFirst() else { fail("--anchor needs POSITION:SHA256\n\(usage)", status: 2) }
                do { anchors.append(try HeadHash(text)) } catch { fail("--anchor: \(error.message)", status: 2) }
            } else {
                positional.append(argument)
            }
        }
        guard positional.count == 2, let year = Int(positional[1]), (1...9998).contains(year) else { fail(usage, status: 2) }
        return (positional[0], year, anchors)
    }

    /// Cents as `-1234.56`.
    static func amount(_ cents: Cents) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// `text` padded with spaces to `width`: on the right if `left`, else on the left.
    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let spaces = String(repeating: " ", count: max(1, width - text.count))
        return left ? text + spaces : spaces + text
    }

    /// Writes `message` to standard error and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
