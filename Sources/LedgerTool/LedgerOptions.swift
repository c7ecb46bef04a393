import ArgumentParser
import ClientLedger
import EventLog
import ClientLedgerPostgres
import Foundation

/// The options every command shares: which ledger (a directory, or a ledger in PostgreSQL with its
/// local replica), and whether to print JSON.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("ledger"), help: ArgumentHelp("The ledger's directory (default: CLIENTLEDGER_LEDGER, or ./salon.ledger).", valueName: "PATH"))
    var ledgerArgument: String?

    /// The ledger's directory: `--ledger`, else `CLIENTLEDGER_LEDGER`, else `salon.ledger`.
    var ledger: String {
        if let ledgerArgument { return ledgerArgument }
        if let path = ProcessInfo.processInfo.environment["CLIENTLEDGER_LEDGER"], !path.isEmpty { return path }
        return "salon.ledger"
    }

    @Flag(name: .long, help: "Print JSON for programs instead of a table.")
    var json = false

    /// A ledger in PostgreSQL (`--postgres`, `--salon`): then `--ledger` names the local replica.
    @OptionGroup var postgres: PostgresOptions

    /// The language, and how dates, numbers and money are written (`--locale`).
    @OptionGroup var locale: LocaleOption

    /// How a command opens the ledger.
    enum Access {
        /// Reading only: nothing is written, nothing is created; works on a read-only copy.
        case reading
        /// Recording into an existing ledger.
        case writing
        /// Recording, creating the ledger if there is none (demo, import).
        case creating
    }

    /// Opens the ledger for `access`; it must exist unless `.creating`. `rebuildBatchSize`,
    /// `rebuildWorkers`: see ``SalonLedger/Options/rebuildBatchSize`` and
    /// ``SalonLedger/Options/rebuildWorkers`` (`nil`: their defaults).
    ///
    /// A ledger in PostgreSQL is opened through its local replica at `--ledger` (created if absent),
    /// which every command first brings up to date: the ledger in the database is only read by the
    /// commands that read, and written through its lock by those that record.
    func open(_ access: Access, rebuildBatchSize: UInt64? = nil, rebuildWorkers: Int? = nil) throws(ToolError) -> SalonLedger {
        let ledger = try openLedger(access, rebuildBatchSize: rebuildBatchSize, rebuildWorkers: rebuildWorkers)
        present(with: ledger)
        return ledger
    }

    /// Writes for people from now on in the salon's time zone and its currency (the locale was
    /// chosen as the command began: ``reportingErrors(_:_:)``).
    func present(with ledger: SalonLedger) {
        let settings = try? ledger.salonSettings()
        Presentation.current.withLock { presentation in
            if let zone = settings.flatMap({ TimeZone(identifier: $0.timeZone) }) { presentation.timeZone = zone }
            if let currency = settings?.currency { presentation.currency = currency }
        }
    }

    private func openLedger(_ access: Access, rebuildBatchSize: UInt64?, rebuildWorkers: Int?) throws(ToolError) -> SalonLedger {
        var options = SalonLedger.Options(readOnly: access == .reading)
        if let rebuildBatchSize { options.rebuildBatchSize = rebuildBatchSize }
        if let rebuildWorkers { options.rebuildWorkers = rebuildWorkers }
        if let target = try postgres.target() {
            let shared = try postgres.connect(target)
            options.readOnly = false // the replica is brought up to date; the ledger is written only by commands
            do {
                return try SalonLedger(replicaAt: ledger, of: shared, options: options, pollInterval: nil)
            } catch {
                throw ToolError(error)
            }
        }
        if access != .creating { try requireLedger(holdingLog: access == .writing) }
        do {
            return try SalonLedger(path: ledger, options: options)
        } catch {
            throw ToolError(error) // its sentence names the ledger's path
        }
    }

    /// Opens the ledger's event log alone, read-only (for verify and stats: no keys needed).
    func openLog() throws(ToolError) -> EventLog {
        try requireLedger()
        do {
            return try EventLog(path: ledger, options: .readOnly)
        } catch {
            throw ToolError(error)
        }
    }

    /// Refuses a `--ledger` that is not a directory; with `holdingLog` (a command that records),
    /// also one without a log in it, which opening would make: an empty directory is not a ledger
    /// to archive, erase or rebuild in. (A reading command opens such a directory read-only, which
    /// refuses it and makes nothing.)
    func requireLedger(holdingLog: Bool = false) throws(ToolError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ledger, isDirectory: &isDirectory), isDirectory.boolValue,
              !holdingLog || FileManager.default.fileExists(atPath: ledger + "/data.mdb") else {
            throw ToolError(.unavailable, "there is no ledger at \(ledger) (run `ledger demo` or `ledger import` to create one, or pass --ledger PATH)")
        }
    }
}
