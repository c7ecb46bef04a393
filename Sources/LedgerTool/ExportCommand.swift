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
            all; it appears, or replaces the file there, only once complete). FILE may not be a \
            directory, nor lie inside the ledger. Reads only.
            """)

    @OptionGroup var options: LedgerOptions

    // `.unconditional`: `--from -1` is refused as a value, not read as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("The first global position to export (default: 1).", valueName: "POS"))
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
            // Into a file: checked before the ledger is read, written beside it and moved into
            // place once complete, so a refused or failed export leaves no partial file.
            let destination = file == "-" ? nil : try OutputFile(file, ledger: options.ledger)
            let ledger = try options.open(.reading)
            // Every line is an event: the lines written so far are the progress.
            let last = try ledger.log.lastPosition()
            let total = from <= last ? last - from + 1 : 0
            let progress = ProgressReporter()
            func export(into output: FileHandle) throws -> Int {
                var written: UInt64 = 0
                return try ledger.exportInterchangeUTF8(from: from) { chunk in
                    try output.write(contentsOf: chunk)
                    written += Self.lineFeeds(in: chunk)
                    progress.report("export", done: written, total: total)
                }
            }
            if let destination {
                var count = 0
                try destination.write { count = try export(into: $0) }
                standardError.write(say(.exported(count, to: file)) + "\n")
            } else {
                _ = try export(into: FileHandle.standardOutput)
            }
        }
    }
}
