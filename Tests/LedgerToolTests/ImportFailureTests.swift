import Foundation
import Testing

/// `ledger import` is all or nothing: a bad line, a broken rule or a kill leaves the ledger as it was.
@Suite("ledger import: all or nothing", .serialized)
struct ImportFailureTests {
    /// Events of `clients` clients with `visits` checkouts each, as JSON Lines.
    static func history(clients: Int, visits: Int, prefix: String = "c") -> String {
        var lines: [String] = []
        for client in 1...clients {
            lines.append(#"{"type":"ClientRegistered","at":"2026-01-01T09:00:00Z","client":"\#(prefix)\#(client)","name":"Client \#(client)","phone":"+4915100\#(client)"}"#)
            for visit in 1...max(1, visits) {
                lines.append(#"{"type":"CheckedOut","at":"2026-02-01T10:00:00Z","client":"\#(prefix)\#(client)","visit":"v\#(visit)","revenue":\#(1000 + visit)}"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a line with an unknown field, or one a rule refuses, is named and nothing is imported")
    func badLines() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
        let before = try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String

        let typo = #"""
            {"type":"ClientRegistered","at":"2026-11-01T09:00:00Z","client":"fay","name":"Fay"}

            {"type":"ClientRegistered","at":"2026-11-01T10:00:00Z","client":"gus","name":"Gus","refferedBy":"fay"}
            """#
        let refusedTypo = try ledger("import", "-", "--ledger", path, in: scratch, stdin: typo)
        #expect(refusedTypo.status == 1)
        #expect(refusedTypo.stderr.hasPrefix("ledger: line 3") && refusedTypo.stderr.contains("refferedBy"), "\(refusedTypo.stderr)")
        #expect(refusedTypo.stderr.split(separator: "\n").count == 1, "one sentence")

        let overdrawn = #"""
            {"type":"ClientRegistered","at":"2026-11-01T09:00:00Z","client":"fay","name":"Fay"}
            {"type":"DiscountRedeemed","at":"2026-11-01T10:00:00Z","client":"ada","points":500,"discount":2500}
            """#
        let refusedRule = try ledger("import", "-", "--ledger", path, in: scratch, stdin: overdrawn)
        #expect(refusedRule.status == 1)
        #expect(refusedRule.stderr.contains("line 2, field points:") && refusedRule.stderr.contains("balance of 128"), "\(refusedRule.stderr)")

        let fresh = scratch.child("fresh.ledger")
        #expect(try ledger("import", "-", "--ledger", fresh, in: scratch, stdin: typo).status == 1)
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused import left an empty ledger behind")

        let after = try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String
        #expect(before == after, "a refused import changed the log")
        #expect(try ledger("card", "fay", "--ledger", path, in: scratch).status == 1)
    }

    @Test("an import killed with SIGKILL part-way leaves nothing behind; the next one succeeds")
    func killedImport() async throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let file = scratch.child("big.jsonl")
        try Self.history(clients: 4_000, visits: 12).write(toFile: file, atomically: true, encoding: .utf8)
        var killedMidway = 0
        for attempt in 0..<3 {
            let (process, _, _) = try startLedger(["import", file, "--ledger", path], in: scratch)
            try await Task.sleep(for: .milliseconds(300 + 400 * attempt))
            let wasRunning = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guard wasRunning, process.terminationReason == .uncaughtSignal else { continue }
            killedMidway += 1
            let stats = try ledger("stats", "--ledger", path, "--json", in: scratch)
            if stats.status == 0 {
                #expect(try stats.object()["events"] as? Int == 0, "a killed import left events behind")
            } else {
                #expect(stats.stderr.contains("there is no ledger"), "\(stats.stderr)")
            }
        }
        #expect(killedMidway > 0, "the import always finished before the kill; make the file bigger")
        let imported = try ledger("import", file, "--ledger", path, "--json", in: scratch)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try imported.object()["events"] as? Int == 4_000 * 13)
        #expect(try ledger("verify", "--ledger", path, in: scratch).status == 0)
    }
}
