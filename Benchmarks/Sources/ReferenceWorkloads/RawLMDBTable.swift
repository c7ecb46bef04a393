import ReferenceLMDB

/// The floor under a point read and a small write: raw LMDB with string keys and fixed-size
/// values, no encoding, no index, no hash chain — what one `mdb_get` in a read transaction and one
/// write transaction of a few `mdb_put`s cost on this machine, beside the ledger's card read and
/// checkout in the same run.
///
/// Opened with `MDB_NOSYNC | MDB_NOTLS`: the commits wait for no disk, as the benchmarks' ledger
/// (opened `nonDurable`) does not.
public final class RawLMDBTable {
    private var environment: OpaquePointer?
    private var database: MDB_dbi = 0
    private let value: UnsafeMutableRawBufferPointer

    /// Opens a fresh environment in `directory` (which must exist and be empty) holding one value of
    /// `valueSize` bytes under each of `keys`.
    public init(directory: String, keys: [String], valueSize: Int) throws(ReferenceError) {
        value = .allocate(byteCount: max(valueSize, 8), alignment: 8)
        value.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
        environment = try openEnvironment(directory, databases: 8, flags: MDB_NOSYNC)
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, 0, &txn), "mdb_txn_begin")
        try check(mdb_dbi_open(txn, "table", UInt32(MDB_CREATE), &database), "mdb_dbi_open")
        for key in keys { try put(key, in: txn) }
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    deinit {
        mdb_env_close(environment)
        value.deallocate()
    }

    /// Reads the value of `key` in a read transaction of its own; returns its size (0: absent).
    public func get(_ key: String) throws(ReferenceError) -> Int {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        defer { mdb_txn_abort(txn) }
        var key = key
        var dataValue = MDB_val()
        let status = key.withUTF8 { bytes in
            var keyValue = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            return mdb_get(txn, database, &keyValue, &dataValue)
        }
        if status == MDB_NOTFOUND { return 0 }
        try check(status, "mdb_get")
        return dataValue.mv_size
    }

    /// Writes one value under each of `keys` in one write transaction, and commits it.
    public func put(_ keys: [String]) throws(ReferenceError) {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, 0, &txn), "mdb_txn_begin")
        for key in keys {
            do { try put(key, in: txn) } catch { mdb_txn_abort(txn); throw error }
        }
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    private func put(_ key: String, in txn: OpaquePointer?) throws(ReferenceError) {
        var key = key
        let status = key.withUTF8 { bytes in
            var keyValue = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            var dataValue = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
            return mdb_put(txn, database, &keyValue, &dataValue, 0)
        }
        try check(status, "mdb_put")
    }
}
