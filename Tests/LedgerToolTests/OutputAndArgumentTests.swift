import Foundation
import Testing

/// Where the tool's commands write their answers, and arguments they refuse, naming them as typed.
@Suite("ledger: output files and refused arguments")
struct OutputAndArgumentTests {
    /// A scratch directory with the fixture salon imported into `salon.ledger`.
    func importedSalon() throws -> (scratch: Scratch, path: String) {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
        return (scratch, path)
    }

    @Test("an export or a report never replaces a directory, nor writes into the ledger, nor leaves a partial file")
    func outputFiles() throws {
        let (scratch, path) = try importedSalon()
        // A directory with someone's file in it: an export named it and removed it all, once.
        let folder = scratch.child("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: folder + "/keep.txt"))
        let ledgerBefore = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        let refused: [[String]] = [
            ["export", folder], ["export", path], ["export", path + "/data.mdb"], ["export", path + "/new.jsonl"], ["export", ""],
            ["audit", "--from", "2025-01-01", "--to", "2026-12-31", "--html", folder],
            ["coverage", "--now", "2026-11-22", "--html", path + "/coverage.html"],
            ["residual", "--monthly", "--from", "2026-01-01", "--to", "2026-06-30", "--html", folder],
        ]
        for arguments in refused {
            let run = try ledger(arguments + ["--ledger", path], in: scratch)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.isEmpty, "\(arguments): \(run.stderr)")
        }
        #expect(try ledger("export", "", "--ledger", path, in: scratch).stderr.contains("empty"))
        #expect(try ledger("export", folder, "--ledger", path, in: scratch).stderr.contains("is a directory"))
        #expect(try ledger("export", path + "/x.jsonl", "--ledger", path, in: scratch).stderr.contains("inside the ledger"))
        #expect(try String(contentsOfFile: folder + "/keep.txt", encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == ["client-keys", "data.mdb", "lock.mdb"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")) == ledgerBefore)
        #expect(try ledger("verify", "--ledger", path, in: scratch).status == 0)

        // A file is replaced whole, once complete, and nothing else is left beside it.
        let file = scratch.child("events.jsonl")
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(try ledger("export", file, "--ledger", path, in: scratch).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600, "it keeps the permissions of the file it replaced")
        let exported = try String(contentsOfFile: file, encoding: .utf8)
        #expect(exported.hasPrefix("{") && !exported.contains("old\n"))
        #expect(try ledger("export", "--ledger", path, in: scratch).stdout == exported)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: scratch.path)).contains { $0.contains("partial") })
        // A device is written into, never replaced (as root, replacing /dev/null would remove it).
        #expect(try ledger("export", "/dev/null", "--ledger", path, in: scratch).status == 0)
        let null = try FileManager.default.attributesOfItem(atPath: "/dev/null")
        #expect(null[.type] as? FileAttributeType == .typeCharacterSpecial)
        // An HTML report goes where it is sent.
        let page = scratch.child("audit.html")
        #expect(try ledger("audit", "--from", "2025-01-01", "--to", "2026-12-31", "--html", page, "--ledger", path, in: scratch).status == 0)
        #expect(try String(contentsOfFile: page, encoding: .utf8).contains("<html"))
    }

    @Test("--monthly reports a whole century of months, and refuses more")
    func century() throws {
        let (scratch, path) = try importedSalon()
        let century = try ledger("residual", "--monthly", "--from", "2000-01-01", "--to", "2099-12-31", "--json", "--ledger", path, in: scratch)
        #expect(century.status == 0, "\(century.stderr)")
        #expect((try century.json() as? [Any])?.count == 1_200)
        let more = try ledger("residual", "--monthly", "--from", "2000-01-01", "--to", "2100-01-31", "--ledger", path, in: scratch)
        #expect(more.status == 1)
        #expect(more.stderr.contains("at most 1200 months"), "\(more.stderr)")
    }

    @Test("every --json output has its keys sorted, at every level")
    func sortedKeys() throws {
        let (scratch, path) = try importedSalon()
        for arguments in [["stats"], ["coverage", "--now", "2026-11-22"], ["residual", "--monthly", "--from", "2026-01-01", "--to", "2026-03-31"],
                          ["rebuild"], ["card", "ada"]] {
            let run = try ledger(arguments + ["--json", "--ledger", path], in: scratch)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            // The keys of one object follow each other at one indentation; an object opening
            // (a line ending in `{` or `[`) begins the keys one level deeper anew.
            var last: [Int: String] = [:]
            for line in run.stdout.split(separator: "\n") {
                let indent = line.prefix { $0 == " " }.count
                let body = line.dropFirst(indent)
                if body.hasPrefix("\""), let colon = body.range(of: "\": ") {
                    let key = String(body[body.index(after: body.startIndex)..<colon.lowerBound])
                    if let previous = last[indent] {
                        #expect(previous.utf8.lexicographicallyPrecedes(key.utf8), "\(arguments): \(previous) before \(key)")
                    }
                    last[indent] = key
                }
                if body.hasSuffix("{") || body.hasSuffix("[") { last[indent + 2] = nil }
            }
        }
    }

    @Test("arguments are refused naming them as typed, with the documented exit codes")
    func refusedArguments() throws {
        let (scratch, path) = try importedSalon()
        for command in ["audit", "points-liability"] {
            let run = try ledger(command, "--from", "2026-12-31", "--to", "2026-01-01", "--ledger", path, in: scratch)
            #expect(run.status == 1)
            #expect(run.stderr.contains("--from 2026-12-31 is after --to 2026-01-01"), "\(command): \(run.stderr)")
        }
        let channel = try ledger("coverage", "--schedule-missing", "--channel", "fax", "--ledger", path, in: scratch)
        #expect(channel.status == 64, "a malformed command line: \(channel.stderr)")
        let unknownClient = try ledger("coverage", "--schedule-missing", "--only", "nobody/a1", "--ledger", path, in: scratch)
        #expect(unknownClient.status == 1)
        #expect(unknownClient.stderr.contains("there is no client nobody"), "\(unknownClient.stderr)")
        let unknownAppointment = try ledger("coverage", "--schedule-missing", "--only", "ada/no-such-appointment", "--ledger", path, in: scratch)
        #expect(unknownAppointment.status == 1)
        #expect(unknownAppointment.stderr.contains("has no appointment no-such-appointment"), "\(unknownAppointment.stderr)")
        let missing = try ledger("verify", "--anchors", scratch.child("no-such-file"), "--ledger", path, in: scratch)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let folder = try ledger("verify", "--anchors", scratch.path, "--ledger", path, in: scratch)
        #expect(folder.stderr.contains("is a directory"), "\(folder.stderr)")
    }
}
