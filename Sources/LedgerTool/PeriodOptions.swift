import ArgumentParser
import ClientLedger
import EventLog

/// `--from` and `--to`: a period, its start exclusive and its end inclusive (the audit's, the points liability's).
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The period's start, exclusive; a date means the start of that day.", valueName: "INSTANT"))
    var from: String

    @Option(help: ArgumentHelp("The period's end, inclusive; a date means the end of that day.", valueName: "INSTANT"))
    var to: String

    /// The period's instants, plain dates placed in the salon's time zone; a period that ends
    /// before it starts is refused, naming the options as they were typed.
    func instants(_ ledger: SalonLedger) throws -> (start: Timestamp, end: Timestamp) {
        let start = try InstantArgument.parse(from, option: "--from", dayEnd: .start, ledger: ledger)
        let end = try InstantArgument.parse(to, option: "--to", dayEnd: .end, ledger: ledger)
        guard start <= end else { throw ToolError(.refused, "--from \(from) is after --to \(to): the period ends before it starts") }
        return (start, end)
    }
}
