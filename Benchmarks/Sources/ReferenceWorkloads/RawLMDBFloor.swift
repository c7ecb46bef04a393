#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ReferenceLMDB

/// The floors under the long passes over a ledger: raw LMDB doing only the reads and writes that a
/// rebuild or an import cannot avoid — what neither can beat on this machine, whatever its code.
///
/// ``rebuild(events:projection:into:)`` reads every value of the log's `events` database in one
/// read transaction (no decoding, no hash chain), then copies every entry of the source's projection database into a
/// fresh environment's, in key order (the order that costs LMDB least), in write transactions of
/// ``piece`` puts — as a rebuild writes its answer in pieces. Nothing is applied, encoded or
/// merged, and each entry is written once, where a rebuild in steps may write an entry in several.
///
/// ``importing(_:into:)`` writes every entry of the given databases into a fresh environment in
/// **one** write transaction, committed durably: the records, streams and projection entries that
/// an import of the whole ledger writes, all or nothing, without parsing, deciding, encoding or
/// hashing anything. The mapped pages of both files are given back as it goes, so that what the
/// process keeps resident beyond its start is the write transaction's own memory: LMDB 0.9 keeps up
/// to 131,072 dirty pages (512 MiB) of a write transaction in memory before it spills them.
///
/// The source is opened read-only, so it must not be open elsewhere in this process (LMDB forbids
/// two environments on one file in a process). The rebuild's copy is opened with
/// `MDB_NOSYNC | MDB_NOTLS`, as the benchmarks' ledger (opened `nonDurable`) commits without waiting
/// for the disk.
public final class RawLMDBFloor {
    private var source: OpaquePointer?
    private let sourceDirectory: String
    /// Write transactions of this many puts.
    public let piece: Int

    /// What one run read and wrote.
    public struct Counts: Sendable {
        /// Records read from the log.
        public var records = 0
        /// Their bytes.
        public var recordBytes = 0
        /// Entries written.
        public var entries = 0
        /// Their keys' and values' bytes.
        public var entryBytes = 0
    }

    /// Opens the LMDB environment at `directory` read-only.
    public init(source directory: String, piece: Int = 4_096) throws(ReferenceError) {
        self.piece = max(piece, 1)
        sourceDirectory = directory
        try check(mdb_env_create(&source), "mdb_env_create")
        try check(mdb_env_set_maxdbs(source, 64), "mdb_env_set_maxdbs")
        try check(mdb_env_open(source, directory, UInt32(MDB_NOTLS | MDB_RDONLY), 0o644), "mdb_env_open")
    }

    deinit { mdb_env_close(source) }

    /// Reads every record of database `events`, then copies database `projection` into a fresh
    /// environment in `directory` (which must exist and be empty), in write transactions of
    /// ``piece`` puts.
    public func rebuild(events: String, projection: String, into directory: String) throws(ReferenceError) -> Counts {
        var counts = Counts()
        var read: OpaquePointer?
        try check(mdb_txn_begin(source, nil, UInt32(MDB_RDONLY), &read), "mdb_txn_begin")
        defer { mdb_txn_abort(read) }
        try forEach(events, in: read) { (_, value) throws(ReferenceError) in
            counts.records += 1
            counts.recordBytes += value.mv_size
        }

        let target = try openEnvironment(directory, databases: 2, flags: MDB_NOSYNC)
        defer { mdb_env_close(target) }
        try writing(in: target) { (write) throws(ReferenceError) in
            var table: MDB_dbi = 0
            try check(mdb_dbi_open(write, "projection", UInt32(MDB_CREATE), &table), "mdb_dbi_open")
            var inPiece = 0
            try forEach(projection, in: read) { (key, value) throws(ReferenceError) in
                var (key, value) = (key, value)
                try check(mdb_put(write, table, &key, &value, 0), "mdb_put")
                counts.entries += 1
                counts.entryBytes += key.mv_size + value.mv_size
                inPiece += 1
                if inPiece == piece {
                    inPiece = 0
                    let committed = write
                    write = nil
                    try check(mdb_txn_commit(committed), "mdb_txn_commit")
                    try check(mdb_txn_begin(target, nil, 0, &write), "mdb_txn_begin")
                }
            }
        }
        return counts
    }

    /// Copies every entry of `databases` into a fresh environment in `directory` (which must exist
    /// and be empty) in one write transaction, committed with a sync; the first database's entries
    /// count as records.
    public func importing(_ databases: [String], into directory: String) throws(ReferenceError) -> Counts {
        var counts = Counts()
        var read: OpaquePointer?
        try check(mdb_txn_begin(source, nil, UInt32(MDB_RDONLY), &read), "mdb_txn_begin")
        defer { mdb_txn_abort(read) }
        let files = [sourceDirectory + "/data.mdb", directory + "/data.mdb"]
        let target = try openEnvironment(directory, databases: databases.count + 1, flags: 0)
        defer { mdb_env_close(target) }
        try writing(in: target) { (write) throws(ReferenceError) in
            var copied = 0
            for (number, name) in databases.enumerated() {
                var table: MDB_dbi = 0
                try check(mdb_dbi_open(write, name, UInt32(MDB_CREATE), &table), "mdb_dbi_open(\(name))")
                try forEach(name, in: read) { (key, value) throws(ReferenceError) in
                    var (key, value) = (key, value)
                    try check(mdb_put(write, table, &key, &value, 0), "mdb_put")
                    if number == 0 {
                        counts.records += 1
                        counts.recordBytes += value.mv_size
                    } else {
                        counts.entries += 1
                        counts.entryBytes += key.mv_size + value.mv_size
                    }
                    copied += 1
                    if copied % 16_384 == 0 { releaseMappedPages(of: files) }
                }
            }
        }
        return counts
    }

    /// Runs `body` with a write transaction of `target`, which `body` may commit and replace with
    /// the next; commits the last, or aborts it if `body` throws.
    private func writing(in target: OpaquePointer?, _ body: (inout OpaquePointer?) throws(ReferenceError) -> Void) throws(ReferenceError) {
        var write: OpaquePointer?
        try check(mdb_txn_begin(target, nil, 0, &write), "mdb_txn_begin")
        do throws(ReferenceError) {
            try body(&write)
            let committed = write
            write = nil
            try check(mdb_txn_commit(committed), "mdb_txn_commit")
        } catch {
            if write != nil { mdb_txn_abort(write) }
            throw error
        }
    }

    /// Gives back the pages of the data files' maps (they read again from the page cache if
    /// needed), so that what stays resident is the write transaction's own memory. The maps are
    /// found in `/proc/self/maps`: LMDB 0.9 tells a map's address only for `MDB_FIXEDMAP`.
    private func releaseMappedPages(of files: [String]) {
        #if os(Linux)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return }
        for line in maps.split(separator: "\n") where files.contains(where: { line.hasSuffix($0) }) {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
        #endif
    }

    /// Calls `body` with every entry of the named database, in key order.
    private func forEach(_ name: String, in txn: OpaquePointer?, _ body: (MDB_val, MDB_val) throws(ReferenceError) -> Void) throws(ReferenceError) {
        var database: MDB_dbi = 0
        try check(mdb_dbi_open(txn, name, 0, &database), "mdb_dbi_open(\(name))")
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, database, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val(), value = MDB_val()
        var status = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        while status == 0 {
            try body(key, value)
            status = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        guard status == MDB_NOTFOUND else { return try check(status, "mdb_cursor_get") }
    }

    /// The entries of database `name` (0 if it does not exist).
    public func entries(of name: String) throws(ReferenceError) -> Int {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(source, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        defer { mdb_txn_abort(txn) }
        var database: MDB_dbi = 0
        let status = mdb_dbi_open(txn, name, 0, &database)
        if status == MDB_NOTFOUND { return 0 }
        try check(status, "mdb_dbi_open(\(name))")
        var stat = MDB_stat()
        try check(mdb_stat(txn, database, &stat), "mdb_stat")
        return stat.ms_entries
    }
}
