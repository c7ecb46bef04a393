/// A consistent, read-only view of the log as it was when the snapshot began.
///
/// You get one inside ``EventLog/read(_:)``; it is valid only inside that closure, and so are the
/// ``RecordedEvent`` values it hands out (their payloads point into the memory-mapped file, with
/// no copy). Appends that commit while you read are not seen. Keep read closures short: a long
/// read keeps the pages it sees from being reused.
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

    package init(core: LogCore, txn: LMDBTransaction, committed: Bool = true) throws {
        self.core = core
        self.txn = txn
        self.sharesCaches = committed
        checkpoint = try txn.headsCheckpoint(core.schema)
        lastPosition = try txn.lastPosition(core.schema)
    }

    // MARK: Streams

    private func head(ofStreamNumber number: UInt64) throws -> StreamHead {
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

    /// The version of stream `name` (the version of its last event), or `nil` if it has no events.
    public func streamVersion(_ name: String) throws(EventLogError) -> UInt64? {
        do {
            guard let number = try txn.streamNumber(core.schema, name: name) else { return nil }
            let head = try head(ofStreamNumber: number)
            return head.version == 0 ? nil : head.version
        } catch {
            throw EventLogError.wrap(error, "reading the version of stream \(name)")
        }
    }

    /// The name of the stream with number `number`, as recorded in events.
    package func streamName(_ number: UInt64) -> String {
        if let name = core.streamNames.name(number) { return name }
        if let entry = try? txn.streamEntry(core.schema, number: number) {
            if sharesCaches { core.streamNames.insert(number, entry.name, reverse: false) }
            return entry.name
        }
        return "#\(number)"
    }

    /// The name of event type `code`.
    package func typeName(_ code: UInt32) -> String {
        if let name = core.typeNames.name(code) { return name }
        var key = code.bigEndian
        let name = withUnsafeBytes(of: &key) { key -> String? in
            guard let value = try? txn.get(core.schema.eventTypes, key: key) else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
        guard let name else { return "#\(code)" }
        if sharesCaches { core.typeNames.insert(code, name) }
        return name
    }

    // MARK: Events

    /// Calls `body` with every event from global position `from` through `through` (default: the
    /// end of the snapshot), in log order, without copying payloads.
    ///
    /// Throws ``EventLogError/Code/corruptRecord`` if a record cannot be decoded, and rethrows what
    /// `body` throws.
    public func forEachEvent(from: UInt64 = 1, through: UInt64? = nil, _ body: (RecordedEvent) throws -> Void) throws {
        let end = min(through ?? lastPosition, lastPosition)
        guard from <= end else { return }
        try txn.withCursor(core.schema.events) { cursor in
            var entry = try cursor.seek(atOrAfter: max(from, 1))
            while let current = entry {
                guard let position = current.key.bigEndianUInt64 else {
                    throw EventLogError(.corruptRecord, "the events database holds a key of \(current.key.count) bytes")
                }
                if position > end { break }
                if position % LogCore.releaseInterval == 0 { core.environment.releaseMappedPages() }
                try body(RecordedEvent(position: position, header: try RecordHeader(position: position, bytes: current.value), snapshot: self))
                entry = try cursor.next()
            }
        }
    }

    /// Calls `body` with the events of stream `stream` from version `fromVersion` on, in order.
    ///
    /// Throws ``EventLogError/Code/streamNotFound`` if the stream has no events.
    public func forEachEvent(inStream stream: String, fromVersion: UInt64 = 1, _ body: (RecordedEvent) throws -> Void) throws {
        guard let number = try txn.streamNumber(core.schema, name: stream) else {
            throw EventLogError(.streamNotFound, "stream \(stream) does not exist", stream: stream)
        }
        let streamHead = try head(ofStreamNumber: number)
        guard streamHead.version > 0 else {
            throw EventLogError(.streamNotFound, "stream \(stream) has no events", stream: stream)
        }
        // Each record links to its stream's previous one: walk back to `fromVersion`, then go forward.
        var positions: [UInt64] = []
        var position = streamHead.lastPosition
        var version = streamHead.version
        while version >= max(fromVersion, 1), position > 0 {
            positions.append(position)
            guard let bytes = try txn.get(core.schema.events, key: position) else {
                throw EventLogError(.corruptRecord, "stream \(stream) links to position \(position), which holds no record", stream: stream, position: position)
            }
            position = try RecordHeader(position: position, bytes: bytes).previousPosition
            version -= 1
        }
        for position in positions.reversed() {
            guard let bytes = try txn.get(core.schema.events, key: position) else { continue }
            try body(RecordedEvent(position: position, header: try RecordHeader(position: position, bytes: bytes), snapshot: self))
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
        guard position >= 1, position <= lastPosition, let bytes = try txn.get(core.schema.events, key: position) else { return nil }
        return StoredEvent(RecordedEvent(position: position, header: try RecordHeader(position: position, bytes: bytes), snapshot: self))
    }

    /// The position and hash of the last event: what an accountant writes down to prove later that
    /// the log up to here was not rewritten. `nil` for an empty log.
    public func headHash() throws(EventLogError) -> HeadHash? {
        guard lastPosition > 0 else { return nil }
        do {
            guard let bytes = try txn.get(core.schema.events, key: lastPosition) else { return nil }
            return HeadHash(position: lastPosition, hash: try RecordHeader(position: lastPosition, bytes: bytes).storedHash)
        } catch {
            throw EventLogError.wrap(error, "reading the head hash")
        }
    }
}

@available(*, unavailable)
extension LogSnapshot: Sendable {}
