import ArgumentParser

/// `ledger`: the command-line tool for a salon's client ledger, for operators and accountants.
@main
struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Query, import, audit and maintain a salon's client ledger.",
        discussion: """
            Every command takes --ledger PATH (default: CLIENTLEDGER_LEDGER, else ./salon.ledger) \
            and prints a table; --json prints JSON for programs, and --csv a spreadsheet where one \
            is natural. The commands that only read (card, clients, subject-access, residual, audit, \
            coverage, nudges, verify, export, stats, backup) write nothing and create nothing: they \
            work on a read-only copy.

            Tables, CSV and reports are written in the salon's time zone and a locale: --locale \
            de-DE, nl-NL or en-GB (default: CLIENTLEDGER_LOCALE, else the language of LC_ALL or \
            LANG). CSV opens in that locale's Excel. JSON keeps UTC instants and cents.

            With --postgres CONNINFO --salon ID (or CLIENTLEDGER_POSTGRES and CLIENTLEDGER_SALON) \
            a command works on that ledger in PostgreSQL, and --ledger names its local replica, \
            which the command creates if absent and brings up to date first; the ledger in the \
            database is written only by the commands that record.

            Instants are RFC 3339 (2026-11-22T10:00:00Z, 2026-11-22T11:00:00+01:00) or plain dates \
            (2026-11-22). A plain date means the start of that day in the salon's time zone for \
            --from, and its end for --as-of, --to and --now.

            Exit codes:
              0   success
              1   the input or the ledger's rules refused the command (the message says which)
              2   the hash chain does not hold (any command that reads records stops at the first break), or an anchor is not on it
              3   the ledger cannot be opened, read or written, or its data file is damaged
              64  the command line is malformed
            """,
        version: "1.0.0",
        subcommands: [
            DemoCommand.self, ImportCommand.self, ExportCommand.self,
            CardCommand.self, ClientsCommand.self, SubjectAccessCommand.self,
            ArchiveCommand.self, ReactivateCommand.self, EraseCommand.self,
            ResidualCommand.self, AuditCommand.self, PointsLiabilityCommand.self,
            CoverageCommand.self, NudgesCommand.self,
            VerifyCommand.self, RebuildCommand.self, StatsCommand.self, BackupCommand.self, RestoreCommand.self,
            PushCommand.self, PullCommand.self,
        ]
    )
}
