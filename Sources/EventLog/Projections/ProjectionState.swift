import CLMDB

/// The key–value state of one projection: in its own LMDB database when the projection is stored,
/// in memory when it is replayed as of a past instant. Valid only inside the call that received it.
///
/// Keys are byte strings of 1 to 511 bytes; values are byte strings. Iteration is in byte order of
/// the keys.
public final class ProjectionState {
    private enum Backend {
        case stored(LMDBTransaction, LMDBDatabase, writable: Bool)
        case memory(MemoryProjectionStore)
    }

    private let backend: Backend
    /// For a long write (a rebuild's or catch-up's batch): the environment whose mapped pages are
    /// given back every ``writesPerRelease`` writes. A batch that updates values spread over a large
    /// database maps, through the kernel's fault-around, up to 16 pages for each one it reads.
    private let releasing: LMDBEnvironment?
    private var writesSinceRelease = 0
    private static let writesPerRelease = 4_096

    package init(transaction: LMDBTransaction, database: LMDBDatabase, writable: Bool, releasingPagesOf environment: LMDBEnvironment? = nil) {
        backend = .stored(transaction, database, writable: writable)
        releasing = environment
    }

    package init(memory: MemoryProjectionStore) {
        backend = .memory(memory)
        releasing = nil
    }

    /// Calls `body` with the value stored under `key`, or `nil`; the bytes are valid only in `body`.
    public func withValue<T>(forKey key: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer?) throws -> T) throws -> T {
        switch backend {
        case .stored(let txn, let database, _):
            let keyBytes = Array(key)
            return try keyBytes.withUnsafeBytes { raw in try body(try txn.get(database, key: raw)) }
        case .memory(let store):
            guard let value = store.values[Array(key)] else { return try body(nil) }
            return try value.withUnsafeBytes { try body($0) }
        }
    }

    /// A copy of the value stored under `key`, or `nil`.
    public func value(forKey key: some Collection<UInt8>) throws -> [UInt8]? {
        try withValue(forKey: key) { $0.map { Array($0) } }
    }

    /// Stores `value` under `key`, replacing what was there.
    public func setValue(_ value: some Collection<UInt8>, forKey key: some Collection<UInt8>) throws {
        let keyBytes = try Self.checkedKey(key)
        switch backend {
        case .stored(let txn, let database, let writable):
            guard writable else { throw EventLogError(.misuse, "this projection state is read-only") }
            let valueBytes = Array(value)
            try keyBytes.withUnsafeBytes { k in try valueBytes.withUnsafeBytes { try txn.put(database, key: k, value: $0) } }
            countWrite()
        case .memory(let store):
            store.set(Array(value), forKey: keyBytes)
        }
    }

    /// A key as bytes, refused unless LMDB can store it (1 to 511 bytes).
    private static func checkedKey(_ key: some Collection<UInt8>) throws -> [UInt8] {
        let keyBytes = Array(key)
        guard !keyBytes.isEmpty, keyBytes.count <= 511 else {
            throw EventLogError(.misuse, "a projection key must be 1 to 511 bytes; got \(keyBytes.count)")
        }
        return keyBytes
    }

    /// Counts a stored write; every ``writesPerRelease`` writes, gives back mapped pages.
    private func countWrite() {
        guard let releasing else { return }
        writesSinceRelease += 1
        if writesSinceRelease == Self.writesPerRelease {
            writesSinceRelease = 0
            releasing.releaseMappedPages()
        }
    }

    /// Stores `value` under `key` if the key has no value yet, and returns `nil`; otherwise leaves
    /// the stored value as it is and returns what `body` makes of it (the bytes are valid only
    /// during the call). One search either way: a projection that mostly adds keys — a rebuild —
    /// pays one lookup per key where reading first and then writing pays two.
    public func insertValue<T>(_ value: some Collection<UInt8>, forKey key: some Collection<UInt8>,
                               ifPresent body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        let keyBytes = try Self.checkedKey(key)
        switch backend {
        case .stored(let txn, let database, let writable):
            guard writable else { throw EventLogError(.misuse, "this projection state is read-only") }
            let valueBytes = Array(value)
            let existing = try keyBytes.withUnsafeBytes { k in try valueBytes.withUnsafeBytes { try txn.insert(database, key: k, value: $0) } }
            if let existing { return try body(existing) }
            countWrite()
            return nil
        case .memory(let store):
            if let existing = store.values[keyBytes] { return try existing.withUnsafeBytes(body) }
            store.set(Array(value), forKey: keyBytes)
            return nil
        }
    }

    /// Removes the value under `key`, if any.
    public func removeValue(forKey key: some Collection<UInt8>) throws {
        switch backend {
        case .stored(let txn, let database, let writable):
            guard writable else { throw EventLogError(.misuse, "this projection state is read-only") }
            let keyBytes = Array(key)
            try keyBytes.withUnsafeBytes { _ = try txn.delete(database, key: $0) }
        case .memory(let store):
            store.remove(Array(key))
        }
    }

    /// Calls `body` with every key and value whose key starts with `prefix`, in key order, until
    /// `body` returns `false`.
    public func forEach(prefix: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        try forEach(prefix: prefix, from: prefix, body)
    }

    /// Calls `body` with every key and value whose key starts with `prefix` and is not before
    /// `start` (in byte order), in key order, until `body` returns `false`: a range, read from
    /// where it begins.
    public func forEach(prefix: some Collection<UInt8>, from start: some Collection<UInt8>,
                        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        let prefixBytes = Array(prefix)
        let startBytes = Array(start).lexicographicallyPrecedes(prefixBytes) ? prefixBytes : Array(start)
        switch backend {
        case .stored(let txn, let database, _):
            try txn.withCursor(database) { cursor in
                var entry = try startBytes.isEmpty ? cursor.first() : startBytes.withUnsafeBytes { try cursor.seek(atOrAfter: $0) }
                while let current = entry, current.key.starts(with: prefixBytes) {
                    guard try body(current.key, current.value) else { return }
                    entry = try cursor.next()
                }
            }
        case .memory(let store):
            try store.forEachKey(from: startBytes) { key in
                guard key.starts(with: prefixBytes), let value = store.values[key] else { return false }
                return try key.withUnsafeBytes { k in try value.withUnsafeBytes { try body(k, $0) } }
            }
        }
    }
}

@available(*, unavailable)
extension ProjectionState: Sendable {}
