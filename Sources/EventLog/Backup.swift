import CLMDB
import Foundation

extension EventLog {
    /// Writes a consistent copy of the log, as of one snapshot, into the directory `destination`:
    /// compacted (every named database copied entry by entry into a new file: no free pages), with
    /// the projections' state. Appends from this and other processes go on meanwhile; the copy
    /// holds what had committed when it began.
    ///
    /// The copy reads the log as every pass does: each record's link in the hash chain is checked,
    /// and every page LMDB reads is guarded, so a log that is broken or damaged is not copied
    /// (restoring it would restore the break). The copy is then opened and verified.
    ///
    /// `destination` must not exist, or be an empty directory, and must not lie inside the log's
    /// own directory; it is created (with the directories above it that are missing), and holds a
    /// log directory that ``EventLog/init(path:options:)`` opens. A backup that fails part-way
    /// removes what it wrote and the directories it made. Works on a log opened read-only.
    ///
    /// - Returns: the head hash of the copy (`nil` for an empty log): write it down beside the copy.
    /// - Throws: ``EventLogError/Code/misuse`` if `destination` holds anything or lies inside the log;
    ///   ``EventLogError/Code/brokenChain`` or ``EventLogError/Code/damaged`` if the log does not hold;
    ///   ``EventLogError/Code/storage`` if the copy cannot be written.
    ///
    /// `progress`, if given, is told the records copied so far and the log's last position, every
    /// 50,000 records and at the end of the copy.
    @discardableResult
    public func backup(to destination: String, progress: ((_ copied: UInt64, _ total: UInt64) -> Void)? = nil) throws(EventLogError) -> HeadHash? {
        let fileManager = FileManager.default
        guard !destination.isEmpty else { throw EventLogError(.misuse, "the backup destination is empty: name a new directory") }
        guard !isPath(destination, inside: path) else {
            throw EventLogError(.misuse, "the backup destination \(destination) lies inside the log at \(path): a backup is written beside the log, never into it")
        }
        var isDirectory: ObjCBool = false
        let existed = fileManager.fileExists(atPath: destination, isDirectory: &isDirectory)
        // The directories made on the way (`a/b` of `a/b/c`), removed again if the backup fails.
        var made = MadeDirectories()
        if existed {
            guard isDirectory.boolValue, ((try? fileManager.contentsOfDirectory(atPath: destination)) ?? ["?"]).isEmpty else {
                throw EventLogError(.misuse, "the backup destination \(destination) exists and is not an empty directory; a backup never overwrites anything")
            }
        } else {
            try made.make(destination)
        }
        do {
            // Handles first: a read transaction sees only the handles that existed when it began.
            var databases: [(String, LMDBDatabase)] = []
            for name in try core.environment.databaseNames() where name != Schema.eventsName {
                if let database = try core.environment.openHandle(name, create: false) { databases.append((name, database)) }
            }
            let head = try read { snapshot in try LogCopier(snapshot: snapshot, databases: databases, destination: destination, progress: progress).copy() }
            // The copy must hold as the log does: its tables were copied unchecked, the records checked.
            let copy = try EventLog(path: destination, options: .readOnly)
            let verification = try copy.verify(anchors: head.map { [$0] } ?? [])
            guard verification.isIntact else {
                throw EventLogError(.brokenChain, "the log does not hold, so neither would its backup: \(verification.problem ?? verification.anchors.first?.problem ?? "?"); run verify on it",
                                    position: verification.firstBrokenPosition)
            }
            return head
        } catch {
            // Nothing half-written is left behind.
            if existed {
                for name in (try? fileManager.contentsOfDirectory(atPath: destination)) ?? [] {
                    try? fileManager.removeItem(atPath: destination + "/" + name)
                }
            } else {
                made.remove()
            }
            throw EventLogError.wrap(error, "backing up the log at \(path) to \(destination)")
        }
    }
}

/// Copies every named database of a snapshot into a new environment, entry by entry in key order
/// (`MDB_APPEND`), in transactions of ``entriesPerTransaction`` entries. The events go through the
/// snapshot's checked pass, so a broken chain stops the copy.
private struct LogCopier {
    let snapshot: LogSnapshot
    /// Every named database but `events`, with its handle.
    let databases: [(String, LMDBDatabase)]
    let destination: String
    let progress: ((_ copied: UInt64, _ total: UInt64) -> Void)?
    static let entriesPerTransaction = 50_000

    func copy() throws -> HeadHash? {
        let source = snapshot.core.environment
        let target = try LMDBEnvironment(path: destination, mapSize: max(source.usedSize * 2, 1 << 20), maxDatabases: 64,
                                         flags: UInt32(MDB_NOSYNC))
        defer { target.close() }
        for (name, database) in databases { try copyEntries(of: database, named: name, into: target) }
        // The records last, through the checked pass.
        var pending: [([UInt8], [UInt8])] = []
        let events = try target.write { txn in try target.openDatabase(Schema.eventsName, in: txn, create: true) }
        guard let events else { throw EventLogError(.storage, "cannot create the events database of the backup") }
        try snapshot.forEachEvent { event in
            withUnsafeBytes(of: event.position.bigEndian) { key in pending.append((Array(key), Array(event.header.bytes))) }
            if pending.count == Self.entriesPerTransaction {
                try Self.append(pending, to: events, in: target)
                pending.removeAll(keepingCapacity: true)
                progress?(event.position, snapshot.lastPosition)
            }
        }
        try Self.append(pending, to: events, in: target)
        progress?(snapshot.lastPosition, snapshot.lastPosition)
        try target.sync()
        return try snapshot.headHash()
    }

    private func copyEntries(of database: LMDBDatabase, named name: String, into target: LMDBEnvironment) throws {
        let copy = try target.write { txn in try target.openDatabase(name, in: txn, create: true) }
        guard let copy else { throw EventLogError(.storage, "cannot create the \(name) database of the backup") }
        var pending: [([UInt8], [UInt8])] = []
        try snapshot.txn.withCursor(database) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                pending.append((Array(current.key), Array(current.value)))
                if pending.count == Self.entriesPerTransaction {
                    try Self.append(pending, to: copy, in: target)
                    pending.removeAll(keepingCapacity: true)
                }
                entry = try cursor.next()
            }
        }
        try Self.append(pending, to: copy, in: target)
    }

    private static func append(_ entries: [([UInt8], [UInt8])], to database: LMDBDatabase, in target: LMDBEnvironment) throws {
        guard !entries.isEmpty else { return }
        for (key, _) in entries where key.isEmpty || key.count > 511 {
            throw EventLogError(.damaged, "a database of the log holds a key of \(key.count) bytes, which LMDB never writes: the data file is damaged. Restore the log from a backup")
        }
        do {
            try target.write { txn in
                for (key, value) in entries {
                    try key.withUnsafeBytes { key in
                        try value.withUnsafeBytes { try txn.put(database, key: key, value: $0, flags: UInt32(MDB_APPEND)) }
                    }
                }
            }
        } catch let error as LMDBError where !error.isMapFull {
            throw EventLogError(.storage, "writing the backup failed: \(error)", cause: error)
        }
    }
}
