import CLMDB
import CLMDBGuard

/// A named LMDB database inside an environment (`MDB_dbi`).
package struct LMDBDatabase: Sendable, Hashable {
    package let handle: MDB_dbi
}

/// One LMDB transaction, read-only or read-write, valid only inside the closure that received it.
///
/// Values returned by ``get(_:key:)`` and cursors point into LMDB's memory map: they are valid until
/// the transaction ends, and must not be written through. Every one of them is checked against the
/// data file (``DataFileMap``) before it is handed out, and every call that makes LMDB read pages is
/// guarded (`CLMDBGuard`): a damaged file throws an ``LMDBError`` whose ``LMDBError/isDamage`` is
/// set, never a signal.
package struct LMDBTransaction {
    package let pointer: OpaquePointer
    /// Where the data file is mapped; the environment outlives its transactions.
    package unowned(unsafe) let map: DataFileMap

    package init(pointer: OpaquePointer, map: DataFileMap) {
        self.pointer = pointer
        self.map = map
    }

    /// `value` as a buffer, if it lies inside the data file.
    @inline(__always)
    private func checked(_ value: MDB_val, _ operation: @autoclosure () -> String) throws(LMDBError) -> UnsafeRawBufferPointer {
        guard map.isReadable(value.mv_data, count: value.mv_size) else { throw LMDBError.outsideFile(operation()) }
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }

    /// Reads the value stored under `key`, or `nil` when there is none.
    package func get(_ database: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = guarded_mdb_get(pointer, database.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_get")
        return try checked(v, "mdb_get")
    }

    /// Reads the value stored under the big-endian key `key`.
    package func get(_ database: LMDBDatabase, key: UInt64) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var be = key.bigEndian
        return try withUnsafeBytes(of: &be) { (raw) throws(LMDBError) in try get(database, key: raw) }
    }

    /// Stores `value` under `key`, replacing what was there.
    package func put(_ database: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt32 = 0) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(guarded_mdb_put(pointer, database.handle, &k, &v, flags), "mdb_put")
    }

    /// Stores `value` under `key` only if the key has no value (`MDB_NOOVERWRITE`): one search
    /// either way. Returns `nil` when it stored `value`; otherwise the value already there, unchanged
    /// (valid until the next write in this transaction).
    package func insert(_ database: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = guarded_mdb_put(pointer, database.handle, &k, &v, UInt32(MDB_NOOVERWRITE))
        if rc == MDB_KEYEXIST { return try checked(v, "mdb_put") }
        try lmdbCheck(rc, "mdb_put")
        return nil
    }

    /// Stores `value` under the big-endian key `key`.
    package func put(_ database: LMDBDatabase, key: UInt64, value: UnsafeRawBufferPointer, flags: UInt32 = 0) throws(LMDBError) {
        var be = key.bigEndian
        try withUnsafeBytes(of: &be) { (raw) throws(LMDBError) in try put(database, key: raw, value: value, flags: flags) }
    }

    /// Deletes the value under `key`; returns whether there was one.
    @discardableResult
    package func delete(_ database: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = guarded_mdb_del(pointer, database.handle, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "mdb_del")
        return true
    }

    /// Removes every entry of `database` (`mdb_drop` with `del = 0`); the database itself stays.
    /// Every page of it is freed in this transaction: for a database of a gigabyte, its commit
    /// writes a free list of a quarter of a million pages and took two seconds.
    package func empty(_ database: LMDBDatabase) throws(LMDBError) {
        try lmdbCheck(guarded_mdb_drop(pointer, database.handle, 0), "mdb_drop")
    }

    /// Removes the first `limit` entries of `database` in key order (all, if it holds fewer);
    /// returns how many it removed. Emptying a large database this way, a few at a time, frees its
    /// pages over many commits instead of all in one (see ``empty(_:)``).
    package func deleteFirst(_ database: LMDBDatabase, limit: Int) throws(LMDBError) -> Int {
        var raw: OpaquePointer?
        let rc = guarded_mdb_cursor_open(pointer, database.handle, &raw)
        guard rc == MDB_SUCCESS, let raw else { throw LMDBError(code: rc, operation: "mdb_cursor_open") }
        defer { mdb_cursor_close(raw) }
        var removed = 0
        var key = MDB_val(), value = MDB_val()
        while removed < limit {
            let found = guarded_mdb_cursor_get(raw, &key, &value, MDB_FIRST)
            if found == MDB_NOTFOUND { break }
            try lmdbCheck(found, "mdb_cursor_get")
            try lmdbCheck(guarded_mdb_cursor_del(raw, 0), "mdb_cursor_del")
            removed += 1
        }
        return removed
    }

    /// Number of entries in `database`.
    package func count(_ database: LMDBDatabase) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try lmdbCheck(guarded_mdb_stat(pointer, database.handle, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// A cursor on `database` that lives until the transaction ends, for a write transaction only:
    /// LMDB closes a write transaction's cursors when it commits or aborts.
    package func openWriteCursor(_ database: LMDBDatabase) throws(LMDBError) -> LMDBCursor {
        var raw: OpaquePointer?
        let rc = guarded_mdb_cursor_open(pointer, database.handle, &raw)
        guard rc == MDB_SUCCESS, let raw else { throw LMDBError(code: rc, operation: "mdb_cursor_open") }
        return LMDBCursor(pointer: raw, map: map)
    }

    /// Opens a cursor on `database`; it is closed when `body` returns.
    package func withCursor<T>(_ database: LMDBDatabase, _ body: (inout LMDBCursor) throws -> T) throws -> T {
        var raw: OpaquePointer?
        let rc = guarded_mdb_cursor_open(pointer, database.handle, &raw)
        guard rc == MDB_SUCCESS, let raw else { throw LMDBError(code: rc, operation: "mdb_cursor_open") }
        var cursor = LMDBCursor(pointer: raw, map: map)
        defer { mdb_cursor_close(raw) }
        return try body(&cursor)
    }
}

/// A position in a database's key order (`MDB_cursor`), valid inside ``LMDBTransaction/withCursor(_:_:)``.
package struct LMDBCursor {
    package let pointer: OpaquePointer
    /// Where the data file is mapped (see ``LMDBTransaction/map``).
    package unowned(unsafe) let map: DataFileMap

    /// One key and value, pointing into the map.
    package typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    /// Appends `key` with room for `count` bytes (`MDB_RESERVE | MDB_APPEND`) and returns the room,
    /// for the caller to fill in place (one copy of each record saved). Through one cursor kept for
    /// the transaction, appends cost about an eighth less CPU than through `mdb_put`, which sets up
    /// a cursor and finds the tree's last page again for every record.
    @inline(__always)
    package func reserveAppending(key: UInt64, count: Int) throws(LMDBError) -> UnsafeMutableRawBufferPointer {
        var be = key.bigEndian
        return try withUnsafeMutableBytes(of: &be) { (raw) throws(LMDBError) in
            var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
            var v = MDB_val(mv_size: count, mv_data: nil)
            try lmdbCheck(guarded_mdb_cursor_put(pointer, &k, &v, UInt32(MDB_RESERVE) | UInt32(MDB_APPEND)), "mdb_cursor_put(MDB_RESERVE)")
            return UnsafeMutableRawBufferPointer(start: v.mv_data, count: count)
        }
    }

    @inline(__always)
    private func get(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(LMDBError) -> Entry? {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val()
        let rc = guarded_mdb_cursor_get(pointer, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_cursor_get")
        guard map.isReadable(k.mv_data, count: k.mv_size), map.isReadable(v.mv_data, count: v.mv_size) else {
            throw LMDBError.outsideFile("mdb_cursor_get")
        }
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    package func first() throws(LMDBError) -> Entry? { try get(MDB_FIRST) }
    package func last() throws(LMDBError) -> Entry? { try get(MDB_LAST) }
    package func next() throws(LMDBError) -> Entry? { try get(MDB_NEXT) }
    package func previous() throws(LMDBError) -> Entry? { try get(MDB_PREV) }

    /// The first entry whose key is at or after `key`.
    package func seek(atOrAfter key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        try get(MDB_SET_RANGE, key: key)
    }

    /// The first entry whose big-endian key is at or after `key`.
    package func seek(atOrAfter key: UInt64) throws(LMDBError) -> Entry? {
        var be = key.bigEndian
        return try withUnsafeBytes(of: &be) { (raw) throws(LMDBError) in try seek(atOrAfter: raw) }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a big-endian `UInt64` key of exactly eight bytes, or `nil` for any other size.
    @inline(__always)
    package var bigEndianUInt64: UInt64? {
        guard count == 8 else { return nil }
        return UInt64(bigEndian: loadUnaligned(as: UInt64.self))
    }
}
