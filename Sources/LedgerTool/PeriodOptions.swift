import ArgumentParser
import ClientLedger
import EventLog

/// `--from` and `--to`: a period, its start exclusive and its end inclusive (the audit's, the points liability's).
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The period's start, exclusive; a date means the start of that day.", valueName: "INSTANT"))
    var from: String

    @Option(help: ArgumentHelp("The period's end, inclusive; a date means the end of that day.", valueName: "INSTANT"))
    var to: String

    /// The period's instants, plain dates placed in the salon's time zone.
    func instants(_ ledger: SalonLedger) throws -> (start: Timestamp, end: Timestamp) {
        (try InstantArgument.parse(from, option: "--from", dayEnd: .start, ledger: ledger),
         try InstantArgument.parse(to, option: "--to", dayEnd: .end, ledger: ledger))
    }
}
