import ArgumentParser
import EventLog
import Foundation

/// Head hashes written down earlier, which `verify` and `audit` check: repeatable `--anchor`, and
/// `--anchors FILE` with one per line.
struct AnchorOptions: ParsableArguments {
    @Option(name: .customLong("anchor"), help: ArgumentHelp("A head hash written down earlier (POSITION:HASH, all 64 hex digits): the log must still hold it. Repeatable.", valueName: "HEAD"))
    var anchor: [String] = []

    @Option(name: .customLong("anchors"), help: ArgumentHelp("A file of head hashes, one per line (blank lines and lines starting with # are skipped); - reads standard input.", valueName: "FILE"))
    var anchorsFile: String?

    /// The anchors given; a malformed one is an error naming it (and its line in the file).
    func anchors() throws(ToolError) -> [HeadHash] {
        var anchors: [HeadHash] = []
        for text in anchor {
            do throws(EventLogError) { anchors.append(try HeadHash(text)) } catch { throw ToolError(.refused, "--anchor: \(error.message)") }
        }
        guard let anchorsFile else { return anchors }
        let data: Data
        if anchorsFile == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: anchorsFile, isDirectory: &isDirectory) else {
                throw ToolError(.refused, "the anchors file \(anchorsFile) does not exist")
            }
            guard !isDirectory.boolValue else { throw ToolError(.refused, "the anchors file \(anchorsFile) is a directory") }
            guard let contents = FileManager.default.contents(atPath: anchorsFile) else {
                throw ToolError(.refused, "cannot read the anchors file \(anchorsFile) (no permission?)")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ToolError(.refused, "the anchors file \(anchorsFile) is not UTF-8 text")
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            do throws(EventLogError) {
                anchors.append(try HeadHash(trimmed))
            } catch {
                throw ToolError(.refused, "\(anchorsFile), line \(index + 1): \(error.message)")
            }
        }
        return anchors
    }
}

/// What a verification found, for the tool's output: the sentence of exit code 2, if any.
func chainProblem(_ verification: ChainVerification) -> String? {
    if let broken = verification.firstBrokenPosition {
        return "the hash chain breaks at position \(broken): \(verification.problem ?? "its hash does not match")"
    }
    if let problem = verification.problem { return "the log does not hold: \(problem)" }
    if let failed = verification.anchors.first(where: { !$0.holds }) {
        return "the anchor \(failed.anchor) is not on the chain: \(failed.problem ?? "the log was rewritten or cut short")"
    }
    return nil
}
