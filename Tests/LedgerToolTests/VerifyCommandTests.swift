import Foundation
import Testing

/// `ledger verify` proves the log was not rewritten, and names where it was.
@Suite("ledger verify")
struct VerifyCommandTests {
    @Test("an anchor written down earlier is checked; a wrong one fails with exit code 2")
    func anchors() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
        let head = try #require(try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String)
        #expect(try ledger("verify", "--anchor", head, "--ledger", path, in: scratch).status == 0)
        let forged = String(head.dropLast()) + (head.hasSuffix("0") ? "1" : "0")
        let refused = try ledger("verify", "--anchor", forged, "--ledger", path, in: scratch)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("anchor"), "\(refused.stderr)")
        #expect(try ledger("verify", "--anchor", "not-a-hash", "--ledger", path, in: scratch).status == 1)
    }

    @Test("a byte changed in a stored record breaks the chain at that record's position")
    func tampered() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
        // Event 38 books cleo's "colour"; the word is stored in the clear in its record (and in her card).
        try #require(try overwriteEveryOccurrence(of: "colour", in: path + "/data.mdb", firstLetterWith: "C") > 0)

        let run = try ledger("verify", "--ledger", path, in: scratch)
        #expect(run.status == 2)
        #expect(run.stderr.contains("position 38"), "\(run.stderr)")
        let audit = try ledger("audit", "--from", "2026-01-01", "--to", "2026-12-31", "--ledger", path, "--json", in: scratch)
        #expect(audit.status == 2)
        #expect(try audit.object()["verified"] as? Bool == false)
    }
}
