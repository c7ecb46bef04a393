import Foundation
import Testing

/// `ledger rebuild` while another process appends: no event is lost and the projections agree with
/// a ledger that never rebuilt.
@Suite("ledger rebuild beside a writer")
struct ConcurrentRebuildTests {
    @Test("a rebuild during a stream of imports from another process misses nothing")
    func rebuildWhileAppending() async throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let base = scratch.child("base.jsonl")
        try ImportFailureTests.history(clients: 3_000, visits: 8).write(toFile: base, atomically: true, encoding: .utf8)
        try #require(try ledger("import", base, "--ledger", path, in: scratch).status == 0)

        // Another process appends in small imports while the rebuild runs.
        let chunks = (1...12).map { ImportFailureTests.history(clients: 40, visits: 3, prefix: "late\($0)-") }
        let writer = Task.detached {
            var statuses: [Int32] = [], errors: [String] = []
            for chunk in chunks {
                let run = try ledger("import", "-", "--ledger", path, in: scratch, stdin: chunk)
                statuses.append(run.status)
                if run.status != 0 { errors.append(run.stderr) }
            }
            return (statuses, errors)
        }
        let rebuild = try ledger("rebuild", "--ledger", path, in: scratch)
        let (statuses, errors) = try await writer.value
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("clientCards:"), "plain progress lines when not on a terminal: \(rebuild.stderr)")
        #expect(statuses.allSatisfy { $0 == 0 }, "\(statuses): \(errors)")

        let expectedEvents = 3_000 * 9 + 12 * 40 * 4
        let stats = try ledger("stats", "--ledger", path, "--json", in: scratch).object()
        #expect(stats["events"] as? Int == expectedEvents)
        #expect(stats["clients"] as? Int == 3_000 + 12 * 40)
        #expect(try ledger("verify", "--ledger", path, in: scratch).status == 0)

        // The same events imported into a ledger that never rebuilt: the projections must agree.
        let reference = scratch.child("reference.ledger")
        try #require(try ledger("import", base, "--ledger", reference, in: scratch).status == 0)
        for chunk in chunks { try #require(try ledger("import", "-", "--ledger", reference, in: scratch, stdin: chunk).status == 0) }
        let rebuilt = try ledger("clients", "--ledger", path, "--json", in: scratch)
        let untouched = try ledger("clients", "--ledger", reference, "--json", in: scratch)
        #expect(rebuilt.stdout == untouched.stdout)
        #expect((try rebuilt.json() as? [Any])?.count == 3_000 + 12 * 40)
    }

    @Test("a rebuild in steps of any size, by any number of workers, gives the same answers; no events a step or no workers is refused")
    func rebuildStepSizes() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let now = DemoRoundTripTests.now
        try #require(try ledger("demo", "--clients", "120", "--seed", "3", "--now", now, "--ledger", path, in: scratch).status == 0)
        let queries: [[String]] = [["clients"], ["residual", "--as-of", now], ["nudges", "--now", now], ["coverage", "--now", now],
                                   ["card", "c1", "--now", now], ["card", "c77", "--now", now]]
        func answers() throws -> [String] { try queries.map { try ledger($0 + ["--ledger", path, "--json"], in: scratch).stdout } }
        let before = try answers()
        // Steps of 500 events: larger than a piece's 4,096 clients' worth, the whole rebuild of
        // this small demo would be its last step, applied by the writer alone.
        for (size, workers) in [("7", "1"), ("7", "3"), ("500", "2"), ("1000000", "2")] {
            let rebuild = try ledger("rebuild", "--batch-events", size, "--workers", workers, "--ledger", path, in: scratch)
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            #expect(try answers() == before, "steps of \(size), \(workers) workers")
        }
        let help = try ledger("rebuild", "--help", in: scratch)
        #expect(help.stdout.contains("(the writes stay on one)"), "\(help.stdout)")
        for (option, value) in [("--batch-events", "0"), ("--workers", "0"), ("--workers", "65"), ("--workers", "-2")] {
            let refused = try ledger("rebuild", option, value, "--ledger", path, in: scratch)
            #expect(refused.status == 64 && refused.stderr.contains(option), "\(option) \(value): \(refused.stderr)")
        }
    }
}
