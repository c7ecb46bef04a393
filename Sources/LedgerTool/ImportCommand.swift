import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger import FILE`: imports JSON Lines events, all or nothing.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import events in the JSON Lines interchange format: all of them, or none.",
        discussion: """
            Every line is checked by the same rules as the Swift API. The first line that fails is \
            named with its field, and nothing is imported (exit code 1). The events are recorded in \
            one transaction: a killed import leaves the ledger as it was. Creates the ledger if absent.
            """)

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("The file to read; - reads standard input.", valueName: "FILE"))
    var file: String

    func run() async throws {
        try await reportingErrors(options) {
            var isDirectory: ObjCBool = false
            guard file == "-" || (FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) && !isDirectory.boolValue
                                  && FileManager.default.isReadableFile(atPath: file)) else {
                throw ToolError(.refused, "cannot read \(file)")
            }
            // A refused import into a ledger that did not exist leaves nothing behind: not the
            // directories it made, nor the files it made in a directory that was there (empty).
            let fileManager = FileManager.default
            let ledgerExisted = fileManager.fileExists(atPath: options.ledger + "/data.mdb")
            let directoryExisted = fileManager.fileExists(atPath: options.ledger)
            let madeFiles = ["data.mdb", ClientKeyStore.fileName, "lock.mdb"].filter { !fileManager.fileExists(atPath: options.ledger + "/" + $0) }
            var made = MadeDirectories()
            if !directoryExisted {
                do throws(EventLogError) { try made.make(options.ledger) } catch { throw ToolError(error) }
            }
            let summary: ImportSummary
            let progress = ProgressReporter()
            let report: @Sendable (ImportProgress) -> Void = { step in
                progress.report("import: " + say(step.phase == .checking ? .checking : .recording), done: UInt64(step.events), total: step.total.map(UInt64.init))
            }
            do {
                let ledger = try options.open(.creating)
                if file == "-" {
                    summary = try await ledger.importInterchange(utf8: Array(FileHandle.standardInput.readDataToEndOfFile()), actor: "ledger import", progress: report)
                } else {
                    // Read twice in pieces (decide, then record), never whole.
                    summary = try await ledger.importInterchange(contentsOf: URL(fileURLWithPath: file), actor: "ledger import", progress: report)
                }
            } catch {
                if !ledgerExisted {
                    if directoryExisted {
                        for name in madeFiles { try? fileManager.removeItem(atPath: options.ledger + "/" + name) }
                    } else {
                        made.remove()
                    }
                }
                throw error
            }
            if options.json {
                print(JSONOutput.object([
                    ("events", .int(Int64(summary.events))), ("clients", .int(Int64(summary.clients))),
                    ("firstPosition", summary.positions.map { .int(Int64($0.lowerBound)) } ?? .null),
                    ("lastPosition", summary.positions.map { .int(Int64($0.upperBound)) } ?? .null),
                ]).rendered())
            } else if let positions = summary.positions {
                print(say(.imported(summary.events, clients: summary.clients, first: positions.lowerBound, last: positions.upperBound)))
            } else {
                print(say(.nothingToImport))
            }
        }
    }
}
