import ArgumentParser
import ClientLedger
import Foundation

/// The options every command shares: which ledger, and whether to print JSON.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger's directory.", valueName: "PATH"))
    var ledger = "salon.ledger"

    @Flag(name: .long, help: "Print JSON for programs instead of a table.")
    var json = false

    /// Opens the ledger, which must exist unless `creating` (demo, import).
    func open(creating: Bool = false) throws(ToolError) -> SalonLedger {
        if !creating {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: ledger, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ToolError(.unavailable, "there is no ledger at \(ledger) (run `ledger demo` or `ledger import` to create one, or pass --ledger PATH)")
            }
        }
        do {
            return try SalonLedger(path: ledger)
        } catch {
            throw ToolError(.unavailable, "cannot open the ledger at \(ledger): \(error.message)")
        }
    }
}
