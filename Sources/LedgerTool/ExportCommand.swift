import ArgumentParser
import ClientLedger
import Foundation

/// `ledger export`: writes the log as JSON Lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the events as JSON Lines in the interchange format, in log order.",
        discussion: "Personal fields are decrypted; an erased client's personal fields are written empty.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The first global position to export (default: 1).", valueName: "POS"))
    var from: UInt64 = 1

    @Argument(help: ArgumentHelp("The file to write; - (the default) writes standard output.", valueName: "FILE"))
    var file = "-"

    func run() async throws {
        try await reportingErrors {
            let ledger = try options.open()
            let output: FileHandle
            if file == "-" {
                output = FileHandle.standardOutput
            } else {
                guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
                    throw ToolError(.refused, "cannot write \(file)")
                }
                output = handle
            }
            var buffer = Data()
            let count = try ledger.exportInterchange(from: from) { line in
                buffer.append(contentsOf: line.utf8)
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 {
                    output.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            output.write(buffer)
            if file != "-" {
                try output.close()
                standardError.write("Exported \(count) events to \(file).\n")
            }
        }
    }
}
