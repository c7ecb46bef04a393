/// A consistent, read-only view of the log as it was when the snapshot began.
///
/// You get one inside ``EventLog/read(_:)``; it is valid only inside that closure, and so are the
/// ``RecordedEvent`` values it hands out (their payloads point into the memory-mapped file, with
/// no copy). Appends that commit while you read are not seen. Keep read closures short: a long
/// read keeps the pages it sees from being reused.
///
/// **Every record it hands out has been checked** against the hash chain first: its stored hash
/// must be the one its bytes, its names and its predecessor's hash give. The first record that
/// fails stops the read with ``EventLogError/Code/brokenChain`` naming its position.
public final class LogSnapshot {
    package let core: LogCore
    package let txn: LMDBTransaction
    package let checkpoint: UInt64
    /// The position of the last event in this snapshot; `0` for an empty log.
    public let lastPosition: UInt64
    private var privateOverlay: NumberTable<StreamHead>?
    /// `false` for a view of a write transaction that has not committed: what it sees may still be
    /// rolled back, so it must not teach the shared caches (names, stream heads) anything.
    private let sharesCaches: Bool
    /// Resolves names and checks the links of the records this snapshot reads.
    private var chain: ChainCheck

    package init(core: LogCore, txn: LMDBTransaction, committed: Bool = true) throws {
        self.core = core
        self.txn = txn
        self.sharesCaches = committed
        chain = ChainCheck(txn: txn, schema: core.schema, typeNames: core.typeNames, streamNames: core.streamNames, sharesCaches: committed)
        checkpoint = try txn.headsCheckpoint(core.schema)
        lastPosition = try txn.lastPosition(core.schema)
    }

    /// Throws unless the stream-heads checkpoint is at or before the last position, as every
    /// snapshot's reads assume (``EventLog/verify(anchors:progress:)`` reports it instead).
    private func checkCheckpoint() throws(EventLogError) {
        guard checkpoint <= lastPosition else {
            throw EventLogError(.brokenChain, "the stream-heads checkpoint (position \(checkpoint)) is past the last position \(lastPosition): the meta database was changed", position: lastPosition + 1)
        }
    }

    // MARK: Streams

    private func head(ofStreamNumber number: UInt64) throws -> StreamHead {
        try checkCheckpoint()
        if privateOverlay == nil && !sharesCaches {
            var overlay = NumberTable<StreamHead>()
            try StreamHeadCache.scan(txn, core.schema, after: checkpoint, through: lastPosition, into: &overlay)
            privateOverlay = overlay
        }
        if let privateOverlay {
            if let head = privateOverlay[number] { return head }
        } else {
            let cached = try core.heads.withOverlay(txn, core.schema, checkpoint: checkpoint, head: lastPosition) { $0.map { $0[number] } }
            switch cached {
            case .some(.some(let head)): return head
            case .some(.none): break
            case .none:
                // The shared cache has moved past this snapshot: build this snapshot's own overlay once.
                var overlay = NumberTable<StreamHead>()
                try StreamHeadCache.scan(txn, core.schema, after: checkpoint, through: lastPosition, into: &overlay)
                privateOverlay = overlay
                if let head = overlay[number] { return head }
            }
        }
        return try txn.streamEntry(core.schema, number: number)?.head ?? .absent
    }

    /// The number of stream `name`, or `nil` if there is no such stream; the `streams` table must
    /// give that number the same name (else the stream index was changed).
    private func streamNumber(_ name: String) throws -> UInt64? {
        guard let number = try txn.streamNumber(core.schema, name: name) else { return nil }
        guard let recorded = chain.knownStreamName(number), utf8Equal(recorded, name) else {
            throw EventLogError(.brokenChain, "the stream index gives stream \(name) the number \(number), which the streams table names \(chain.knownStreamName(number) ?? "nothing"): the tables were changed", stream: name)
        }
        return number
    }

    /// The head of stream `number`, which exists: a stream has events from the transaction that made it.
    private func existingHead(_ number: UInt64, name: String) throws -> StreamHead {
        let streamHead = try head(ofStreamNumber: number)
        guard streamHead.version > 0 else {
            throw EventLogError(.brokenChain, "stream \(name) has no events as of the heads checkpoint (position \(checkpoint)) nor after it, though every stream is made with its first event: the checkpoint or the streams table was changed", stream: name, position: checkpoint)
        }
        return streamHead
    }

    /// The version of stream `name` (the version of its last event), or `nil` if it has no events.
    public func streamVersion(_ name: String) throws(EventLogError) -> UInt64? {
        do {
            guard let number = try streamNumber(name) else { return nil }
            return try existingHead(number, name: name).version
        } catch {
            throw EventLogError.wrap(error, "reading the version of stream \(name)")
        }
    }

    /// The name of the stream with number `number`, as recorded in events.
    package func streamName(_ number: UInt64) -> String {
        if let name = core.streamNames.name(number) { return name }
        guard let name = chain.knownStreamName(number) else { return "#\(number)" }
        if sharesCaches { core.streamNames.insert(number, name, reverse: false) }
        return name
    }

    /// The name of event type `code`.
    package func typeName(_ code: UInt32) -> String {
        (try? chain.typeName(code, at: 0)) ?? "#\(code)"
    }

    // MARK: Events

    /// Calls `body` with every event from global position `from` through `through` (default: the
    /// end of the snapshot), in log order, without copying payloads.
    ///
    /// Throws ``EventLogError/Code/brokenChain`` at the first record whose link in the hash chain
    /// does not hold (before `body` sees it) or position that is missing,
    /// ``EventLogError/Code/corruptRecord`` if a record cannot be decoded, and rethrows what `body`
    /// throws.
    public func forEachEvent(from: UInt64 = 1, through: UInt64? = nil, _ body: (RecordedEvent) throws -> Void) throws {
        try forEachEvent(from: from, through: through, writtenAfter: .max, body)
    }

    /// ``forEachEvent(from:through:_:)``, where the records after position `writtenAfter` were
    /// written by the write transaction this snapshot views: their links were made, not read, so
    /// they are not checked again.
    /// `releasingPages`: whether the pass gives the data file's mapped pages back as it goes (the
    /// workers of a rebuild read the same events at once, and one of them does it for all).
    package func forEachEvent(from: UInt64, through: UInt64?, writtenAfter trusted: UInt64, releasingPages: Bool = true,
                              _ body: (RecordedEvent) throws -> Void) throws {
        try checkCheckpoint()
        let end = min(through ?? lastPosition, lastPosition)
        let start = max(from, 1)
        guard start <= end else { return }
        // The pass takes the snapshot's checker (and the names it knows) into a local, so that each
        // record's check needs no exclusive access to this object; `body` meanwhile looks names up
        // through a fresh one. Handed back when the pass ends.
        var checker = ChainCheck(txn: txn, schema: core.schema, typeNames: core.typeNames, streamNames: core.streamNames, sharesCaches: sharesCaches)
        swap(&checker, &chain)
        defer { swap(&checker, &chain) }
        var previous = try checker.hash(before: start)
        var expected = start
        try txn.withCursor(core.schema.events) { cursor in
            var entry = try cursor.seek(atOrAfter: start)
            while let current = entry {
                guard let position = current.key.bigEndianUInt64 else {
                    throw EventLogError(.corruptRecord, "the events database holds a key of \(current.key.count) bytes", position: expected)
                }
                if position > end { break }
                guard position == expected else { throw ChainCheck.missing(expected) }
                if releasingPages, position % LogCore.releaseInterval == 0 { core.environment.releaseMappedPages() }
                let header = try RecordHeader(position: position, bytes: current.value)
                previous = position > trusted ? header.storedHash : try checker.check(header, at: position, previous: previous)
                try body(RecordedEvent(position: position, header: header, snapshot: self))
                expected += 1
                entry = try cursor.next()
            }
        }
        guard expected > end else { throw ChainCheck.missing(expected) }
    }

    /// Calls `body` with the events of stream `stream` from version `fromVersion` on, in order,
    /// each checked against the hash chain as ``forEachEvent(from:through:_:)`` checks them.
    ///
    /// Throws ``EventLogError/Code/streamNotFound`` if the stream has no events, and
    /// ``EventLogError/Code/brokenChain`` if a record's link does not hold or a record does not
    /// belong where the stream's links put it.
    public func forEachEvent(inStream stream: String, fromVersion: UInt64 = 1, _ body: (RecordedEvent) throws -> Void) throws {
        guard let number = try streamNumber(stream) else {
            throw EventLogError(.streamNotFound, "stream \(stream) does not exist", stream: stream)
        }
        let streamHead = try existingHead(number, name: stream)
        // Each record links to its stream's previous one: walk back to `fromVersion`, then go forward.
        var records: [(position: UInt64, bytes: UnsafeRawBufferPointer)] = []
        var position = streamHead.lastPosition
        var version = streamHead.version
        while version >= max(fromVersion, 1) {
            guard position > 0, position <= lastPosition, let bytes = try txn.get(core.schema.events, key: position) else {
                throw EventLogError(.brokenChain, "stream \(stream) links its version \(version) to position \(position), which holds no record", stream: stream, position: position)
            }
            let header = try RecordHeader(position: position, bytes: bytes)
            guard header.streamNumber == number, header.streamVersion == version, version > 1 || header.previousPosition == 0,
                  header.previousPosition < position else {
                throw EventLogError(.brokenChain, "the record at position \(position) is not version \(version) of stream \(stream), where that stream's links lead", stream: stream, position: position)
            }
            records.append((position, bytes))
            position = header.previousPosition
            version -= 1
        }
        for (position, bytes) in records.reversed() {
            let header = try RecordHeader(position: position, bytes: bytes)
            _ = try chain.check(header, at: position, previous: try chain.hash(before: position))
            try body(RecordedEvent(position: position, header: header, snapshot: self))
        }
    }

    /// Copies of up to `limit` events from global position `from` on.
    public func events(from: UInt64 = 1, limit: Int = .max) throws -> [StoredEvent] {
        guard limit > 0 else { return [] }
        var events: [StoredEvent] = []
        let through = limit == .max ? nil : max(from, 1) &+ UInt64(limit) &- 1
        try forEachEvent(from: from, through: through) { events.append(StoredEvent($0)) }
        return events
    }

    /// Copies of the events of stream `stream` from version `fromVersion` on.
    public func events(inStream stream: String, fromVersion: UInt64 = 1) throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        try forEachEvent(inStream: stream, fromVersion: fromVersion) { events.append(StoredEvent($0)) }
        return events
    }

    /// The event at global position `position`, copied, or `nil` if there is none.
    public func event(at position: UInt64) throws -> StoredEvent? {
        guard position >= 1, position <= lastPosition else { return nil }
        guard let bytes = try txn.get(core.schema.events, key: position) else { throw ChainCheck.missing(position) }
        let header = try RecordHeader(position: position, bytes: bytes)
        _ = try chain.check(header, at: position, previous: try chain.hash(before: position))
        return StoredEvent(RecordedEvent(position: position, header: header, snapshot: self))
    }

    /// The highest stream number and event type code this snapshot names (`0` where it names none):
    /// a replica's copy of the shared log asks the shared log only for names numbered after these.
    package func lastNumbers() throws -> (stream: UInt64, type: UInt32) {
        (try txn.lastStreamNumber(core.schema), try txn.lastTypeCode(core.schema))
    }

    /// The position and hash of the last event: what an accountant writes down to prove later that
    /// the log up to here was not rewritten. `nil` for an empty log. The last record's link is
    /// checked; ``EventLog/verify(anchors:progress:)`` checks all of them.
    public func headHash() throws(EventLogError) -> HeadHash? {
        guard lastPosition > 0 else { return nil }
        do {
            guard let bytes = try txn.get(core.schema.events, key: lastPosition) else { throw ChainCheck.missing(lastPosition) }
            let header = try RecordHeader(position: lastPosition, bytes: bytes)
            let hash = try chain.check(header, at: lastPosition, previous: try chain.hash(before: lastPosition))
            return HeadHash(position: lastPosition, hash: hash)
        } catch {
            throw EventLogError.wrap(error, "reading the head hash")
        }
    }
}

@available(*, unavailable)
extension LogSnapshot: Sendable {}
