import Foundation
import Testing
@testable import EventLog

/// The tool as an auditor, an operator and an attacker with file access would use it.
@Suite("ledger: read-only copies, tampering, truncation, damage, backups")
struct TrustCommandTests {
    /// Every file of `directory` with its bytes.
    func contents(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }

    @Test("every reading command works on a read-only copy as another user, and changes no byte")
    func readOnlyCopy() throws {
        let (scratch, path) = try importedSalon()
        let archive = scratch.child("archive")
        try FileManager.default.copyItem(atPath: path, toPath: archive)
        // The lock file is LMDB's table of readers; a copy made by hand has one, read-only here.
        for name in try FileManager.default.contentsOfDirectory(atPath: archive) {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: archive + "/" + name)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: archive)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: archive) }
        let before = try contents(archive)
        let backups = scratch.child("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: backups)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let commands: [[String]] = [
            ["card", "ada"], ["clients"], ["residual", "--as-of", "2026-06-30"], ["audit", "--from", "2025-01-01", "--to", "2026-12-31"],
            ["coverage", "--now", "2026-11-22"], ["nudges", "--now", "2026-11-22"], ["verify"], ["export"], ["stats"],
            ["backup", backups + "/copy"],
        ]
        for command in commands {
            let run = try ledger(command + ["--ledger", archive], in: scratch, asAnotherUser: true)
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        #expect(try contents(archive) == before, "no byte of the archive changed, and nothing was created in it")
        #expect(try ledger("card", "ada", "--ledger", archive, in: scratch, asAnotherUser: true).stdout.contains("Ada"))
        // A change is refused, not half-tried.
        let lines = scratch.child("more.jsonl") // beside the tool's copy: the fixtures may lie where others cannot go
        try FileManager.default.copyItem(atPath: try fixture("salon.jsonl"), toPath: lines)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: lines)
        let refused = try ledger("import", lines, "--ledger", archive, in: scratch, asAnotherUser: true)
        #expect(refused.status == 3)
        #expect(try contents(archive) == before)
    }

    @Test("reading commands on an empty or missing directory create nothing", arguments: ["stats", "verify", "card", "export"])
    func nothingCreated(command: String) throws {
        let scratch = Scratch()
        let empty = scratch.child("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let arguments = command == "card" ? [command, "ada"] : [command]
        #expect(try ledger(arguments + ["--ledger", empty], in: scratch).status == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        let missing = scratch.child("missing")
        #expect(try ledger(arguments + ["--ledger", missing], in: scratch).status == 3)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("on a tampered copy, rebuild, export and stats stop at the break with exit 2 and write nothing")
    func tamperedCopy() throws {
        let (scratch, path) = try importedSalon()
        // Event 8 sells ada "10 blow-dries"; its plan is stored in the clear in the record (and her card).
        try #require(try overwriteEveryOccurrence(of: "blow-dries", in: path + "/data.mdb", firstLetterWith: "g") > 0)

        let rebuild = try ledger("rebuild", "--ledger", path, in: scratch)
        #expect(rebuild.status == 2)
        #expect(rebuild.stderr.contains("position 8"), "\(rebuild.stderr)")
        let exported = scratch.child("export.jsonl")
        let export = try ledger("export", exported, "--ledger", path, in: scratch)
        #expect(export.status == 2)
        #expect(!FileManager.default.fileExists(atPath: exported))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: scratch.path)).contains { $0.contains("partial") }, "no partial file is left beside it")
        #expect(try ledger("export", "--from", "9", "--ledger", path, in: scratch).status == 0, "records after the break link to its stored hash")
        #expect(try ledger("stats", "--ledger", path, in: scratch).status == 2)
        #expect(try ledger("backup", scratch.child("b"), "--ledger", path, in: scratch).status == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch.child("b")))
    }

    @Test("a log cut short passes verify and audit, but not an anchor kept outside it; a malformed anchor is refused")
    func truncation() throws {
        let (scratch, path) = try importedSalon()
        // One more checkout of ada, to be cut off: a record of a type and stream that others use too
        // (cutting the first use of a type or stream leaves a name no record uses, which verify sees).
        let more = #"{"type":"CheckedOut","at":"2026-11-30T10:00:00Z","client":"ada","visit":"v-last","revenue":100}"#
        try #require(try ledger("import", "-", "--ledger", path, in: scratch, stdin: more).status == 0)
        let head = try #require(try ledger("audit", "--from", "2025-01-01", "--to", "2026-12-31", "--ledger", path, "--json", in: scratch)
            .object()["headHash"] as? String)
        let anchors = scratch.child("anchors.txt")
        try "# head hashes of our audits\n\n\(head)\n".write(toFile: anchors, atomically: true, encoding: .utf8)
        #expect(try ledger("verify", "--anchors", anchors, "--ledger", path, in: scratch).status == 0)
        do {
            let log = try EventLog(path: path)
            try log.core.environment.write { txn in
                var key = UInt64(43).bigEndian
                try withUnsafeBytes(of: &key) { _ = try txn.delete(log.core.schema.events, key: $0) }
            }
        }
        #expect(try ledger("verify", "--ledger", path, in: scratch).status == 0, "without an anchor the cut cannot be seen")
        let verify = try ledger("verify", "--anchors", anchors, "--ledger", path, in: scratch)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("ends at position 42"), "\(verify.stderr)")
        let audit = try ledger("audit", "--from", "2025-01-01", "--to", "2026-12-31", "--anchor", head, "--ledger", path, in: scratch)
        #expect(audit.status == 2)
        #expect(audit.stdout.contains("head hash (keep it with this report): 42:"))
        let malformed = try ledger("verify", "--anchor", "1042:9f86d0…", "--ledger", path, in: scratch)
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("64 hexadecimal digits"), "\(malformed.stderr)")
        try "not-a-hash\n".write(toFile: anchors, atomically: true, encoding: .utf8)
        #expect(try ledger("audit", "--from", "2025-01-01", "--to", "2026-12-31", "--anchors", anchors, "--ledger", path, in: scratch)
            .stderr.contains("line 1"))
    }

    @Test("damaged pages end every command with exit 2 or 3, never with a signal")
    func damagedPages() throws {
        let (scratch, path) = try importedSalon()
        let pristine = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        var generator = SystemRandomNumberGenerator()
        let pages = pristine.count / 4096
        for trial in 0..<12 {
            var damaged = pristine
            let page = 2 + Int.random(in: 0..<max(pages - 2, 1), using: &generator)
            for offset in 0..<24 { damaged[page * 4096 + offset] = UInt8.random(in: 0...255, using: &generator) }
            let copy = scratch.child("damaged\(trial)")
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try damaged.write(to: URL(fileURLWithPath: copy + "/data.mdb"))
            try FileManager.default.copyItem(atPath: path + "/client-keys", toPath: copy + "/client-keys")
            for command in [["verify"], ["export"], ["card", "ada"], ["residual"]] {
                let run = try ledger(command + ["--ledger", copy], in: scratch)
                #expect(!run.killedBySignal, "page \(page), \(command): \(run.stderr)")
                #expect([0, 2, 3].contains(run.status), "page \(page), \(command): \(run.status) \(run.stderr)")
                if run.status == 3 { #expect(run.stderr.contains("damaged") || run.stderr.contains("cannot"), "\(run.stderr)") }
            }
        }
    }

    @Test("a backup restores into a ledger with the same head and cards; restore never overwrites")
    func backupAndRestore() throws {
        let (scratch, path) = try importedSalon()
        let backup = scratch.child("backup")
        let made = try ledger("backup", backup, "--ledger", path, "--json", in: scratch)
        #expect(made.status == 0, "\(made.stderr)")
        let head = try #require(try made.object()["headHash"] as? String)
        let restored = scratch.child("restored")
        let restore = try ledger("restore", backup, "--ledger", restored, in: scratch)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try ledger("verify", "--anchor", head, "--ledger", restored, in: scratch).status == 0)
        #expect(try ledger("card", "ada", "--ledger", restored, "--json", in: scratch).stdout
                == (try ledger("card", "ada", "--ledger", path, "--json", in: scratch).stdout))
        #expect(try ledger("restore", backup, "--ledger", path, in: scratch).status == 1, "restore never overwrites a ledger")
        #expect(try ledger("backup", backup, "--ledger", path, in: scratch).status == 1, "nor does a backup")
    }

    @Test("an import with CR LF line ends is read; a line that is not UTF-8 is refused by its number; nothing is written")
    func importBytes() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let lines = try String(contentsOfFile: try fixture("salon.jsonl"), encoding: .utf8).split(separator: "\n")
        try Data(lines.joined(separator: "\r\n").utf8).write(to: URL(fileURLWithPath: scratch.child("crlf.jsonl")))
        #expect(try ledger("import", scratch.child("crlf.jsonl"), "--ledger", path, in: scratch).status == 0)
        var bad = Data(lines[0].utf8)
        bad.append(0x0A)
        bad.append(Data(#"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"zoe","name":"Z"#.utf8))
        bad.append(contentsOf: [0xFF, 0x22, 0x7D])
        try bad.write(to: URL(fileURLWithPath: scratch.child("bad.jsonl")))
        let other = scratch.child("other.ledger")
        let refused = try ledger("import", scratch.child("bad.jsonl"), "--ledger", other, in: scratch)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 2") && refused.stderr.contains("UTF-8"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    /// A new ledger in which ada, who agrees to reminders, booked `appointments` yesterday, all
    /// three days from now, none with a reminder yet.
    static func salonWithUpcomingAppointments(_ appointments: [String]) throws -> (scratch: Scratch, path: String) {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let now = Timestamp.now.microsecondsSinceEpoch / 1_000_000
        let soon = Timestamp(microsecondsSinceEpoch: (now + 3 * 86_400) * 1_000_000)
        let booked = Timestamp(microsecondsSinceEpoch: (now - 86_400) * 1_000_000)
        var lines = [#"{"type":"ClientRegistered","at":"\#(booked)","client":"ada","name":"Ada"}"#,
                     #"{"type":"ConsentChanged","at":"\#(booked)","client":"ada","consent":"reminders","granted":true}"#]
        for appointment in appointments {
            lines.append(#"{"type":"AppointmentBooked","at":"\#(booked)","client":"ada","appointment":"\#(appointment)","start":"\#(soon)","minutes":60,"service":"cut"}"#)
        }
        try lines.joined(separator: "\n").write(toFile: scratch.child("soon.jsonl"), atomically: true, encoding: .utf8)
        try #require(try ledger("import", scratch.child("soon.jsonl"), "--ledger", path, in: scratch).status == 0)
        return (scratch, path)
    }

    @Test("--schedule-missing records reminders dated now, for the appointments of the next 7 days")
    func scheduleNow() throws {
        let now = Timestamp.now
        let (scratch, path) = try Self.salonWithUpcomingAppointments(["a1"])
        let run = try ledger("coverage", "--schedule-missing", "--ledger", path, "--json", in: scratch)
        #expect(try run.object()["scheduled"] as? Int == 1)
        let exported = try ledger("export", "--from", "4", "--ledger", path, in: scratch).stdout
        let at = try #require(exported.split(separator: "\"at\":\"").dropFirst().first?.split(separator: "\"").first)
        let dated = try #require(Timestamp(rfc3339: at))
        #expect(dated >= now.adding(microseconds: -1_000_000) && dated <= Timestamp.now, "dated when it was recorded: \(dated)")
    }
}
