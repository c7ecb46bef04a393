import Foundation
import PostgresTestSupport
import Testing
import EventLog
import PostgresLog

/// `docs/postgres.md` is enough for an independent reader: `scripts/verify-postgres.py`, written from
/// it and `docs/log-format.md` alone (Python and psql), verifies a pushed ledger, agrees on its head
/// hash, and finds a change made behind the library's back.
@Suite("PostgreSQL: the independent verifier")
struct IndependentVerifierTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/verify-postgres.py").path

    func runScript(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script] + arguments
        let output = NSTemporaryDirectory() + "verify-postgres-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle(forWritingAtPath: output)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3"))
    func theScriptAgreesAndFindsAChange() throws {
        let local = try PushAndVerifyTests.LocalLog(events: 64)
        let id = PushAndVerifyTests.ledgerID()
        let conninfo = try PostgresServer.conninfo()
        let shared = try PostgresLog(connectingTo: conninfo, ledger: id)
        try shared.push(from: local.log)
        let head = try #require(try local.log.headHash())

        let holds = try runScript([conninfo, id, head.description])
        #expect(holds.status == 0, "\(holds.output)")
        #expect(holds.output.contains("head hash: \(head)"), "\(holds.output)")

        try PostgresServer.psql("UPDATE clientledger_record SET record = set_byte(record, 70, get_byte(record, 70) # 4) WHERE ledger = '\(id)' AND position = 41")
        let broken = try runScript([conninfo, id])
        #expect(broken.status == 2)
        #expect(broken.output.contains("position 41"), "\(broken.output)")
    }
}
