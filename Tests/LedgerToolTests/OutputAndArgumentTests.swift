import Foundation
import Testing

/// Where the tool's commands write their answers, and arguments they refuse, naming them as typed.
@Suite("ledger: output files and refused arguments")
struct OutputAndArgumentTests {
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
        #expect(try ledger("export", folder + "/keep.txt/x.jsonl", "--ledger", path, in: scratch).stderr.contains("keep.txt is not a directory"))
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
        // A negative number is a value refused by name, not an option that "misses a value".
        for arguments in [["export", "--from", "-1"], ["rebuild", "--batch-events", "-5"], ["demo", "--clients", "-1"], ["demo", "--seed", "-3"]] {
            let run = try ledger(arguments + ["--ledger", path], in: scratch)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Missing value") && run.stderr.contains(arguments[1]), "\(arguments): \(run.stderr)")
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

/// What backup, restore and import make and leave, found by a review that lost a directory to them.
@Suite("ledger: backup, restore and import leave nothing they made, and remove nothing that was there")
struct MadeAndLeftTests {
    /// The names below `directory`, recursively, but the files the harness keeps each run's
    /// output in (`*.out`, `*.err`).
    func tree(_ directory: String) throws -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix(".out") && !$0.hasSuffix(".err") }.sorted()
    }

    @Test("a restore never removes what was beside its target, nor the backup itself")
    func restoreKeepsWhatWasThere() throws {
        let (scratch, path) = try importedSalon()
        let backup = scratch.child("bk")
        try #require(try ledger("backup", backup, "--ledger", path, in: scratch).status == 0)
        // Someone's directory with the name the staging directory once had.
        let beside = scratch.child("r2.restoring")
        try FileManager.default.createDirectory(atPath: beside, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: beside + "/notes.txt"))
        #expect(try ledger("restore", backup, "--ledger", scratch.child("r2"), in: scratch).status == 0)
        #expect(try String(contentsOfFile: beside + "/notes.txt", encoding: .utf8) == "precious")
        // The restored directory has the permissions any directory made here gets (not the staging's own).
        let probe = scratch.child("probe")
        try FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: false)
        let permissions = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try permissions(scratch.child("r2")) == permissions(probe))
        // A backup whose name is that of another target's staging directory.
        let named = scratch.child("q.restoring")
        try FileManager.default.copyItem(atPath: backup, toPath: named)
        let restored = try ledger("restore", named, "--ledger", scratch.child("q"), in: scratch)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try ledger("verify", "--ledger", named, in: scratch).status == 0, "the backup is still there")
        #expect(!(try tree(scratch.path)).contains { $0.contains(".restoring-") }, "no staging directory is left")
    }

    @Test("a restore is refused, naming why, where it would write into the backup, through a file, or nowhere")
    func restoreRefusals() throws {
        let (scratch, path) = try importedSalon()
        let backup = scratch.child("bk")
        try #require(try ledger("backup", backup, "--ledger", path, in: scratch).status == 0)
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.child("file.txt")))
        try FileManager.default.createSymbolicLink(atPath: scratch.child("dangling"), withDestinationPath: scratch.child("nowhere"))
        let before = try tree(scratch.path)
        for (target, words) in [(backup + "/sub", "inside the backup"), (scratch.child("file.txt") + "/sub", "is in the way"), ("", "empty"),
                                (scratch.child("dangling"), "is in the way")] {
            let run = try ledger("restore", backup, "--ledger", target, in: scratch)
            #expect(run.status == 1, "\(target): \(run.stderr)")
            #expect(run.stderr.contains(words) && !run.stderr.contains("NSCocoaErrorDomain"), "\(target): \(run.stderr)")
        }
        let after = try tree(scratch.path)
        #expect(after == before, "nothing was made: \(Set(after).symmetricDifference(before).sorted())")
        // A backup that does not verify is named by the position of its break.
        try #require(try overwriteEveryOccurrence(of: "blow-dries", in: backup + "/data.mdb", firstLetterWith: "g") > 0)
        let broken = try ledger("restore", backup, "--ledger", scratch.child("p/q/r"), in: scratch)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("at position 8"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.child("p")))
    }

    @Test("a backup is never written into the ledger it copies; a failed one leaves no directory it made")
    func backupPlaces() throws {
        let (scratch, path) = try importedSalon()
        let ledgerFiles = try tree(path)
        let inside = try ledger("backup", path + "/inside", "--ledger", path, in: scratch)
        #expect(inside.status == 1)
        #expect(inside.stderr.contains("inside the log"), "\(inside.stderr)")
        #expect(try tree(path) == ledgerFiles)
        try #require(try overwriteEveryOccurrence(of: "blow-dries", in: path + "/data.mdb", firstLetterWith: "g") > 0)
        #expect(try ledger("backup", scratch.child("x/y/z"), "--ledger", path, in: scratch).status == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch.child("x")))
    }

    @Test("a refused import leaves nothing it made; recording commands do not make a ledger of an empty directory")
    func importAndRecordingCommands() throws {
        let scratch = Scratch()
        let bad = scratch.child("bad.jsonl")
        try Data(#"{"type":"NoSuchEvent","at":"2026-01-01T10:00:00Z"}"#.utf8).write(to: URL(fileURLWithPath: bad))
        #expect(try ledger("import", bad, "--ledger", scratch.child("n1/n2/l.ledger"), in: scratch).status == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.child("n1")))
        let empty = scratch.child("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(try ledger("import", bad, "--ledger", empty, in: scratch).status == 1)
        #expect(try tree(empty).isEmpty)
        for arguments in [["archive", "c1"], ["erase", "c1", "--yes"], ["reactivate", "c1"], ["rebuild"], ["coverage", "--schedule-missing"]] {
            let run = try ledger(arguments + ["--ledger", empty], in: scratch)
            #expect(run.status == 3, "\(arguments): \(run.stderr)")
            #expect(try tree(empty).isEmpty, "\(arguments) made nothing")
        }
    }
}
