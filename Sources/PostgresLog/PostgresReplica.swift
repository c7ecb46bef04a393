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
    /// Handles on the same path in one process share one replica. Projections run on the replica,
    /// inline, as on any log; so do reads, which never touch the database.
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

    /// ``pull(into:)`` on the engine's core. With `locked`, a connection whose transaction holds the
    /// ledger's lock (a write's ``CommitAuthority/prepare(_:)``), the pages are read in that
    /// transaction; otherwise each in a read-only transaction of the shared connection.
    func pull(into core: LogCore, locked: PostgresConnection? = nil, head lockedHead: (position: UInt64, hash: ChainHash)?? = nil) throws -> UInt64 {
        var copied: UInt64 = 0
        while true {
            let local = try core.performRead { snapshot -> (head: UInt64, record: [UInt8]) in
                var record: [UInt8] = []
                if snapshot.lastPosition > 0 {
                    try snapshot.forEachEvent(from: snapshot.lastPosition, through: snapshot.lastPosition) { record = Array($0.header.bytes) }
                }
                return (snapshot.lastPosition, record)
            }
            let page = if let locked {
                try readPage(locked, after: local.head, record: local.record, knownHead: lockedHead)
            } else {
                try withConnection { (connection) throws(EventLogError) in
                    try connection.transaction("reading ledger \(ledger)", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { () throws(EventLogError) in
                        try readPage(connection, after: local.head, record: local.record)
                    }
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
        }
    }

    /// The records after `head` (up to a page), with the names of the streams and types that are
    /// new in them, read in `connection`'s transaction; first checks that the database's record at
    /// `head` is the replica's `record`.
    private func readPage(_ connection: PostgresConnection, after head: UInt64, record: [UInt8],
                          knownHead: (position: UInt64, hash: ChainHash)?? = nil) throws(EventLogError)
        -> (records: [[UInt8]], streams: [UInt64: String], types: [UInt32: String]) {
        let id = PostgresConnection.Value.text(ledger)
        let remote: (position: UInt64, hash: ChainHash)?
        if let knownHead {
            remote = knownHead
        } else {
            remote = try Self.head(try connection.execute("SELECT head, head_hash FROM clientledger_ledger WHERE ledger = $1", [id],
                                                          "reading the head of ledger \(ledger)"), ledger: ledger)
        }
        let remoteHead = remote?.position ?? 0
        guard head <= remoteHead else {
            throw EventLogError(.brokenChain, "the replica holds \(head) records, ledger \(ledger) in the database only \(remoteHead): the ledger was cut back, or the replica belongs to another ledger; the replica stops here",
                                position: remoteHead + 1)
        }
        if head > 0 {
            let rows = try connection.execute("SELECT record FROM clientledger_record WHERE ledger = $1 AND position = $2",
                                              [id, .int64(Int64(head))], "reading the record at position \(head) of ledger \(ledger)")
            guard rows.count == 1, rows.bytes(0, 0) == record else {
                throw EventLogError(.brokenChain, "ledger \(ledger) in the database holds another record at position \(head) than the replica: it was rewritten there or before, or the replica belongs to another ledger; the replica stops here",
                                    position: head)
            }
        }
        guard remoteHead > head else { return ([], [:], [:]) }
        let through = min(Int64(remoteHead), Int64(head) + Self.pullPageRecords)
        let rows = try connection.execute("SELECT position, record FROM clientledger_record WHERE ledger = $1 AND position > $2 AND position <= $3 ORDER BY position",
                                          [id, .int64(Int64(head)), .int64(through)], "reading the records of ledger \(ledger)")
        var records: [[UInt8]] = []
        records.reserveCapacity(rows.count)
        for index in 0..<rows.count {
            guard rows.int64(index, 0) == Int64(head) + 1 + Int64(index) else {
                throw EventLogError(.brokenChain, "the hash chain breaks at position \(head + 1 + UInt64(index)): ledger \(ledger) in the database holds no record there",
                                    position: head + 1 + UInt64(index))
            }
            records.append(rows.bytes(index, 1))
        }
        guard Int64(records.count) == through - Int64(head) else {
            throw EventLogError(.brokenChain, "the hash chain breaks at position \(head + 1 + UInt64(records.count)): ledger \(ledger) in the database holds no record there",
                                position: head + 1 + UInt64(records.count))
        }
        // Names the replica may lack: every stream and type numbered after the highest the
        // page's records use is left out, so a page brings at most its own new names.
        var streams: [UInt64: String] = [:], types: [UInt32: String] = [:]
        var highestStream: UInt64 = 0, highestType: UInt32 = 0
        for (offset, record) in records.enumerated() {
            let numbers = record.withUnsafeBytes { bytes -> (stream: UInt64, type: UInt32)? in
                // A record that does not decode is named by the replica's own check of it.
                (try? RecordHeader(position: head + 1 + UInt64(offset), bytes: bytes)).map { ($0.streamNumber, $0.typeCode) }
            }
            highestStream = max(highestStream, numbers?.stream ?? 0)
            highestType = max(highestType, numbers?.type ?? 0)
        }
        let streamRows = try connection.execute("SELECT number, name FROM clientledger_stream WHERE ledger = $1 AND number > $2 AND number <= $3",
                                                [id, .int64(Int64(clamping: highestStream) - Int64(records.count)), .int64(Int64(clamping: highestStream))],
                                                "reading the streams of ledger \(ledger)")
        for index in 0..<streamRows.count {
            if let number = streamRows.int64(index, 0) { streams[UInt64(bitPattern: number)] = String(decoding: streamRows.bytes(index, 1), as: UTF8.self) }
        }
        let typeRows = try connection.execute("SELECT code, name FROM clientledger_event_type WHERE ledger = $1 AND code <= $2",
                                              [id, .int32(Int32(bitPattern: highestType))], "reading the event types of ledger \(ledger)")
        for index in 0..<typeRows.count {
            if let code = typeRows.int32(index, 0) { types[UInt32(bitPattern: code)] = String(decoding: typeRows.bytes(index, 1), as: UTF8.self) }
        }
        return (records, streams, types)
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
    /// holds the ledger's lock (``lockHead(_:)``, which found the ledger's head at `remote`), or
    /// says it is behind.
    func accept(_ records: CommittingRecords, in connection: PostgresConnection, head remote: (position: UInt64, hash: ChainHash)?) throws(EventLogError) {
        let remoteHead = remote?.position ?? 0
        guard remoteHead == records.startHead, (remote?.hash ?? .genesis) == records.startHash else {
            if remoteHead > records.startHead {
                throw EventLogError(.replicaBehind, "ledger \(ledger) in the database is at position \(remoteHead), the replica at \(records.startHead): another instance appended first")
            }
            throw EventLogError(.brokenChain, "ledger \(ledger) in the database is at \(remoteHead) and does not hold the replica's record at position \(records.startHead): it was cut back or rewritten, or the replica belongs to another ledger; nothing is appended",
                                position: records.startHead)
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
            types.append([.text(ledger), .int32(Int32(bitPattern: type.code)), .bytes(Array(type.name.utf8))])
        }
        try extend(connection, records: copy, streams: streams, types: types, head: records.endHead, hash: records.endHash)
    }
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

    func prepare(_ core: LogCore) throws {
        if let problem = problem.withLock({ $0 }) { throw problem }
        writing.lock()
        do {
            let connection = try writer ?? PostgresConnection(shared.conninfo)
            writer = connection
            try connection.run("BEGIN", "starting a write to ledger \(shared.ledger)")
            open = true
            // The ledger's lock, then what the replica lacks, read under it: the write decides on
            // the ledger's latest state, and nobody can extend it until this write commits.
            lockedHead = try shared.lockHead(connection)
            do {
                // What the replica lacks, read under the lock; a replica at the ledger's head has
                // only its head record compared, byte for byte, with the database's.
                _ = try shared.pull(into: core, locked: connection, head: lockedHead)
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
        try shared.accept(records, in: writer, head: lockedHead)
        try writer.run("COMMIT", "committing records of ledger \(shared.ledger)")
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
    private func follow(pollInterval: Double) {
        var listener: PostgresConnection?
        var lastLook = Date.distantPast
        while !stopping.load(ordering: .relaxed) {
            do {
                if listener == nil {
                    let connection = try PostgresConnection(shared.conninfo)
                    try connection.run("LISTEN \(PostgresLog.notificationChannel)", "listening for ledger \(shared.ledger)")
                    listener = connection
                    lastLook = .distantPast // whatever was notified while not listening
                }
                let notified = try listener?.notifications(waitingUpTo: Self.slice).contains(shared.ledger) ?? false
                guard notified || Date().timeIntervalSince(lastLook) >= pollInterval else { continue }
                lastLook = Date()
                guard let core, !stopping.load(ordering: .relaxed) else { return }
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
