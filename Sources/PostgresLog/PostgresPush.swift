import EventLog

/// What ``PostgresLog/push(from:progress:)`` did.
public struct PushResult: Hashable, Sendable, Codable {
    /// How many records this push copied (0 when the database already held them all).
    public let eventsCopied: UInt64
    /// The ledger's head in the database afterwards: the local log's head when the push began, or
    /// later if it grew meanwhile. `nil` for an empty log.
    public let head: HeadHash?
}

extension PostgresLog {
    /// The most records one transaction of a push copies.
    static let pushBatchRecords: UInt64 = 20_000
    /// The most record bytes one transaction of a push copies (about).
    static let pushBatchBytes = 16 << 20

    /// Copies the records of `log` that the database lacks into it, with the names their codes
    /// stand for, so that the ledger in the database is the local log: the same positions, the same
    /// bytes, the same head hash.
    ///
    /// It works in transactions of up to 20,000 records. Each locks the ledger's row
    /// (`SELECT … FOR UPDATE`), checks that the database's head is where the local log has the same
    /// record, copies the next records and moves the head — so each transaction extends the chain
    /// whole or not at all, and a push that stops (a lost connection, a signal) is carried on by
    /// the next one from where it stopped. Every record is checked against the local chain as it is
    /// read.
    ///
    /// - Parameter progress: called after each transaction with the records copied so far and the
    ///   number to copy.
    /// - Throws: ``EventLogError/Code/brokenChain`` if the database holds a different chain — a
    ///   record at its head that is not the local one, or more records than the local log — naming
    ///   the position; nothing is copied then. ``EventLogError/Code/storage`` if the database
    ///   refuses or the connection is lost (what committed stays, and is a whole prefix of the log).
    @discardableResult
    public func push(from log: EventLog, progress: ((_ copied: UInt64, _ total: UInt64) -> Void)? = nil) throws(EventLogError) -> PushResult {
        try withConnection { (connection) throws(EventLogError) -> PushResult in
            var copied: UInt64 = 0
            var total: UInt64?
            while true {
                let step = try connection.transaction("records of ledger \(ledger)") { () throws(EventLogError) in
                    try pushStep(log, connection, total: &total, copiedBefore: copied)
                }
                copied += step.copied
                if step.copied > 0, let head = step.head {
                    notify(connection, head: head.position)
                    progress?(copied, total ?? copied)
                }
                if step.finished { return PushResult(eventsCopied: copied, head: step.head) }
            }
        }
    }

    /// One transaction of a push: locks the ledger's row, copies the next records, moves the head.
    private func pushStep(_ log: EventLog, _ connection: PostgresConnection, total: inout UInt64?, copiedBefore: UInt64)
        throws(EventLogError) -> (copied: UInt64, finished: Bool, head: HeadHash?) {
        let remote = try lockHead(connection)
        let (knownStream, knownType) = try lastNumbers(connection)
        let ledgerBytes = Array(ledger.utf8)
        let from = remote?.position ?? 0

        struct Batch {
            var records = BinaryCopy(), streams = BinaryCopy(), types = BinaryCopy()
            var through: UInt64 = 0
            var hash = ChainHash.genesis
            var last: UInt64 = 0
        }
        let batch: Batch
        do {
            batch = try log.read { snapshot -> Batch in
                var batch = Batch()
                batch.last = snapshot.lastPosition
                guard from <= snapshot.lastPosition else {
                    throw EventLogError(.brokenChain, "ledger \(ledger) in PostgreSQL holds \(from) records, the local log only \(snapshot.lastPosition): they are not the same ledger, or the local one is older; nothing was copied",
                                        position: snapshot.lastPosition + 1)
                }
                if total == nil { total = snapshot.lastPosition - from + copiedBefore }
                let through = min(snapshot.lastPosition, from + Self.pushBatchRecords)
                batch.through = from
                var nextStream = UInt64(clamping: knownStream), nextType = UInt32(clamping: knownType)
                // From the database's head record, to compare it with the local one; every record
                // read is checked against the local chain on the way.
                try snapshot.forEachEvent(from: max(from, 1), through: through) { event in
                    let header = event.header
                    if event.position == from {
                        guard let remote, header.storedHash == remote.hash else {
                            throw EventLogError(.brokenChain, "ledger \(ledger) in PostgreSQL has another record at position \(from) than the local log: they are not the same ledger; nothing was copied",
                                                position: from)
                        }
                        batch.hash = remote.hash
                        return
                    }
                    guard batch.records.byteCount < Self.pushBatchBytes else { return }
                    if header.streamNumber > nextStream {
                        nextStream = header.streamNumber
                        Array(event.stream.utf8).withUnsafeBytes { batch.streams.append(ledger: ledgerBytes, number: Int64(bitPattern: nextStream), bytes: $0) }
                    }
                    if header.typeCode > nextType {
                        nextType = header.typeCode
                        batch.types.append([.text(ledger), .int32(Int32(bitPattern: nextType)), .bytes(Array(event.type.utf8))])
                    }
                    batch.records.append(ledger: ledgerBytes, number: Int64(bitPattern: event.position), bytes: header.bytes)
                    batch.through = event.position
                    batch.hash = header.storedHash
                }
                return batch
            }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError.wrap(error, "reading the local log")
        }
        guard batch.through > from else {
            return (0, true, remote.map { HeadHash(position: $0.position, hash: $0.hash) })
        }
        try extend(connection, records: batch.records, streams: batch.streams, types: batch.types, head: batch.through, hash: batch.hash)
        return (batch.through - from, batch.through == batch.last, HeadHash(position: batch.through, hash: batch.hash))
    }

    /// The first step of every transaction that extends the ledger: makes its row if it is new and
    /// locks it (`SELECT … FOR UPDATE`, held to the end of the transaction: every other extension of
    /// this ledger waits here), and returns its head.
    func lockHead(_ connection: PostgresConnection) throws(EventLogError) -> (position: UInt64, hash: ChainHash)? {
        let id = PostgresConnection.Value.text(ledger)
        var rows = try connection.execute(Self.lockQuery, [id], "locking the head of ledger \(ledger)")
        if rows.count == 0 {
            try connection.execute("INSERT INTO clientledger_ledger (ledger, head) VALUES ($1, 0) ON CONFLICT (ledger) DO NOTHING", [id],
                                   "registering ledger \(ledger)")
            rows = try connection.execute(Self.lockQuery, [id], "locking the head of ledger \(ledger)")
        }
        return try Self.head(rows, ledger: ledger)
    }

    /// Locks ledger `$1`'s row and returns its head.
    static let lockQuery = "SELECT head, head_hash FROM clientledger_ledger WHERE ledger = $1 FOR UPDATE"

    /// The highest stream number and type code the ledger names.
    private func lastNumbers(_ connection: PostgresConnection) throws(EventLogError) -> (stream: Int64, type: Int64) {
        let id = PostgresConnection.Value.text(ledger)
        let stream = try connection.execute("SELECT coalesce(max(number), 0) FROM clientledger_stream WHERE ledger = $1", [id],
                                            "reading the streams of ledger \(ledger)").int64(0, 0) ?? 0
        let type = try connection.execute("SELECT coalesce(max(code), 0)::bigint FROM clientledger_event_type WHERE ledger = $1", [id],
                                          "reading the event types of ledger \(ledger)").int64(0, 0) ?? 0
        return (stream, type)
    }

    /// The last step: copies the records and new names, and moves the ledger's head to `head`
    /// (whose record's hash is `hash`), under the lock ``lockHead(_:)`` took.
    func extend(_ connection: PostgresConnection, records: BinaryCopy, streams: BinaryCopy, types: BinaryCopy,
                head: UInt64, hash: ChainHash) throws(EventLogError) {
        if types.count > 0 { try connection.copy(into: "clientledger_event_type", columns: ["ledger", "code", "name"], rows: types) }
        if streams.count > 0 { try connection.copy(into: "clientledger_stream", columns: ["ledger", "number", "name"], rows: streams) }
        try connection.copy(into: "clientledger_record", columns: ["ledger", "position", "record"], rows: records)
        // The head moves, and the replicas that listen are notified (delivered at commit; a wake-up
        // only: they poll as well), in one statement.
        try connection.execute("UPDATE clientledger_ledger SET head = $2, head_hash = $3 WHERE ledger = $1",
                               [.text(ledger), .int64(Int64(head)), .bytes(hash.bytes)], "moving the head of ledger \(ledger)")
    }

    /// Tells the replicas that listen that the ledger's head is now `head`, after the transaction
    /// that moved it committed (``notificationStatement(head:)``). A wake-up only: if it cannot be
    /// sent, the followers find the records when they next look.
    func notify(_ connection: PostgresConnection, head: UInt64) {
        let statement = notificationStatement(head: head)
        _ = try? connection.execute(statement.sql, statement.parameters, "notifying the replicas of ledger \(ledger)")
    }

    /// The wake-up for the replicas that follow the ledger: the payload `<head> <ledger>` on channel
    /// ``notificationChannel``, sent in a transaction of its own after the one that moved the head
    /// committed. (Not in that transaction: PostgreSQL serialises the commits of transactions that
    /// notify — a lock on its notification queue, held through the commit's flush — which would
    /// serialise the appends of every ledger in the database.)
    func notificationStatement(head: UInt64) -> PostgresConnection.Statement {
        .init("SELECT pg_notify($1, $2)", [.text(Self.notificationChannel), .text("\(head) \(ledger)")], bestEffort: true)
    }

    /// The head a notification announces for this ledger; `nil` if it is about another one.
    func announcedHead(_ payload: String) -> UInt64? {
        guard let space = payload.firstIndex(of: " "), payload[payload.index(after: space)...] == ledger else { return nil }
        return UInt64(payload[..<space])
    }

    /// The channel on which a transaction that extends a ledger notifies, with its new head and the
    /// ledger's id as payload (`<head> <ledger>`).
    static let notificationChannel = "clientledger"
}
