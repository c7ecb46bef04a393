import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// The options every command shares: which ledger, and whether to print JSON.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger's directory.", valueName: "PATH"))
    var ledger = "salon.ledger"

    @Flag(name: .long, help: "Print JSON for programs instead of a table.")
    var json = false

    /// How a command opens the ledger.
    enum Access {
        /// Reading only: nothing is written, nothing is created; works on a read-only copy.
        case reading
        /// Recording into an existing ledger.
        case writing
        /// Recording, creating the ledger if there is none (demo, import).
        case creating
    }

    /// Opens the ledger for `access`; it must exist unless `.creating`. `projectionBatchSize`:
    /// see ``SalonLedger/Options/projectionBatchSize`` (`nil`: its default).
    func open(_ access: Access, projectionBatchSize: UInt64? = nil) throws(ToolError) -> SalonLedger {
        if access != .creating { try requireLedger() }
        var options = SalonLedger.Options(readOnly: access == .reading)
        if let projectionBatchSize { options.projectionBatchSize = projectionBatchSize }
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

    private func requireLedger() throws(ToolError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ledger, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ToolError(.unavailable, "there is no ledger at \(ledger) (run `ledger demo` or `ledger import` to create one, or pass --ledger PATH)")
        }
    }
}
