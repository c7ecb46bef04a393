import EventLog
import Foundation
import PostgresLog
import PostgresTestSupport
import Testing

/// The connection's pipelines and the statements it prepares for them.
@Suite("PostgreSQL: pipelines and prepared statements")
struct ConnectionTests {
    @Test func aStatementPreparedOnAnotherSessionIsPreparedAgain() throws {
        let connection = try PostgresConnection(try PostgresServer.conninfo())
        let statements: [PostgresConnection.Statement] = [.init("SELECT $1::bigint + 1", [.int64(41)]), .init("SELECT $1::text", [.text("x")])]
        #expect(try connection.pipeline(statements, "a first pipeline")[0].int64(0, 0) == 42)
        // What a pool in transaction mode does: the next transaction runs on a session that does
        // not know the statements. Outside a transaction, the pipeline prepares them again.
        try connection.run("DEALLOCATE ALL", "forgetting the prepared statements")
        #expect(try connection.pipeline(statements, "after the session changed")[0].int64(0, 0) == 42)
        // Inside a transaction the transaction is lost, and said so; the next pipeline prepares again.
        try connection.run("DEALLOCATE ALL", "forgetting the prepared statements")
        try connection.run("BEGIN", "a transaction")
        #expect(throws: EventLogError.self) { try connection.pipeline(statements, "inside a transaction") }
        try connection.run("ROLLBACK", "ending it")
        #expect(try connection.pipeline(statements, "after the transaction")[1].bytes(0, 0) == Array("x".utf8))
    }

    @Test func aFailedStatementStopsThePipelineAndABestEffortOneDoesNot() throws {
        let connection = try PostgresConnection(try PostgresServer.conninfo())
        let failing = #expect(throws: EventLogError.self) {
            try connection.pipeline([.init("SELECT 1/0"), .init("SELECT 1")], "dividing by zero")
        }
        #expect(failing?.message.contains("22012") == true, "\(failing?.message ?? "")")
        let rows = try connection.pipeline([.init("SELECT 7"), .init("SELECT 1/0", bestEffort: true)], "a wake-up that fails")
        #expect(rows.count == 1)
        #expect(try connection.pipeline([.init("SELECT 8::bigint")], "after")[0].int64(0, 0) == 8)
    }
}
