import ReferenceSQLite

/// The peer: `../shared/reference/sqlite_peer.c`'s batched append, ported call for call so that it
/// runs inside the benchmark process, beside our own benchmark and seconds from it.
///
/// An `events(seq, stream, version, body)` table with a unique `(stream, version)` index, in WAL
/// mode with `synchronous=FULL`: what a Swift developer would otherwise use (e.g. through GRDB).
/// One `BEGIN … COMMIT` per batch; stream `seq % 100000`, version `seq / 100000`.
public final class SQLiteAppender {
    private var database: OpaquePointer?
    private var insert: OpaquePointer?
    private var sequence: Int64 = 0
    private let value: UnsafeMutableRawBufferPointer

    /// Creates a fresh database at `path` (no file, `-wal` or `-shm` may exist there).
    public init(path: String, valueSize: Int = 120) throws(ReferenceError) {
        value = .allocate(byteCount: max(valueSize, 8), alignment: 8)
        value.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
        try check(sqlite3_open(path, &database), "sqlite3_open")
        try check(sqlite3_exec(database, """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
            CREATE TABLE events(seq INTEGER PRIMARY KEY, stream INTEGER NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL);
            CREATE UNIQUE INDEX ev_stream ON events(stream,version);
            """, nil, nil, nil), "sqlite3_exec(schema)")
        try check(sqlite3_prepare_v2(database, "INSERT INTO events(seq,stream,version,body) VALUES(?,?,?,?)", -1, &insert, nil),
                  "sqlite3_prepare_v2")
    }

    deinit {
        sqlite3_finalize(insert)
        sqlite3_close(database)
        value.deallocate()
    }

    /// Inserts `count` rows in one transaction and commits it (durably: `synchronous=FULL`).
    public func appendBatch(_ count: Int = 1_000) throws(ReferenceError) {
        try check(sqlite3_exec(database, "BEGIN", nil, nil, nil), "BEGIN")
        // SQLITE_STATIC (a null destructor): the bytes stay valid until the step has run.
        let unowned = unsafeBitCast(0, to: sqlite3_destructor_type.self)
        for _ in 0..<count {
            sequence += 1
            value.storeBytes(of: sequence, as: Int64.self)
            sqlite3_bind_int64(insert, 1, sequence)
            sqlite3_bind_int64(insert, 2, sequence % 100_000)
            sqlite3_bind_int64(insert, 3, sequence / 100_000)
            sqlite3_bind_blob(insert, 4, value.baseAddress, Int32(value.count), unowned)
            try check(sqlite3_step(insert), "sqlite3_step")
            sqlite3_reset(insert)
        }
        try check(sqlite3_exec(database, "COMMIT", nil, nil, nil), "COMMIT")
    }

    private func check(_ status: Int32, _ call: String) throws(ReferenceError) {
        guard status != SQLITE_OK, status != SQLITE_DONE, status != SQLITE_ROW else { return }
        throw ReferenceError(description: "\(call): \(String(cString: sqlite3_errmsg(database)))")
    }
}
