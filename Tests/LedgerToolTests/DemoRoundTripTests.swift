import Foundation
import Testing

/// The demo's history, exported and imported again, gives the same answers.
@Suite("ledger demo, export and import")
struct DemoRoundTripTests {
    static let now = "2026-11-22T12:00:00Z"

    @Test("the demo is reproducible by seed, and its export imports into an equal ledger (erasures included)")
    func roundTrip() throws {
        let scratch = Scratch()
        let first = scratch.child("first.ledger"), second = scratch.child("second.ledger"), copy = scratch.child("copy.ledger")
        let demo = try ledger("demo", "--clients", "200", "--seed", "7", "--now", Self.now, "--ledger", first, in: scratch)
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("A client card") && demo.stdout.contains("Reminder coverage") && demo.stdout.contains("Head hash"))
        try #require(try ledger("demo", "--clients", "200", "--seed", "7", "--now", Self.now, "--ledger", second, in: scratch).status == 0)

        let export = scratch.child("export.jsonl")
        let exported = try ledger("export", export, "--ledger", first, in: scratch)
        #expect(exported.status == 0, "\(exported.stderr)")
        let imported = try ledger("import", export, "--ledger", copy, in: scratch)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try String(contentsOfFile: export, encoding: .utf8).contains(#""type":"ClientErased""#), "the demo erases a few clients")

        let queries: [[String]] = [
            ["clients"], ["clients", "--archived"], ["residual", "--as-of", Self.now], ["nudges", "--now", Self.now],
            ["coverage", "--now", Self.now], ["card", "c1", "--now", Self.now],
        ]
        for query in queries {
            let answers = try [first, second, copy].map { path in try ledger(query + ["--ledger", path, "--json"], in: scratch) }
            #expect(answers.allSatisfy { $0.status == 0 }, "\(query): \(answers.map(\.stderr))")
            #expect(answers[0].stdout == answers[1].stdout, "the same seed gave another answer to \(query)")
            #expect(answers[0].stdout == answers[2].stdout, "the imported export answers \(query) differently")
        }
        var audits = try [first, copy].map { path in
            try ledger("audit", "--from", "2025-01-01", "--to", "2026-11-22", "--ledger", path, "--json", in: scratch).object()
        }
        #expect(audits[0]["verified"] as? Bool == true)
        // The chains differ (other record times and ciphertexts): so do the head hashes, at the top and in the verification.
        for index in audits.indices {
            audits[index]["headHash"] = nil
            var verification = audits[index]["verification"] as? [String: Any] ?? [:]
            #expect(verification.removeValue(forKey: "headHash") as? String != nil)
            audits[index]["verification"] = verification
        }
        #expect(NSDictionary(dictionary: audits[0]) == NSDictionary(dictionary: audits[1]))
        #expect((audits[0]["sold"] as? Int ?? 0) > 0)
    }
}
