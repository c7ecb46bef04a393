import CLMDB
import CLMDBGuard
import CoreMetrics
import Foundation
import Logging
import Synchronization

/// Everything one process shares for one log: the LMDB environment, the caches, the writer lock,
/// the group-commit thread and the commit signal. ``EventLog`` handles on the same path share it.
package final class LogCore: Sendable {
    package let environment: LMDBEnvironment
    package let schema: Schema
    package let options: EventLog.Options
    /// The log's format version (`meta/format`): 1 for a log written before names were under the
    /// chain, until its first append in this version writes format-2 records and makes it 2.
    package let format: Atomic<UInt32>
    package let heads = StreamHeadCache()
    package let typeNames = NameCache<UInt32>()
    package let streamNames = NameCache<UInt64>(limit: 100_000)
    /// The writer's streams between two transactions of this process (`nil` while one runs, or
    /// after one aborted); see ``WriterStreamCache``.
    package let writerStreams = Mutex<WriterStreamCache?>(nil)
    package let commits = CommitSignal()
    /// What this log reports to the process's metrics (see ``LogMetrics``).
    package let metrics: LogMetrics
    /// Where it says what it does (``EventLog/Options/logger``).
    package let logger: Logger
    /// Serialises this process's write transactions (LMDB serialises processes), in the order
    /// they asked: a rebuild's next piece waits behind the appends that came during its last.
    package let writeLock = TicketLock()
    package let committer: GroupCommitter
    /// The shared log this one replicates, which must accept every write before it commits here
    /// (see ``CommitAuthority``); `nil` for a log of its own.
    package let authority = Mutex<(any CommitAuthority)?>(nil)
    /// The projections this process keeps up to date inline.
    package let projections = Mutex<[RegisteredProjection]>([])
    /// The two databases of each projection read so far, by name: looked up once, not per query.
    package let readableProjections = Mutex<[String: (LMDBDatabase, LMDBDatabase)]>([:])
    /// The owners of rebuild steps that this process left half-written (a piece failed): another
    /// rebuild in this process begins anew at once instead of waiting for their leases.
    package let abandonedRebuildSteps = Mutex<Set<UInt16>>([])
    /// A pass over the log drops its mapped pages every this many positions (about 15 MB of
    /// records, and what their names and keys took from the other tables: at a million clients,
    /// every fourth times this many mapped 575 MB), so its resident memory stays bounded however
    /// long the log: see ``LMDBEnvironment/releaseMappedPages(above:)``.
    package static let releaseInterval: UInt64 = 65_536

    package init(path: String, options: EventLog.Options) throws(EventLogError) {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw EventLogError(.notALog, "\(path) is a file; an event log is a directory")
            }
            // LMDB creates its lock file before the data file: a first open killed in between leaves
            // only `lock.mdb`, which LMDB resets at the next open. That is a new log, not a foreign one.
            let contents = ((try? fileManager.contentsOfDirectory(atPath: path)) ?? []).filter { $0 != "lock.mdb" }
            if options.readOnly && !contents.contains("data.mdb") {
                throw EventLogError(.notALog, "there is no event log at \(path) (no data.mdb in it); opened read-only, nothing was created")
            }
            if !contents.isEmpty && !contents.contains("data.mdb") {
                throw EventLogError(.notALog, "\(path) is a directory with other files and no log in it")
            }
        } else if options.readOnly {
            throw EventLogError(.notALog, "there is no event log at \(path); opened read-only, nothing was created")
        } else {
            do {
                try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw EventLogError(.storage, "cannot create the log directory \(path)", cause: DescribedError("\(error)"))
            }
        }
        var flags = options.durability == .nonDurable ? UInt32(MDB_NOSYNC) : 0
        if options.readOnly { flags |= UInt32(MDB_RDONLY) }
        do {
            environment = try LMDBEnvironment(path: path, mapSize: options.initialMapSize, maxDatabases: 64, flags: flags)
        } catch {
            if error.code == MDB_INVALID || error.code == MDB_VERSION_MISMATCH {
                throw EventLogError(.notALog, "\(path) holds a data.mdb that is not an LMDB file this library can open", cause: error)
            }
            if error.code == EACCES || error.code == EROFS {
                throw EventLogError(.storage, "cannot open the log at \(path) for writing: \(error.description); open it read-only to read it", cause: error)
            }
            throw EventLogError.wrap(error, "opening the log at \(path)")
        }
        let opened = try Self.openSchema(environment, path: path, readOnly: options.readOnly)
        schema = opened.schema
        format = Atomic(opened.format)
        self.options = options
        metrics = LogMetrics(factory: options.metricsFactory ?? MetricsSystem.factory)
        var logger = options.logger
        logger[metadataKey: "eventlog.path"] = "\(path)"
        self.logger = logger
        committer = GroupCommitter()
        try loadNames()
        committer.start(core: self)
        logger.debug("opened the event log", metadata: ["eventlog.format": "\(opened.format)", "eventlog.readOnly": "\(options.readOnly)"])
    }

    /// Checks that the environment is a log this library can read (format 1 or 2), and opens its
    /// named databases; initialises a new one (format 2), unless read-only. Nothing is written to an
    /// environment that is not a log, nor to any read-only one. Returns the schema and the format.
    private static func openSchema(_ environment: LMDBEnvironment, path: String, readOnly: Bool) throws(EventLogError) -> (schema: Schema, format: UInt32) {
        do {
            let state: (format: UInt32?, mainEntries: Int) = try environment.read { txn in
                var main = MDB_dbi()
                try lmdbCheck(guarded_mdb_dbi_open(txn.pointer, nil, 0, &main), "mdb_dbi_open(main)")
                let mainEntries = try txn.count(LMDBDatabase(handle: main))
                guard let meta = try environment.openDatabase(Schema.metaName, in: txn, create: false) else { return (nil, mainEntries) }
                let format = try Schema.formatKey.withUnsafeBytes { key -> UInt32? in
                    guard let value = try txn.get(meta, key: key) else { return nil }
                    guard value.count == 4 else {
                        throw EventLogError(.corruptRecord, "the log at \(path) has a format marker of \(value.count) bytes; it is 4")
                    }
                    return UInt32(littleEndian: value.loadUnaligned(as: UInt32.self))
                }
                return (format, mainEntries)
            }
            switch state.format {
            case .some(let format) where format > Schema.formatVersion:
                throw EventLogError(.newerFormat, "the log at \(path) has format version \(format); this library reads up to \(Schema.formatVersion)")
            case .some(let format) where format < Schema.oldestFormatVersion:
                throw EventLogError(.corruptRecord, "the log at \(path) says it has format version \(format), which no library wrote: its meta database was changed or is damaged")
            case .some:
                break
            case .none where state.mainEntries > 0:
                throw EventLogError(.notALog, "\(path) is an LMDB environment, but not an event log (it has no format marker)")
            case .none where readOnly:
                throw EventLogError(.notALog, "there is no event log at \(path) yet (its data file is empty); opened read-only, nothing was created")
            case .none:
                break
            }
            if state.format != nil {
                // An existing log: its databases are opened in a read transaction that commits (such
                // handles stay valid for the environment's life), so that opening writes nothing.
                let existing = try environment.readHandles { txn throws -> Schema? in
                    func open(_ name: String) throws -> LMDBDatabase? {
                        let database = try environment.openDatabase(name, in: txn, create: false)
                        if database == nil && readOnly { throw EventLogError(.corruptRecord, "the log at \(path) has no \(name) database") }
                        return database
                    }
                    guard let meta = try open(Schema.metaName), let events = try open(Schema.eventsName),
                          let streamIndex = try open(Schema.streamIndexName), let streams = try open(Schema.streamsName),
                          let eventTypes = try open(Schema.eventTypesName) else { return nil }
                    let projections = try environment.openDatabase(Schema.projectionsName, in: txn, create: false)
                    guard projections != nil || readOnly else { return nil }
                    return Schema(meta: meta, events: events, streamIndex: streamIndex, streams: streams, eventTypes: eventTypes,
                                  projections: projections)
                }
                if let existing { return (existing, state.format ?? Schema.formatVersion) }
            }
            let schema = try environment.write { txn in
                func open(_ name: String) throws -> LMDBDatabase {
                    guard let database = try environment.openDatabase(name, in: txn, create: true) else {
                        throw EventLogError(.storage, "cannot open the \(name) database of \(path)")
                    }
                    return database
                }
                let schema = Schema(meta: try open(Schema.metaName), events: try open(Schema.eventsName),
                                    streamIndex: try open(Schema.streamIndexName), streams: try open(Schema.streamsName),
                                    eventTypes: try open(Schema.eventTypesName), projections: try open(Schema.projectionsName))
                if state.format == nil { try schema.writeFormat(Schema.formatVersion, in: txn) }
                return schema
            }
            return (schema, state.format ?? Schema.formatVersion)
        } catch {
            throw EventLogError.wrap(error, "opening the log at \(path)")
        }
    }

    /// Loads the event type names (a short table) into the cache.
    private func loadNames() throws(EventLogError) {
        do {
            try environment.read { txn in
                try txn.withCursor(schema.eventTypes) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        guard current.key.count == 4 else { throw EventLogError(.corruptRecord, "the eventTypes database holds a key of \(current.key.count) bytes") }
                        typeNames.insert(UInt32(bigEndian: current.key.loadUnaligned(as: UInt32.self)), String(decoding: current.value, as: UTF8.self))
                        entry = try cursor.next()
                    }
                }
            }
        } catch {
            throw EventLogError.wrap(error, "reading the event types")
        }
    }

    // MARK: Transactions

    /// Runs `body` in a write transaction of this log, commits, and updates the caches and waiting
    /// subscribers. `body` may run more than once if the map must grow; it must not have outside effects.
    package func performWrite<T>(_ body: (inout WriteSession) throws -> T) throws -> T {
        guard let authority = authority.withLock({ $0 }) else { return try performLocalWrite(body) }
        // Before the authority's lock: a write that may not begin must not take it (a nested write
        // would wait for the lock its own thread holds).
        try checkWritable()
        // With an authority, the write takes its lock and catches up first, and extends it before
        // the local commit (see CommitAuthority). Should the authority find itself moved on all the
        // same, the write runs again; the tries are bounded, so a shared log that never stops moving
        // is an error rather than a loop.
        var tries = 0
        while true {
            try authority.prepare(self)
            do {
                defer { authority.finish() }
                return try performWriteOnce(body, authority: authority)
            } catch let error as EventLogError where error.code == .replicaBehind {
                tries += 1
                guard tries < Self.replicaTries else { throw error }
                metrics.replicaRetries.increment()
            }
        }
    }

    /// How often a write tries to extend a shared log before it reports ``EventLogError/Code/replicaBehind``.
    static let replicaTries = 64

    /// Copies what the shared log this one replicates holds and this one lacks; `false` if there
    /// is no shared log or nothing was missing.
    package func refreshFromAuthority() throws -> Bool {
        guard let authority = authority.withLock({ $0 }) else { return false }
        return try authority.refresh(self) > 0
    }

    /// A write transaction on this log alone, without its ``authority``: for work that appends no
    /// events of its own (projection steps, copying the shared log's records).
    package func performLocalWrite<T>(_ body: (inout WriteSession) throws -> T) throws -> T {
        try performWriteOnce(body, authority: nil)
    }

    /// Throws unless a write may begin: the log is writable, and the thread is not inside a read or
    /// write of it.
    private func checkWritable() throws(EventLogError) {
        guard !options.readOnly else {
            throw EventLogError(.readOnly, "the log at \(environment.path) was opened read-only; nothing can be written to it")
        }
        guard !environment.isInsideTransaction else {
            throw EventLogError(.misuse, "a write cannot begin inside a read or write closure of the same log on the same thread")
        }
    }

    private func performWriteOnce<T>(_ body: (inout WriteSession) throws -> T, authority: (any CommitAuthority)?) throws -> T {
        try checkWritable()
        writeLock.lock()
        defer { writeLock.unlock() }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            var committed: WriteSession?
            let value = try environment.write { txn in
                var session = try WriteSession(core: self, txn: txn)
                let value: T
                do {
                    value = try body(&session)
                } catch {
                    // A full map must reach the environment as itself, so that it grows and retries.
                    if let failure = session.storageFailure { throw failure }
                    throw error
                }
                try session.finish()
                if session.head > session.startHead, !session.isReplicating {
                    if let authority {
                        try authority.accept(try session.committingRecords())
                    } else if self.authority.withLock({ $0 != nil }) {
                        throw EventLogError(.misuse, "a write of a replica appended events without its shared log; nothing is committed")
                    }
                }
                committed = session
                return value
            }
            if let session = committed {
                for work in session.afterCommit { work() }
                if session.upgradedFormat { format.store(Schema.formatVersion, ordering: .relaxed) }
                writerStreams.withLock { $0 = session.streams }
                if session.head > session.startHead || !session.newTypes.isEmpty {
                    for type in session.newTypes { typeNames.insert(type.code, type.name) }
                    for stream in session.newStreams { streamNames.insert(stream.number, stream.name) }
                    commits.didCommit(head: session.head)
                }
                metrics.commits.increment()
                metrics.appendedEvents.increment(by: Int64(clamping: session.head - session.startHead))
                metrics.commitDuration.recordNanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds - started))
                if session.upgradedFormat { logger.notice("the log's first append in this version made it format \(Schema.formatVersion)") }
            }
            return value
        }
    }

    /// Runs `body` with a snapshot of the committed log.
    package func performRead<T>(_ body: (LogSnapshot) throws -> T) throws -> T {
        try environment.read { txn in
            let snapshot = try LogSnapshot(core: self, txn: txn)
            return try body(snapshot)
        }
    }

    /// Stops the group-commit thread after it has finished what it was given, then closes the
    /// environment. Called by the registry, under its lock, when the last handle goes away.
    package func shutdown() {
        committer.stop()
        // What follows a shared log into this one stops before the environment goes.
        let replicated = authority.withLock { current -> (any CommitAuthority)? in
            defer { current = nil }
            return current
        }
        replicated?.stop()
        environment.close()
    }
}
