import EventLog

/// The tables that hold ledgers in a PostgreSQL database (normative description:
/// `docs/postgres.md`). Any number of ledgers share them, each under its own id.
///
/// A record is stored as exactly the bytes the LMDB format gives it (`docs/log-format.md`,
/// "The record"), so its chain hash — the record's last 32 bytes — is the same in both stores, and
/// so is the ledger's head hash.
package enum PostgresSchema {
    /// The version of these tables, kept in `clientledger_schema`; a library refuses a database
    /// whose version is newer than this one.
    static let version: Int32 = 1

    /// The tables of ``definitions``.
    static let tables = ["clientledger_schema", "clientledger_ledger", "clientledger_record", "clientledger_stream", "clientledger_event_type"]

    /// Creates what is missing, under an advisory lock so that processes starting together do not
    /// race to create the same table, and refuses tables of a newer version.
    ///
    /// Where every table exists, nothing is created and no lock is taken: a role without `CREATE`
    /// on the schema — a service's, an auditor's with `SELECT` alone — opens a database that an
    /// operator prepared.
    static func create(_ connection: PostgresConnection) throws(EventLogError) {
        if try tablesExist(tables, on: connection) {
            try checkVersion(connection)
            return
        }
        try connection.transaction("the ClientLedger tables") { () throws(EventLogError) in
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [.int64(lockKey)], "waiting for the schema lock")
            try connection.run(definitions, "creating the ClientLedger tables")
            if try !checkVersion(connection) {
                try connection.execute("INSERT INTO clientledger_schema (version) VALUES ($1)", [.int32(version)], "recording the schema version")
            }
        }
    }

    /// Refuses tables of a version newer than this library's; returns whether a version is recorded.
    @discardableResult
    private static func checkVersion(_ connection: PostgresConnection) throws(EventLogError) -> Bool {
        let rows = try connection.execute("SELECT version FROM clientledger_schema", [], "reading the schema version")
        guard rows.count > 0 else { return false }
        if let stored = rows.int32(0, 0), stored > version {
            throw EventLogError(.newerFormat, "the database holds ClientLedger tables of version \(stored); this library knows up to \(version)")
        }
        return true
    }

    /// Whether every one of `tables` exists where the connection's search path finds it (as the
    /// statements that name them unqualified do). Needs no privilege on them.
    package static func tablesExist(_ tables: [String], on connection: PostgresConnection) throws(EventLogError) -> Bool {
        let rows = try connection.execute("SELECT count(*)::integer FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
                                          [.textArray(tables)], "looking for the ClientLedger tables")
        return rows.int32(0, 0) == Int32(tables.count)
    }

    /// The advisory lock under which tables are created (by this library and the layers above it):
    /// `hashtext('clientledger_schema')` would do as well; a fixed number needs no function.
    package static let lockKey: Int64 = 0x436C_4C65_6467_6572 // "ClLedger"

    static let definitions = """
        CREATE TABLE IF NOT EXISTS clientledger_schema (
            version integer NOT NULL
        );
        CREATE TABLE IF NOT EXISTS clientledger_ledger (
            ledger    text PRIMARY KEY,
            head      bigint NOT NULL CHECK (head >= 0),
            head_hash bytea CHECK (octet_length(head_hash) = 32)
        );
        CREATE TABLE IF NOT EXISTS clientledger_record (
            ledger   text NOT NULL,
            position bigint NOT NULL CHECK (position >= 1),
            record   bytea NOT NULL,
            PRIMARY KEY (ledger, position)
        );
        CREATE TABLE IF NOT EXISTS clientledger_stream (
            ledger text NOT NULL,
            number bigint NOT NULL CHECK (number >= 1),
            name   bytea NOT NULL,
            PRIMARY KEY (ledger, number)
        );
        CREATE TABLE IF NOT EXISTS clientledger_event_type (
            ledger text NOT NULL,
            code   integer NOT NULL CHECK (code >= 1),
            name   bytea NOT NULL,
            PRIMARY KEY (ledger, code)
        );
        """
}
