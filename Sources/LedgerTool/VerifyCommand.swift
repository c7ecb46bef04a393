import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger verify`: walks the hash chain and prints the head hash.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the whole log, check every record and invariant, and print the head hash.",
        discussion: """
            Checks each record's link in the hash chain (its bytes, its type and stream names, the \
            record before it), the streams' versions and links, the tables of names and the \
            stream-heads checkpoint. Exits with 2 naming the first position that does not hold, or \
            an anchor (--anchor, --anchors) the log no longer holds: a log cut short passes every \
            other check. Reads only: works on a read-only copy, and needs no key file. With \
            --postgres and --salon it checks the ledger in PostgreSQL instead, the same way.
            """)

    @OptionGroup var options: LedgerOptions
    @OptionGroup var anchorOptions: AnchorOptions

    func run() async throws {
        try await reportingErrors(options) {
            let anchors = try anchorOptions.anchors()
            let interactive = isatty(STDERR_FILENO) == 1 && !options.json
            let report = { (done: UInt64, total: UInt64) in
                if interactive, done % 65_536 == 0 || done == total { standardError.write("\r\(say(.verifying)) \(done)/\(total)") }
            }
            let verification = if let target = try options.postgres.target() {
                try options.postgres.connect(target).verify(anchors: anchors) { report($0, $1) }
            } else {
                try options.openLog().verify(anchors: anchors) { report($0, $1) }
            }
            if interactive { standardError.write("\r\u{1B}[K") }
            if options.json {
                print(try JSONOutput.encoding(verification).rendered())
            } else if verification.isIntact {
                print(say(.verified(verification.eventsChecked, anchors: anchors.count)))
                print("\(say(.headHash)): \(verification.head?.description ?? say(.emptyLog))")
                if verification.recordsWithoutNames > 0 {
                    print(say(.formatOneNote(verification.recordsWithoutNames)))
                }
            }
            if let problem = chainProblem(verification) { throw ToolError(.tampered, problem) }
        }
    }
}
