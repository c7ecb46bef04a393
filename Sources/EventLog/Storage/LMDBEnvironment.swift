import CLMDB
import CLMDBGuard
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open LMDB environment (`MDB_env`) with the safety rules this project depends on built in.
///
/// - Transactions are synchronous closures: a transaction begins, runs and ends on one thread, so a
///   write transaction never crosses an `await` (LMDB requires a write transaction to end on the
///   thread that began it).
/// - The environment is opened with `MDB_NOTLS`, so read transactions are not tied to threads.
/// - Growing the map (`mdb_env_set_mapsize`) is only allowed while this process has no transaction
///   open, or LMDB may crash. Every transaction therefore holds a shared *gate*; growing takes it
///   exclusively. The gate prefers the one who grows, so a steady stream of readers cannot starve it.
///   A thread already inside a transaction (a read nested in a read) does not take the gate again.
/// - A durable environment keeps zeros written ahead of the data file's last page while commits are
///   small (``DataFileReserve``), so that their syncs do not also commit the file system's journal.
/// - A write that meets `MDB_MAP_FULL` is rolled back, the map doubles, and the write runs again:
///   callers never see a full map. A commit that leaves the map three quarters full doubles it
///   ahead, if no transaction of the process is open just then, so that writes seldom wait. A
///   transaction that meets `MDB_MAP_RESIZED` (another process grew the map) adopts the new size
///   and begins again.
/// - A damaged data file ends in an ``LMDBError`` (``LMDBError/isDamage``), never in a signal:
///   every LMDB call that reads pages is guarded (`CLMDBGuard`), and every key and value it hands out
///   is checked against the file (``DataFileMap``).
/// - Opened read-only (`MDB_RDONLY`), it writes nothing; without write access to `lock.mdb`, or
///   without a `lock.mdb`, it reads without LMDB's lock file (`MDB_NOLOCK`), which is safe while no
///   process writes (an archive, a backup, a copy) and creates nothing.
///
/// Open one environment per path per process (LMDB's locks are per process); ``EventLog`` keeps a
/// registry for that.
package final class LMDBEnvironment: @unchecked Sendable {
    package let pointer: OpaquePointer
    package let path: String
    private let gate: UnsafeMutablePointer<pthread_rwlock_t>
    private let depthKey: pthread_key_t
    /// The map size as this process last set or adopted it; written under the exclusive gate.
    private let mapSizeValue: Atomic<Int>
    private var mapSize: Int {
        get { mapSizeValue.load(ordering: .acquiring) }
        set { mapSizeValue.store(newValue, ordering: .releasing) }
    }
    private let closed = Atomic<Bool>(false)
    /// A commit found the map three quarters used while a transaction was open (``growAhead()``).
    private let growWanted = Atomic<Bool>(false)
    /// For durable environments (no `MDB_NOSYNC`) whose data file LMDB hands out; used only inside
    /// write transactions.
    private let reserve: Mutex<DataFileReserve>?
    /// The data file's descriptor (LMDB's own; positional writes only) and page size.
    private let dataFile: Int32
    package let pageSize: Int
    /// Where the data file is mapped: what every key and value LMDB returns is checked against.
    package let map: DataFileMap
    /// Opened with `MDB_RDONLY`: every write transaction is refused.
    package let isReadOnly: Bool

    /// Opens the LMDB environment in directory `path`: creating its files if absent, or — with
    /// `MDB_RDONLY` in `flags` — reading what is there and creating nothing.
    package init(path: String, mapSize: Int, maxDatabases: UInt32, flags: UInt32) throws(LMDBError) {
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        lmdb_guard_prepare(env)
        var openFlags = flags | UInt32(MDB_NOTLS)
        let readOnly = flags & UInt32(MDB_RDONLY) != 0
        if readOnly && access(path + "/lock.mdb", R_OK | W_OK) != 0 {
            // No lock file to share (or no right to write it): read without one, creating nothing.
            openFlags |= UInt32(MDB_NOLOCK)
        }
        do {
            try lmdbCheck(mdb_env_set_maxdbs(env, maxDatabases), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            try lmdbCheck(mdb_env_set_maxreaders(env, 1022), "mdb_env_set_maxreaders")
            try lmdbCheck(guarded_mdb_env_open(env, path, openFlags, 0o644), "mdb_env_open")
        } catch {
            mdb_env_close(env)
            throw error
        }
        var info = MDB_envinfo()
        var stat = MDB_stat()
        guard guarded_mdb_env_info(env, &info) == MDB_SUCCESS, guarded_mdb_env_stat(env, &stat) == MDB_SUCCESS else {
            mdb_env_close(env)
            throw LMDBError(code: LMDBError.faultCode, operation: "mdb_env_info", detail: "the data file's meta pages are damaged")
        }
        var descriptor: Int32 = -1
        mdb_env_get_fd(env, &descriptor)
        let fileMap = DataFileMap(descriptor: descriptor)
        // A data file cut short before the roots of its trees: every read would fault. (Not before
        // LMDB's last page: the last pages LMDB took may have been freed in the very transaction
        // that took them, and then were never written. Damage further in is found where it is read.)
        let pageSize = Int(stat.ms_psize)
        guard let roots = Self.roots(descriptor: descriptor, pageSize: pageSize),
              roots.allSatisfy({ $0 == UInt64.max || ($0 < UInt64(Int.max / pageSize) && Int($0) < fileMap.fileSize / pageSize) }) else {
            mdb_env_close(env)
            throw LMDBError(code: MDB_CORRUPTED, operation: "mdb_env_open",
                            detail: "the data file is shorter than the pages its meta page names: it was cut off, or its meta page is damaged")
        }
        self.pageSize = pageSize
        dataFile = descriptor
        self.pointer = env
        self.path = path
        self.isReadOnly = readOnly
        self.mapSizeValue = Atomic(max(mapSize, info.me_mapsize))
        reserve = flags & UInt32(MDB_NOSYNC) == 0 && !readOnly && descriptor >= 0 ? Mutex(DataFileReserve()) : nil
        map = fileMap
        map.locate(mapSize: info.me_mapsize)

        gate = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(gate, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        depthKey = key
        // A log opened nearly full would have its first writes fill the map while readers are open.
        if !readOnly { growAhead() }
    }

    /// The root pages of the free-page tree and the main tree in the current meta page of the data
    /// file (the one of the two with the later transaction; `UInt64.max`: an empty tree), read as
    /// LMDB 0.9 lays them out: after the 16-byte page header, magic and version (4 bytes each),
    /// address and map size (8 each), then two 48-byte tree records, each ending in its root
    /// (8 bytes), then the last page and the transaction id (8 each). `nil` if unreadable.
    private static func roots(descriptor: Int32, pageSize: Int) -> [UInt64]? {
        guard descriptor >= 0, pageSize >= 4_096 else { return nil }
        var best: (transaction: UInt64, roots: [UInt64])?
        for page in 0..<2 {
            var meta = [UInt8](repeating: 0, count: 152)
            let read = meta.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 152, off_t(page * pageSize)) }
            guard read == 152 else { return nil }
            func word(_ offset: Int) -> UInt64 { meta.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) } }
            guard meta.withUnsafeBytes({ UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) }) == 0xBEEF_C0DE else { continue }
            let transaction = word(144)
            if best.map({ transaction > $0.transaction }) ?? true { best = (transaction, [word(80), word(128)]) }
        }
        return best?.roots
    }

    /// Closes the environment now (LMDB allows one open environment per file per process, so the
    /// registry closes it before a new one may open). No transaction may be open or begin after.
    package func close() {
        guard !closed.load(ordering: .acquiring) else { return }
        // Exclusively: a transaction of another thread still open on this environment ends first.
        pthread_rwlock_wrlock(gate)
        if closed.exchange(true, ordering: .acquiringAndReleasing) == false { mdb_env_close(pointer) }
        pthread_rwlock_unlock(gate)
    }

    /// Whether ``close()`` was called; a transaction begun after it is refused.
    package var isClosed: Bool { closed.load(ordering: .acquiring) }

    deinit {
        close()
        pthread_rwlock_destroy(gate)
        gate.deallocate()
        pthread_key_delete(depthKey)
    }

    // MARK: Gate

    private var depth: Int {
        get { Int(bitPattern: pthread_getspecific(depthKey)) }
        set { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Whether the calling thread is inside a transaction of this environment.
    package var isInsideTransaction: Bool { depth > 0 }

    private func enterShared() {
        if depth == 0 { pthread_rwlock_rdlock(gate) }
        depth += 1
    }

    private func leaveShared() {
        depth -= 1
        if depth == 0 {
            pthread_rwlock_unlock(gate)
            if growWanted.load(ordering: .relaxed) { growAhead() }
        }
    }

    /// Runs `body` with no transaction of this process open. Only from a thread outside transactions.
    private func exclusively(_ body: () -> Void) {
        pthread_rwlock_wrlock(gate)
        body()
        pthread_rwlock_unlock(gate)
    }

    /// Adopts a map size that another process set (`MDB_MAP_RESIZED`).
    private func adoptForeignMapSize() {
        exclusively {
            _ = guarded_mdb_env_set_mapsize(pointer, 0)
            var info = MDB_envinfo()
            _ = guarded_mdb_env_info(pointer, &info)
            mapSize = info.me_mapsize
            map.locate(mapSize: info.me_mapsize)
        }
    }

    /// Doubles the map, unless another thread already grew it past `seen`.
    private func grow(from seen: Int) throws(LMDBError) {
        var result: Int32 = MDB_SUCCESS
        exclusively {
            guard mapSize <= seen else { return }
            result = setMapSize(mapSize * 2)
        }
        try lmdbCheck(result, "mdb_env_set_mapsize")
    }

    /// Grows the map, doubling it as a full map does, until `bytes` more than the data file uses
    /// fit. A write known to be large (an import) calls it first: one that fills the map midway is
    /// rolled back and runs again from its start, once per doubling.
    package func reserveRoom(_ bytes: Int) throws(LMDBError) {
        var result: Int32 = MDB_SUCCESS
        exclusively {
            let used = usedSize
            let wanted = bytes > Int.max - used ? Int.max : used + bytes
            var next = mapSize
            while next < wanted, next <= Int.max / 2 { next *= 2 }
            guard next > mapSize else { return }
            result = setMapSize(next)
        }
        try lmdbCheck(result, "mdb_env_set_mapsize")
    }

    /// Maps the data file at `size` bytes, if the address space has room for it; `ENOMEM` if not.
    /// LMDB unmaps the old map before it makes the new one, and a failure would leave it none (a
    /// later transaction would read unmapped memory), so the room is probed first with a mapping
    /// that reserves nothing. Only inside ``exclusively(_:)``.
    private func setMapSize(_ size: Int) -> Int32 {
        #if os(Linux)
        guard let probe = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              probe != UnsafeMutableRawPointer(bitPattern: -1) else { return ENOMEM }
        munmap(probe, size)
        #endif
        let result = guarded_mdb_env_set_mapsize(pointer, size)
        if result == MDB_SUCCESS {
            mapSize = size
            map.locate(mapSize: size)
        }
        return result
    }

    /// The bytes of the data file in use: up to the last page of the newest committed state.
    package var usedSize: Int {
        var info = MDB_envinfo()
        _ = guarded_mdb_env_info(pointer, &info)
        return (Int(info.me_last_pgno) + 1) * pageSize
    }

    /// The current map size in bytes.
    package var currentMapSize: Int {
        var info = MDB_envinfo()
        _ = guarded_mdb_env_info(pointer, &info)
        return info.me_mapsize
    }

    /// Drops this process's mappings of the pages it has read, so that a long pass over the log
    /// (a rebuild, a replay, a verification) does not keep the whole file resident.
    ///
    /// LMDB reads through a shared, read-only file mapping: every page a pass touches stays mapped,
    /// and counts toward the process's resident memory, until the map is closed. `MADV_DONTNEED` on
    /// such a mapping only unmaps the pages; they stay in the kernel's page cache, and the next read
    /// maps them again (a minor fault) with the same contents. It is therefore invisible to any reader,
    /// including one inside a transaction now. Holds the gate, so the map cannot move meanwhile.
    ///
    /// Re-mapping costs a fault per page the next pass reads again, so nothing is released while the
    /// process's resident file-backed memory (`shared` in `/proc/self/statm`) is at most `budget`
    /// bytes: a log that fits keeps its pages, and passes over it run at full speed.
    ///
    /// LMDB does not say where its map is (`me_mapaddr` is only set for fixed maps), so the map is
    /// found in `/proc/self/maps` by the data file's device and inode. Elsewhere this does nothing.
    package func releaseMappedPages(above budget: Int = LMDBEnvironment.mappedBudget) {
        #if os(Linux)
        if budget > 0 {
            let fields = DataFileMap.readToEnd("/proc/self/statm")?.split(separator: " ") ?? []
            if fields.count > 2, let shared = Int(fields[2]), shared * Int(getpagesize()) <= budget { return }
        }
        enterShared()
        defer { leaveShared() }
        for range in map.addressRanges(mapSize: currentMapSize) {
            guard let address = UnsafeMutableRawPointer(bitPattern: range.start) else { continue }
            _ = madvise(address, range.length, MADV_DONTNEED)
        }
        #endif
    }

    /// How much file-backed memory a process may keep resident before long passes give pages back.
    package static let mappedBudget = 256 << 20

    // MARK: Transactions

    private func begin(flags: UInt32) throws(LMDBError) -> OpaquePointer {
        guard !isClosed else { throw LMDBError(code: LMDBError.closedCode, operation: "mdb_txn_begin", detail: "the environment was closed") }
        while true {
            var txn: OpaquePointer?
            let rc = guarded_mdb_txn_begin(pointer, nil, flags, &txn)
            if rc == MDB_MAP_RESIZED, depth == 1 {
                leaveShared()
                adoptForeignMapSize()
                enterShared()
                continue
            }
            try lmdbCheck(rc, "mdb_txn_begin")
            guard let txn else { throw LMDBError(code: ENOMEM, operation: "mdb_txn_begin") }
            return txn
        }
    }

    /// Runs `body` in a read-only transaction: a consistent snapshot of the committed state.
    package func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        enterShared()
        defer { leaveShared() }
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(pointer: txn, map: map))
    }

    /// Runs `body` in a read-only transaction that is committed rather than aborted, so that the
    /// database handles it opens outlive it (LMDB keeps a transaction's new handles only if it
    /// commits). For opening the databases of an environment opened read-only.
    package func readHandles<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        enterShared()
        defer { leaveShared() }
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        let value: T
        do {
            value = try body(LMDBTransaction(pointer: txn, map: map))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        let rc = guarded_mdb_txn_commit(txn)
        if rc == LMDBError.faultCode { mdb_txn_abort(txn) }
        try lmdbCheck(rc, "mdb_txn_commit")
        return value
    }

    /// Runs `body` in a write transaction and commits it when `body` returns.
    ///
    /// If `body` throws, nothing is written. If the map fills up (in `body` or at commit), the
    /// transaction is rolled back, the map grows, and **`body` runs again**: it must not have effects
    /// outside the transaction that it cannot repeat. Must not be called inside another transaction
    /// of this environment on the same thread.
    package func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        precondition(depth == 0, "a write transaction cannot be opened inside another transaction")
        guard !isReadOnly else { throw LMDBError(code: EACCES, operation: "mdb_txn_begin", detail: "the environment was opened read-only") }
        while true {
            let seenSize = mapSize
            enterShared()
            let txn: OpaquePointer
            do { txn = try begin(flags: 0) } catch { leaveShared(); throw error }
            reserve?.withLock { $0.prepare(descriptor: dataFile, used: usedSize, pageSize: pageSize, limit: mapSize) }
            let value: T
            do {
                value = try body(LMDBTransaction(pointer: txn, map: map))
            } catch let error as LMDBError where error.isMapFull {
                mdb_txn_abort(txn)
                leaveShared()
                try grow(from: seenSize)
                continue
            } catch {
                mdb_txn_abort(txn)
                leaveShared()
                throw error
            }
            let rc = guarded_mdb_txn_commit(txn)
            if rc == LMDBError.faultCode { mdb_txn_abort(txn) }
            leaveShared()
            if rc == MDB_MAP_FULL {
                try grow(from: seenSize)
                continue
            }
            try lmdbCheck(rc, "mdb_txn_commit")
            growAhead()
            return value
        }
    }

    /// Doubles the map once a commit leaves more than three quarters of it used, if no transaction
    /// of this process is open at that moment; never waits for one. Growing takes the gate
    /// exclusively, so a write that fills the map waits for every reader of the process — however
    /// long its snapshot stays open — and the readers that come meanwhile wait behind it: the
    /// slowest of 20,000 checkouts beside a looping rebuild (which then read each step in one
    /// snapshot) waited about a second there. Grown ahead, a full map is left to writes that
    /// outgrow a quarter of it at once.
    ///
    /// If a transaction is open, the wish is remembered (`growWanted`) and the first thread of the
    /// process to leave its last transaction tries again: a pass that reads in many short snapshots
    /// (a rebuild, an export) leaves gaps between them that a commit seldom falls into.
    private func growAhead() {
        let size = mapSize
        guard usedSize > size / 4 * 3 else {
            growWanted.store(false, ordering: .relaxed)
            return
        }
        guard pthread_rwlock_trywrlock(gate) == 0 else {
            growWanted.store(true, ordering: .relaxed)
            return
        }
        defer { pthread_rwlock_unlock(gate) }
        // Another thread may have grown it between the look and the lock. A failure (no room in
        // the address space) is left to the write that fills the map, which reports it.
        if mapSize == size { _ = setMapSize(size * 2) }
        growWanted.store(false, ordering: .relaxed)
    }

    /// Opens (and with `create`, creates) the named database `name` in a write transaction.
    package func openDatabase(_ name: String, in txn: LMDBTransaction, create: Bool) throws(LMDBError) -> LMDBDatabase? {
        var dbi = MDB_dbi()
        let rc = guarded_mdb_dbi_open(txn.pointer, name, create ? UInt32(MDB_CREATE) : 0, &dbi)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_dbi_open(\(name))")
        return LMDBDatabase(handle: dbi)
    }

    private let handleLock = NSLock()
    /// Handles opened so far, by name. A named database is never dropped (only emptied), so its
    /// handle stays valid for the environment's life. Guarded by `handleLock`.
    private var handles: [String: LMDBDatabase] = [:]

    /// Opens an existing or new named database *outside* any transaction the caller holds: in a
    /// write transaction of its own when `create` is set, else in a read-only transaction that is
    /// committed (so the handle outlives it). LMDB forbids opening handles from two transactions at
    /// once, hence the lock. Returns `nil` if the database does not exist and `create` is not set.
    package func openHandle(_ name: String, create: Bool) throws -> LMDBDatabase? {
        handleLock.lock()
        if let known = handles[name] { handleLock.unlock(); return known }
        if create {
            handleLock.unlock()
            // LMDB's write lock first, then ours: the same order as any writer that reads a handle.
            return try write { txn in
                handleLock.lock()
                defer { handleLock.unlock() }
                if let known = handles[name] { return known }
                let database = try openDatabase(name, in: txn, create: true)
                if let database { handles[name] = database }
                return database
            }
        }
        defer { handleLock.unlock() }
        enterShared()
        defer { leaveShared() }
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        var dbi = MDB_dbi()
        let rc = guarded_mdb_dbi_open(txn, name, 0, &dbi)
        if rc == MDB_NOTFOUND { mdb_txn_abort(txn); return nil }
        guard rc == MDB_SUCCESS else { mdb_txn_abort(txn); try lmdbCheck(rc, "mdb_dbi_open(\(name))"); return nil }
        let committed = guarded_mdb_txn_commit(txn)
        if committed == LMDBError.faultCode { mdb_txn_abort(txn) }
        try lmdbCheck(committed, "mdb_txn_commit")
        handles[name] = LMDBDatabase(handle: dbi)
        return LMDBDatabase(handle: dbi)
    }

    /// The names of the environment's named databases: the keys of LMDB's main database.
    package func databaseNames() throws -> [String] {
        try read { txn in
            var main = MDB_dbi()
            try lmdbCheck(guarded_mdb_dbi_open(txn.pointer, nil, 0, &main), "mdb_dbi_open(main)")
            var names: [String] = []
            try txn.withCursor(LMDBDatabase(handle: main)) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    names.append(String(decoding: current.key, as: UTF8.self))
                    entry = try cursor.next()
                }
            }
            return names
        }
    }

    /// Whether a commit also flushes LMDB's meta page (`MDB_NOMETASYNC` off, the default) or leaves
    /// it to the next commit's flush: one flush per commit instead of two. The file stays whole
    /// either way; without the meta flush a system crash (not a process's) may undo the last
    /// commits. For a log whose commits another store holds durably (a replica).
    package func flushesMetaPage(_ flushes: Bool) throws(LMDBError) {
        try lmdbCheck(mdb_env_set_flags(pointer, UInt32(MDB_NOMETASYNC), flushes ? 0 : 1), "mdb_env_set_flags")
    }

    /// Flushes written data to disk (`mdb_env_sync` with force), for a log opened non-durably.
    package func sync() throws(LMDBError) {
        try lmdbCheck(mdb_env_sync(pointer, 1), "mdb_env_sync")
    }
}
