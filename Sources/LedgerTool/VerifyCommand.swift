import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger verify`: walks the hash chain and prints the head hash.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the hash chain from the first event, and print the head hash.",
        discussion: "Exits with 2 and names the first position whose hash does not match, or if --anchor is not on the chain.")

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("A head hash written down earlier (POSITION:HEX): check that the log still holds it.", valueName: "HEAD"))
    var anchor: String?

    func run() async throws {
        try await reportingErrors {
            let ledger = try options.open()
            var anchorHash: HeadHash?
            if let anchor {
                do throws(EventLogError) { anchorHash = try HeadHash(anchor) } catch { throw ToolError(.refused, "--anchor: \(error.message)") }
            }
            let interactive = isatty(STDERR_FILENO) == 1 && !options.json
            let verification = try ledger.log.verify(anchors: anchorHash.map { [$0] } ?? []) { done, total in
                if interactive, done % 65_536 == 0 || done == total { standardError.write("\rverifying \(done)/\(total)") }
            }
            if interactive { standardError.write("\r\u{1B}[K") }
            if options.json {
                print(JSONOutput.object([
                    ("verified", .bool(verification.isIntact)),
                    ("events", .int(Int64(verification.eventsChecked))),
                    ("headHash", .optional(verification.head?.description)),
                    ("firstBrokenPosition", verification.firstBrokenPosition.map { .int(Int64($0)) } ?? .null),
                    ("problem", .optional(verification.problem)),
                    ("anchorMatches", verification.anchorMatches.map { .bool($0) } ?? .null),
                ]).rendered())
            } else if verification.isIntact {
                print("verified \(verification.eventsChecked) events" + (anchorHash != nil ? "; the anchor is on the chain" : ""))
                print("head hash: \(verification.head?.description ?? "(empty log)")")
            }
            if let broken = verification.firstBrokenPosition {
                throw ToolError(.tampered, "the hash chain breaks at position \(broken): \(verification.problem ?? "its hash does not match")")
            }
            if verification.anchorMatches == false {
                throw ToolError(.tampered, "the anchor \(anchor ?? "") is not on the chain: \(verification.problem ?? "the log was rewritten or truncated")")
            }
        }
    }
}
