import ArgumentParser
import ClientLedger
import Foundation

/// `ledger export`: writes the log as JSON Lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the events as JSON Lines in the interchange format, in log order.",
        discussion: """
            Personal fields are decrypted; an erased client's required personal fields read \
            "(erased)". Every record's link in the hash chain is checked as it is read: at the first \
            break the export stops with exit 2 naming the position (a FILE is then not written at \
            all; it appears only once complete). Reads only.
            """)

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("The first global position to export (default: 1).", valueName: "POS"))
    var from: UInt64 = 1

    @Argument(help: ArgumentHelp("The file to write; - (the default) writes standard output.", valueName: "FILE"))
    var file = "-"

    /// The line feeds in `bytes`, found with `memchr` (a byte-by-byte count was a twentieth of an
    /// export's time).
    static func lineFeeds(in bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard var next = bytes.baseAddress else { return 0 }
        let end = next + bytes.count
        var count: UInt64 = 0
        while next < end, let found = memchr(next, 0x0A, end - next) {
            count += 1
            next = UnsafeRawPointer(found) + 1
        }
        return count
    }

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.reading)
            // Into a file: written beside it and moved into place once complete, so a refused or
            // failed export leaves no partial file.
            let partial = file == "-" ? nil : file + ".partial"
            let output: FileHandle
            if let partial {
                guard FileManager.default.createFile(atPath: partial, contents: nil), let handle = FileHandle(forWritingAtPath: partial) else {
                    throw ToolError(.refused, "cannot write \(file)")
                }
                output = handle
            } else {
                output = FileHandle.standardOutput
            }
            do {
                // Every line is an event: the lines written so far are the progress.
                let last = try ledger.log.lastPosition()
                let total = from <= last ? last - from + 1 : 0
                let progress = ProgressReporter()
                var written: UInt64 = 0
                let count = try ledger.exportInterchangeUTF8(from: from) { chunk in
                    try output.write(contentsOf: chunk)
                    written += Self.lineFeeds(in: chunk)
                    progress.report("export", done: written, total: total)
                }
                if let partial {
                    try output.synchronize()
                    try output.close()
                    if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
                    try FileManager.default.moveItem(atPath: partial, toPath: file)
                    standardError.write(say(.exported(count, to: file)) + "\n")
                }
            } catch {
                if let partial { try? FileManager.default.removeItem(atPath: partial) }
                throw error
            }
        }
    }
}
