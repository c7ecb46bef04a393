import ArgumentParser
import EventLog
import Foundation
import PostgresLog

/// Where a ledger lives in PostgreSQL: `--postgres CONNINFO --salon ID`, or the environment's
/// `CLIENTLEDGER_POSTGRES` and `CLIENTLEDGER_SALON` (so that a password in the connection string
/// need not appear on a command line). Every command takes them (``LedgerOptions``); `--ledger`
/// then names the local replica.
struct PostgresOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The PostgreSQL database: a libpq connection string (\"host=db dbname=salons\") or URL (postgresql://user@db/salons). Default: $CLIENTLEDGER_POSTGRES.", valueName: "CONNINFO"))
    var postgres: String?

    @Option(name: .long, help: ArgumentHelp("The ledger's id in that database (1–255 bytes). Default: $CLIENTLEDGER_SALON.", valueName: "ID"))
    var salon: String?

    /// The connection string and ledger id, from the options or the environment; `nil` if neither
    /// names a database.
    func target() throws(ToolError) -> (conninfo: String, salon: String)? {
        let environment = ProcessInfo.processInfo.environment
        guard let conninfo = postgres ?? environment["CLIENTLEDGER_POSTGRES"], !conninfo.isEmpty else {
            if salon != nil { throw ToolError(.refused, "--salon names a ledger in PostgreSQL: give the database with --postgres CONNINFO (or CLIENTLEDGER_POSTGRES)") }
            return nil
        }
        guard let salon = salon ?? environment["CLIENTLEDGER_SALON"], !salon.isEmpty else {
            throw ToolError(.refused, "a ledger in PostgreSQL needs its id: give --salon ID (or CLIENTLEDGER_SALON)")
        }
        guard salon.utf8.count <= 255, !salon.utf8.contains(0) else {
            throw ToolError(.refused, "--salon: \"\(salon)\" is not a ledger id (1 to 255 bytes of UTF-8 without NUL)")
        }
        return (conninfo, salon)
    }

    /// Connects to the ledger in PostgreSQL that the options name.
    func connect(_ target: (conninfo: String, salon: String)) throws(ToolError) -> PostgresLog {
        do {
            return try PostgresLog(connectingTo: target.conninfo, ledger: target.salon)
        } catch {
            throw ToolError(error)
        }
    }
}
