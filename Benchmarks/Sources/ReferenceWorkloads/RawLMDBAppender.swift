import ReferenceLMDB

/// The ceiling for the log: `../shared/reference/lmdb_limit.c`'s batched append, ported call for
/// call so that it runs inside the benchmark process, beside our own benchmark and seconds from it.
///
/// Raw LMDB with `MDB_APPEND`: 8-byte big-endian sequence keys, a value of `valueSize` bytes (`'x'`,
/// its first 8 bytes the sequence number), no encoding, no index, no hash; one durable commit per
/// batch. The environment is opened as the C program opens it (64 GiB map, `MDB_NOTLS`).
public final class RawLMDBAppender {
    private var environment: OpaquePointer?
    private var database: MDB_dbi = 0
    private var sequence: UInt64 = 0
    private let value: UnsafeMutableRawBufferPointer

    /// Opens a fresh environment in `directory`, which must exist and be empty.
    public init(directory: String, valueSize: Int = 120) throws(ReferenceError) {
        value = .allocate(byteCount: max(valueSize, 8), alignment: 8)
        value.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
        environment = try openEnvironment(directory, databases: 8, flags: 0)
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, 0, &txn), "mdb_txn_begin")
        try check(mdb_dbi_open(txn, "log", UInt32(MDB_CREATE), &database), "mdb_dbi_open")
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    deinit {
        mdb_env_close(environment)
        value.deallocate()
    }

    /// Appends `count` records in one write transaction and commits it (durably: LMDB's default).
    public func appendBatch(_ count: Int = 1_000) throws(ReferenceError) {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, 0, &txn), "mdb_txn_begin")
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, database, &cursor), "mdb_cursor_open")
        for _ in 0..<count {
            sequence += 1
            var key = sequence.bigEndian
            value.storeBytes(of: sequence, as: UInt64.self)
            let status = withUnsafeMutableBytes(of: &key) { keyBytes in
                var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                var dataValue = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
                return mdb_cursor_put(cursor, &keyValue, &dataValue, UInt32(MDB_APPEND))
            }
            try check(status, "mdb_cursor_put")
        }
        mdb_cursor_close(cursor)
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }
}
