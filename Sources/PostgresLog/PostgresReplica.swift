import EventLog
import Foundation
import Synchronization

extension PostgresLog {
    /// Records copied per page when a replica catches up: one query, one local transaction.
    static let pullPageRecords: Int64 = 8_192

    /// Makes `log` a replica of this ledger: copies the records it lacks (``pull(into:)``), then
    /// follows the ledger and routes every write to `log` through the database.
    ///
    /// **Following.** A thread with a connection of its own listens for the notification that each
    /// transaction extending the ledger sends (`LISTEN`/`NOTIFY`, a wake-up only) and copies the new
    /// records within moments; it also looks every `pollInterval` seconds, which is all it does where
    /// notifications do not pass (pgbouncer in transaction mode). It reconnects by itself after a
    /// lost connection. If it finds the ledger rewritten (a broken chain), it stops, and so does
    /// every write to `log`, with the error naming the position (``replicaProblem(of:)``); reads go
    /// on from what the replica holds, which held. `pollInterval` `nil`: no follower (the replica
    /// catches up when it writes, or on ``pull(into:)``).
    ///
    /// **Writing.** Every write to `log` first takes the ledger's lock in the database (on a
    /// connection of its own) and copies under it what the replica lacks: it decides on the
    /// ledger's latest state, and nobody can extend the ledger until it is done. If it appended
    /// events, they extend the ledger and the database commits just before the replica does: the
    /// same positions, bytes and head hash in both. So positions stay gapless and in commit order
    /// across every instance, no write is ever undone for being late, and a caller reads its own
    /// writes from its replica as soon as its append returns. If the process dies between the two
    /// commits, the next write copies the records back, and a retried append is recognised by its
    /// event ids.
    ///
    /// Handles on the same path in one process share one log, so a log is attached once (a second
    /// ``attach(_:pollInterval:)`` of it is misuse), and its other handles write through it.
    /// Projections run on the replica, inline, as on any log; so do reads, which never touch the
    /// database.
    ///
    /// - Throws: what ``pull(into:)`` throws; ``EventLogError/Code/misuse`` if `log` was opened
    ///   read-only or already replicates a ledger.
    public func attach(_ log: EventLog, pollInterval: Double? = 1) throws(EventLogError) {
        guard !log.isReadOnly else {
            throw EventLogError(.misuse, "the log at \(log.path) was opened read-only: a replica must be writable to follow the ledger")
        }
        try pull(into: log)
        let authority = ReplicaAuthority(shared: self, core: log.core)
        let attached = log.core.authority.withLock { current -> Bool in
            guard current == nil else { return false }
            current = authority
            return true
        }
        guard attached else { throw EventLogError(.misuse, "the log at \(log.path) already replicates a ledger") }
        // The database holds every commit durably: the replica's own flush its data, not LMDB's
        // meta page. A system crash may then undo the replica's last commits (never damage it);
        // the next write or look copies them again. Until it detaches.
        do {
            try log.core.environment.flushesMetaPage(false)
        } catch {
            detach(log)
            throw EventLogError.wrap(error, "setting up the replica at \(log.path)")
        }
        if let pollInterval { authority.startFollowing(pollInterval: max(pollInterval, 0.01)) }
    }

    /// Stops following and routing `log`'s writes through the database: it becomes a log of its
    /// own again, which holds what it held.
    public func detach(_ log: EventLog) {
        let authority = log.core.authority.withLock { current -> (any CommitAuthority)? in
            defer { current = nil }
            return current
        }
        authority?.stop()
        // A log of its own again: its commits are durable only if it flushes them whole.
        if authority != nil { try? log.core.environment.flushesMetaPage(true) }
    }

    /// Why `log`, a replica of this ledger, stopped following it and refuses writes (a broken chain
    /// in the database, naming the position); `nil` while it follows, or if it is not attached.
    public func replicaProblem(of log: EventLog) -> EventLogError? {
        (log.core.authority.withLock { $0 } as? ReplicaAuthority)?.problem.withLock { $0 }
    }

    /// Copies into `log` the records of this ledger it lacks, checking each as it goes: the record
    /// at the replica's head must be the one the database holds there, and each new record must
    /// link to the one before it, be the next version of its stream, and carry the numbers this
    /// replica has (or gives next) for its names — a replica is a witness that the ledger was not
    /// rewritten. Works in transactions of 8,192 records.
    ///
    /// - Returns: how many records were copied.
    /// - Throws: ``EventLogError/Code/brokenChain`` naming the position if the database's ledger
    ///   is not the replica's continued (rewritten, cut back, or another ledger): the records before
    ///   the break are kept, none after it. ``EventLogError/Code/storage`` if the database cannot be
    ///   read.
    @discardableResult
    public func pull(into log: EventLog) throws(EventLogError) -> UInt64 {
        do {
            return try pull(into: log.core)
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError.wrap(error, "copying ledger \(ledger) into the replica at \(log.path)")
        }
    }

    /// What a write read in the transaction that locked the ledger (``CommitAuthority/prepare(_:)``):
    /// the ledger's head, and the first page of records after the replica's head `after`.
    struct LockedRead {
        let connection: PostgresConnection
        let head: (position: UInt64, hash: ChainHash)?
        /// The replica's head when the lock was asked for, and the record there and the page after
        /// it as the lock's transaction read them (`nil`: not read with the lock).
        let local: LocalHead
        let read: (record: PostgresConnection.Rows, page: PostgresConnection.Rows)?
    }

    /// The statements that read, after a replica's head `head`, the database's record there and
    /// the page that follows (``recordQuery``, ``pageQuery``).
    func readStatements(after head: UInt64) -> [PostgresConnection.Statement] {
        let id = PostgresConnection.Value.text(ledger)
        return [.init(Self.recordQuery, [id, .int64(Int64(head))]),
                .init(Self.pageQuery, [id, .int64(Int64(head)), .int64(Int64(head) + Self.pullPageRecords)])]
    }

    /// The record at `$2`.
    static let recordQuery = "SELECT record FROM clientledger_record WHERE ledger = $1 AND position = $2"

    /// The page of records after `$2` (a replica's head), up to `$3` and never past the ledger's
    /// head: what a replica copies in one local transaction.
    static let pageQuery = "SELECT position, record FROM clientledger_record WHERE ledger = $1 AND position > $2 AND position <= $3 "
        + "AND position <= (SELECT head FROM clientledger_ledger WHERE ledger = $1) ORDER BY position"

    /// ``pull(into:)`` on the engine's core. With `locked` (a write's ``CommitAuthority/prepare(_:)``),
    /// the pages are read in the transaction that holds the ledger's lock, the first one as it was
    /// read with the lock; otherwise each in a read-only transaction of the shared connection.
    func pull(into core: LogCore, locked: LockedRead? = nil) throws -> UInt64 {
        var copied: UInt64 = 0
        // The first page under the lock was read with it, after the head the write read then (no
        // other pass copies meanwhile: the write holds the replica's `writing`).
        var prefetched = locked.flatMap { locked in locked.read.map { (locked.local, $0) } }
        while true {
            let local: LocalHead, read: (record: PostgresConnection.Rows, page: PostgresConnection.Rows)?
            if let (known, rows) = prefetched {
                (local, read) = (known, rows)
                prefetched = nil
            } else {
                (local, read) = (try Self.localHead(core), nil)
            }
            let page = if let locked {
                try readPage(locked.connection, after: local, remote: locked.head, prefetched: read)
            } else {
                try withConnection { (connection) throws(EventLogError) in
                    // The head, the replica's head record and the page after it, from one snapshot
                    // in one round trip.
                    let id = PostgresConnection.Value.text(ledger)
                    let results: [PostgresConnection.Rows]
                    do throws(EventLogError) {
                        results = try connection.pipeline([.init("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
                                                           .init("SELECT head, head_hash FROM clientledger_ledger WHERE ledger = $1", [id])]
                                                          + readStatements(after: local.head) + [.init("COMMIT")], "reading ledger \(ledger)")
                    } catch {
                        // A statement that failed leaves the transaction open, and failed.
                        try? connection.run("ROLLBACK", "ending a read of ledger \(ledger)")
                        throw error
                    }
                    return try readPage(connection, after: local, remote: try Self.head(results[1], ledger: ledger), prefetched: (results[2], results[3]))
                }
            }
            guard !page.records.isEmpty else { return copied }
            // The shared connection is not held while the replica writes. The records before a
            // break are kept (they hold); the break is reported after.
            let (count, failure) = try core.performLocalWrite { session -> (Int, (any Error)?) in
                // Another pass (the follower, or a write catching up) may have copied them meanwhile.
                guard session.head == local.head else { return (0, nil) }
                for (offset, record) in page.records.enumerated() {
                    let position = local.head + 1 + UInt64(offset)
                    do {
                        try record.withUnsafeBytes { bytes in
                            let header = try RecordHeader(position: position, bytes: bytes)
                            let typeName = try page.types[header.typeCode] ?? Self.localName(ofType: header.typeCode, session, position)
                            let streamName = try page.streams[header.streamNumber] ?? Self.localName(ofStream: header.streamNumber, session, position)
                            try session.replicate(bytes, at: position, typeName: typeName, streamName: streamName)
                        }
                    } catch let error as EventLogError where offset > 0 && error.code != .storage {
                        return (offset, error)
                    }
                }
                return (page.records.count, nil)
            }
            copied += UInt64(count)
            if let failure { throw failure }
            if let problem = page.problem { throw problem }
        }
    }

    /// A replica's head: its last position and that record's hash, and the highest stream number
    /// and type code it names.
    struct LocalHead {
        var head: UInt64 = 0
        var hash = ChainHash.genesis
        var record: [UInt8] = []
        var lastStream: UInt64 = 0
        var lastType: UInt32 = 0
    }

    static func localHead(_ core: LogCore) throws -> LocalHead {
        try core.performRead { snapshot -> LocalHead in
            var local = LocalHead(head: snapshot.lastPosition)
            if snapshot.lastPosition > 0 {
                try snapshot.forEachEvent(from: snapshot.lastPosition, through: snapshot.lastPosition) { event in
                    local.hash = event.header.storedHash
                    local.record = Array(event.header.bytes)
                }
            }
            (local.lastStream, local.lastType) = try snapshot.lastNumbers()
            return local
        }
    }

    /// A page of records to copy: the records after the replica's head, with the names of the
    /// streams and types that are new in them; `problem`, a break found after the last of them.
    struct Page {
        var records: [[UInt8]] = []
        var streams: [UInt64: String] = [:]
        var types: [UInt32: String] = [:]
        var problem: EventLogError?
    }

    /// The records after `local`'s head (up to a page), read in `connection`'s transaction, in which
    /// the ledger's head is `remote` (`prefetched`: the record at the replica's head and the page
    /// after it, read already). The replica's head record must be byte for byte the database's
    /// there; the first record read must link to it
    /// (``WriteSession/replicate(_:at:typeName:streamName:)`` checks every link); and the ledger's
    /// last record must have the hash its head row names.
    private func readPage(_ connection: PostgresConnection, after local: LocalHead, remote: (position: UInt64, hash: ChainHash)?,
                          prefetched: (record: PostgresConnection.Rows, page: PostgresConnection.Rows)? = nil) throws(EventLogError) -> Page {
        let id = PostgresConnection.Value.text(ledger)
        let head = local.head
        let remoteHead = remote?.position ?? 0
        guard head <= remoteHead else {
            throw EventLogError(.brokenChain, "the replica holds \(head) records, ledger \(ledger) in the database only \(remoteHead): the ledger was cut back, or the replica belongs to another ledger; the replica stops here",
                                position: remoteHead + 1)
        }
        if head > 0 {
            let rows = if let prefetched { prefetched.record } else {
                try connection.execute(Self.recordQuery, [id, .int64(Int64(head))], "reading the record at position \(head) of ledger \(ledger)")
            }
            guard rows.count == 1, rows.bytes(0, 0) == local.record, remoteHead > head || remote?.hash == local.hash else {
                throw EventLogError(.brokenChain, "ledger \(ledger) in the database holds another record at position \(head) than the replica: it was rewritten there or before, or the replica belongs to another ledger; the replica stops here",
                                    position: head)
            }
        }
        guard remoteHead > head else { return Page() }
        let through = min(Int64(remoteHead), Int64(head) + Self.pullPageRecords)
        let rows = if let prefetched { prefetched.page } else {
            try connection.execute(Self.pageQuery, [id, .int64(Int64(head)), .int64(Int64(head) + Self.pullPageRecords)], "reading the records of ledger \(ledger)")
        }
        var page = Page()
        page.records.reserveCapacity(rows.count)
        for index in 0..<rows.count {
            guard rows.int64(index, 0) == Int64(head) + 1 + Int64(index) else { break }
            page.records.append(rows.bytes(index, 1))
        }
        let end = Int64(head) + Int64(page.records.count)
        if end < through {
            page.problem = EventLogError(.brokenChain, "the hash chain breaks at position \(end + 1): ledger \(ledger) in the database holds no record there",
                                         position: UInt64(end + 1))
        } else if end == Int64(remoteHead), let last = page.records.last,
                  last.withUnsafeBytes({ (try? RecordHeader(position: UInt64(end), bytes: $0))?.storedHash }) != remote?.hash {
            page.problem = EventLogError(.brokenChain, "ledger \(ledger) in the database names another hash for its head at position \(end) than its record there has: its head row or that record was changed",
                                         position: UInt64(end))
        }
        // Names the replica lacks: only the streams and types numbered after the replica's last
        // and up to the highest the page's records use.
        var highestStream: UInt64 = 0, highestType: UInt32 = 0
        for (offset, record) in page.records.enumerated() {
            // A record that does not decode is named by the replica's own check of it.
            let numbers = record.withUnsafeBytes { bytes in
                (try? RecordHeader(position: head + 1 + UInt64(offset), bytes: bytes)).map { ($0.streamNumber, $0.typeCode) }
            }
            guard let (stream, type) = numbers else { continue }
            highestStream = max(highestStream, stream)
            highestType = max(highestType, type)
        }
        if highestStream > local.lastStream {
            let streamRows = try connection.execute("SELECT number, name FROM clientledger_stream WHERE ledger = $1 AND number > $2 AND number <= $3",
                                                    [id, .int64(Int64(clamping: local.lastStream)), .int64(Int64(clamping: highestStream))],
                                                    "reading the streams of ledger \(ledger)")
            for index in 0..<streamRows.count {
                if let number = streamRows.int64(index, 0) { page.streams[UInt64(bitPattern: number)] = String(decoding: streamRows.bytes(index, 1), as: UTF8.self) }
            }
        }
        if highestType > local.lastType {
            let typeRows = try connection.execute("SELECT code, name FROM clientledger_event_type WHERE ledger = $1 AND code > $2 AND code <= $3",
                                                  [id, .int32(Int32(bitPattern: local.lastType)), .int32(Int32(bitPattern: highestType))],
                                                  "reading the event types of ledger \(ledger)")
            for index in 0..<typeRows.count {
                if let code = typeRows.int32(index, 0) { page.types[UInt32(bitPattern: code)] = String(decoding: typeRows.bytes(index, 1), as: UTF8.self) }
            }
        }
        return page
    }

    private static func localName(ofType code: UInt32, _ session: WriteSession, _ position: UInt64) throws -> String {
        guard let name = try session.txn.typeName(session.schema, code: code) else {
            throw EventLogError(.brokenChain, "the record at position \(position) of the shared log has type code \(code), which neither the database nor the replica names", position: position)
        }
        return name
    }

    private static func localName(ofStream number: UInt64, _ session: WriteSession, _ position: UInt64) throws -> String {
        guard let name = try session.txn.streamEntry(session.schema, number: number)?.name else {
            throw EventLogError(.brokenChain, "the record at position \(position) of the shared log belongs to stream number \(number), which neither the database nor the replica names", position: position)
        }
        return name
    }

    /// Extends the ledger with a replica's write transaction in `connection`'s transaction, which
    /// holds the ledger's lock (taken by the write's ``CommitAuthority/prepare(_:)``, which found the
    /// ledger's head at `remote`), and
    /// commits; or says it is behind. A write of up to ``pipelinedRecords`` records takes one round
    /// trip: its rows go as arrays (`unnest`), pipelined with the head's move and the commit; a
    /// larger one is copied (`COPY`).
    func accept(_ records: CommittingRecords, in connection: PostgresConnection, head remote: (position: UInt64, hash: ChainHash)?) throws(EventLogError) {
        let remoteHead = remote?.position ?? 0
        guard remoteHead == records.startHead, (remote?.hash ?? .genesis) == records.startHash else {
            if remoteHead > records.startHead {
                throw EventLogError(.replicaBehind, "ledger \(ledger) in the database is at position \(remoteHead), the replica at \(records.startHead): the ledger moved on under a lock that was lost")
            }
            throw EventLogError(.brokenChain, "ledger \(ledger) in the database is at \(remoteHead) and does not hold the replica's record at position \(records.startHead): it was cut back or rewritten, or the replica belongs to another ledger; nothing is appended",
                                position: records.startHead)
        }
        let id = PostgresConnection.Value.text(ledger)
        if records.records.count <= Self.pipelinedRecords, records.records.reduce(0, { $0 + $1.count }) <= Self.pipelinedBytes {
            var statements: [PostgresConnection.Statement] = []
            if !records.newTypes.isEmpty {
                statements.append(.init("INSERT INTO clientledger_event_type (ledger, code, name) SELECT $1, code, name FROM unnest($2::integer[], $3::bytea[]) AS t(code, name)",
                                        [id, .int32Array(records.newTypes.map { Int32(bitPattern: $0.code) }), .bytesArray(records.newTypes.map { Array($0.name.utf8) })]))
            }
            if !records.newStreams.isEmpty {
                statements.append(.init("INSERT INTO clientledger_stream (ledger, number, name) SELECT $1, number, name FROM unnest($2::bigint[], $3::bytea[]) AS t(number, name)",
                                        [id, .int64Array(records.newStreams.map { Int64(bitPattern: $0.number) }), .bytesArray(records.newStreams.map { Array($0.name.utf8) })]))
            }
            // The records and the head's move in one statement.
            statements.append(.init("WITH added AS (INSERT INTO clientledger_record (ledger, position, record) "
                                    + "SELECT $1, $2 + n, record FROM unnest($3::bytea[]) WITH ORDINALITY AS t(record, n)) "
                                    + "UPDATE clientledger_ledger SET head = $4, head_hash = $5 WHERE ledger = $1",
                                    [id, .int64(Int64(records.startHead)), .bytesArray(records.records), .int64(Int64(records.endHead)), .bytes(records.endHash.bytes)]))
            statements.append(.init("COMMIT"))
            statements.append(notificationStatement(head: records.endHead))
            _ = try connection.pipeline(statements, "appending \(records.records.count) records to ledger \(ledger)")
            return
        }
        var copy = BinaryCopy(), streams = BinaryCopy(), types = BinaryCopy()
        let ledgerBytes = Array(ledger.utf8)
        for (offset, record) in records.records.enumerated() {
            record.withUnsafeBytes { copy.append(ledger: ledgerBytes, number: Int64(records.startHead) + 1 + Int64(offset), bytes: $0) }
        }
        for stream in records.newStreams {
            Array(stream.name.utf8).withUnsafeBytes { streams.append(ledger: ledgerBytes, number: Int64(bitPattern: stream.number), bytes: $0) }
        }
        for type in records.newTypes {
            types.append([id, .int32(Int32(bitPattern: type.code)), .bytes(Array(type.name.utf8))])
        }
        try extend(connection, records: copy, streams: streams, types: types, head: records.endHead, hash: records.endHash)
        try connection.run("COMMIT", "committing records of ledger \(ledger)")
        notify(connection, head: records.endHead)
    }

    /// The most records, and bytes of them, a write sends in one round trip rather than by `COPY`.
    static let pipelinedRecords = 512
    static let pipelinedBytes = 4 << 20
}

/// The database as the authority of a replica (see ``CommitAuthority``), and the thread that
/// follows it.
private final class ReplicaAuthority: CommitAuthority {
    let shared: PostgresLog
    /// The replica's core, held weakly: the core holds this authority.
    private weak let core: LogCore?
    /// The broken chain that stopped the replica, once found.
    let problem = Mutex<EventLogError?>(nil)
    private let stopping = Atomic<Bool>(false)
    /// Signalled by the follower when it has stopped.
    private let stopped = Mutex<Bool>(true)
    /// A follower waits at most this long between looks at `stopping`, so that it stops promptly.
    private static let slice = 0.1

    init(shared: PostgresLog, core: LogCore) {
        self.shared = shared
        self.core = core
    }

    /// The connection this process's writes extend the ledger with, made at the first write; used
    /// only between ``prepare(_:)`` and ``finish()``, under `writing`.
    private nonisolated(unsafe) var writer: PostgresConnection?
    /// Whether `writer` has a transaction open (``prepare(_:)`` began it, ``accept(_:)`` did not
    /// commit it yet).
    private nonisolated(unsafe) var open = false
    /// The ledger's head as the open transaction locked it.
    private nonisolated(unsafe) var lockedHead: (position: UInt64, hash: ChainHash)?
    /// Held from ``prepare(_:)`` to ``finish()``: one write of this process at a time talks to the
    /// database, as one at a time writes to the replica.
    private let writing = NSLock()

    /// When the last write of this process began (`DispatchTime` nanoseconds), for the follower.
    private let lastWrite = Atomic<UInt64>(0)
    /// A write within this many seconds makes the process one that is writing (see ``follow(pollInterval:)``).
    private static let busyWindow = 0.05

    func prepare(_ core: LogCore) throws {
        if let problem = problem.withLock({ $0 }) { throw problem }
        writing.lock()
        lastWrite.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        do {
            let connection = try writer ?? PostgresConnection(shared.conninfo)
            writer = connection
            open = true // from here on, finish() rolls back whatever began
            // The ledger's lock, then what the replica lacks, read under it, in one round trip:
            // the write decides on the ledger's latest state, and nobody can extend it until this
            // write commits.
            let local = try PostgresLog.localHead(core)
            let id = PostgresConnection.Value.text(shared.ledger)
            let results = try connection.pipeline([.init("BEGIN"), .init(PostgresLog.lockQuery, [id])] + shared.readStatements(after: local.head),
                                                  "locking ledger \(shared.ledger) for a write")
            var read: (record: PostgresConnection.Rows, page: PostgresConnection.Rows)? = (results[2], results[3])
            if results[1].count == 1 {
                lockedHead = try PostgresLog.head(results[1], ledger: shared.ledger)
            } else {
                // A ledger's first write makes its row.
                lockedHead = try shared.lockHead(connection)
                read = nil
            }
            do {
                _ = try shared.pull(into: core, locked: .init(connection: connection, head: lockedHead, local: local, read: read))
            } catch let error as EventLogError where error.code == .brokenChain {
                stopServing(error)
                throw error
            }
        } catch {
            finish()
            throw error
        }
    }

    func accept(_ records: CommittingRecords) throws {
        guard open, let writer else {
            // The local transaction ran again after this write had committed in the database (the
            // map grew at the local commit): the database holds these records already. Run the
            // write again from the lock; the replica copies them, and the retry recognises them.
            throw EventLogError(.replicaBehind, "the write to ledger \(shared.ledger) committed in the database before the replica could commit it; it runs again")
        }
        do {
            try shared.accept(records, in: writer, head: lockedHead)
        } catch {
            // A pool handed this transaction a server session without the statements: nothing was
            // appended; the write runs again from the lock, preparing them anew.
            guard error.code == .storage, writer.lostPreparedStatement else { throw error }
            throw EventLogError(.replicaBehind, "the server session of the write to ledger \(shared.ledger) lacked its prepared statements; it runs again")
        }
        open = false
    }

    func refresh(_ core: LogCore) throws -> UInt64 {
        if let problem = problem.withLock({ $0 }) { throw problem }
        do {
            return try shared.pull(into: core)
        } catch let error as EventLogError where error.code == .brokenChain {
            stopServing(error)
            throw error
        }
    }

    func finish() {
        if open {
            try? writer?.run("ROLLBACK", "ending a write to ledger \(shared.ledger)")
            open = false
        }
        writing.unlock()
    }

    private func stopServing(_ error: EventLogError) {
        problem.withLock { $0 = $0 ?? error }
        core?.logger.error("the replica stopped following ledger \(shared.ledger): \(error.message)")
    }

    func startFollowing(pollInterval: Double) {
        stopped.withLock { $0 = false }
        let thread = Thread { [self] in
            follow(pollInterval: pollInterval)
            stopped.withLock { $0 = true }
        }
        thread.name = "clientledger-replica"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        while !stopped.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
    }

    /// Copies the ledger's new records as they are notified, and every `pollInterval` seconds.
    ///
    /// A process that is writing catches up under the ledger's lock at every write: while it
    /// writes (a write began within ``busyWindow``), the follower leaves the replica to its writes
    /// and only notes what was announced; it copies what the writes did not bring once they pause.
    /// A replica that only reads follows at once.
    private func follow(pollInterval: Double) {
        var listener: PostgresConnection?
        var lastLook = Date.distantPast
        // The highest head announced that the replica may not hold yet.
        var wanted: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            do {
                if listener == nil {
                    let connection = try PostgresConnection(shared.conninfo)
                    try connection.run("LISTEN \(PostgresLog.notificationChannel)", "listening for ledger \(shared.ledger)")
                    listener = connection
                    lastLook = .distantPast // whatever was notified while not listening
                }
                let announced = try listener?.notifications(waitingUpTo: wanted > 0 ? Self.busyWindow : Self.slice).compactMap(shared.announcedHead).max()
                guard let core else { return }
                wanted = max(wanted, announced ?? 0)
                // A notification of what the replica holds already (its own write's) needs no look.
                if wanted > 0, wanted <= (try core.performRead { $0.lastPosition }) { wanted = 0 }
                let pollDue = Date().timeIntervalSince(lastLook) >= pollInterval
                guard wanted > 0 || pollDue else { continue }
                guard pollDue || DispatchTime.now().uptimeNanoseconds &- lastWrite.load(ordering: .relaxed) > UInt64(Self.busyWindow * 1e9),
                      writing.try() else { continue }
                defer { writing.unlock() }
                wanted = 0
                lastLook = Date()
                guard !stopping.load(ordering: .relaxed) else { return }
                _ = try shared.pull(into: core)
            } catch let error as EventLogError where error.code == .brokenChain {
                stopServing(error)
                return
            } catch {
                // The database is away or the connection was lost: listen again after a pause.
                listener = nil
                Thread.sleep(forTimeInterval: Self.slice)
            }
        }
    }
}
