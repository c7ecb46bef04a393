import CLMDB

/// The state of one write transaction: where the log ends, the last hash, the writer's stream cache
/// as this transaction changes it, and the new streams and type codes, which the shared caches take
/// over after commit.
///
/// An append checks everything it can before it writes anything, so a refused append leaves the
/// transaction as it was. If a write fails half-way (which only the storage engine can make happen),
/// the session is *poisoned* and cannot commit.
package struct WriteSession {
    package let core: LogCore
    package let txn: LMDBTransaction
    package let schema: Schema
    package let startCheckpoint: UInt64
    package let startHead: UInt64
    package private(set) var head: UInt64
    /// The hash of the record at ``startHead`` (the genesis hash for an empty log).
    package private(set) var startHash = ChainHash.genesis
    private var lastHash: ChainHash
    private var lastRecordedAt: Timestamp
    /// The instant every event of this transaction records, read at its first append: one clock
    /// read per transaction, not per event, and events that commit together say so.
    private var transactionTime: Timestamp?
    /// The cursor this transaction appends records with, opened at its first append.
    private var appendCursor: LMDBCursor?
    /// The writer's streams (name → number and head), taken from ``LogCore`` for this transaction
    /// and changed in place by its appends; see ``WriterStreamCache``.
    package private(set) var streams: WriterStreamCache
    package private(set) var newStreams: [(number: UInt64, name: String)] = []
    package private(set) var newTypes: [(code: UInt32, name: String)] = []
    private var pendingTypeCodes: [ByteString: UInt32] = [:]
    /// The heads of the streams appended to after the checkpoint, as of this transaction's start:
    /// fetched from the shared cache at the first stream the writer's cache does not know, and
    /// released in ``finish()``.
    private var overlay: NumberTable<StreamHead>?
    /// The last type looked up (code 0: none yet): appends in a row mostly share their type. Two
    /// plain fields, not an optional tuple, which the compiler copies through generic witnesses.
    private var lastTypeName = ""
    private var lastTypeCode: UInt32 = 0
    private var nextStreamNumber: UInt64?
    private var nextTypeCode: UInt32?
    private var poisoned = false
    /// The storage error that poisoned the session, kept so that a full map can still be grown and
    /// the transaction run again even if the caller's closure caught the error.
    package private(set) var storageFailure: LMDBError?
    package private(set) var newCheckpoint: UInt64?
    /// Whether this transaction made a format-1 log format 2 (``LogCore/format`` follows at commit).
    package private(set) var upgradedFormat = false
    /// Whether this transaction copies records of a shared log (``replicate(_:at:typeName:streamName:)``)
    /// rather than appending its own.
    package private(set) var isReplicating = false
    /// What to do once the transaction has committed, before any other write of this process
    /// begins (the writer is still held).
    package var afterCommit: [() -> Void] = []

    package init(core: LogCore, txn: LMDBTransaction) throws {
        self.core = core
        self.txn = txn
        self.schema = core.schema
        startCheckpoint = try txn.headsCheckpoint(schema)
        startHead = try txn.lastPosition(schema)
        head = startHead
        guard startCheckpoint <= startHead else {
            throw EventLogError(.brokenChain, "the stream-heads checkpoint (position \(startCheckpoint)) is past the last position \(startHead): the meta database was changed; nothing is appended", position: startHead + 1)
        }
        streams = WriterStreamCache.reuse(core.writerStreams.withLock { $0.take() }, checkpoint: startCheckpoint, head: startHead)
        if startHead > 0 {
            // The chain is extended only from a head whose own link holds.
            guard let bytes = try txn.get(schema.events, key: startHead) else { throw ChainCheck.missing(startHead) }
            let last = try RecordHeader(position: startHead, bytes: bytes)
            var chain = ChainCheck(txn: txn, schema: schema, typeNames: core.typeNames, streamNames: core.streamNames, sharesCaches: true)
            lastHash = try chain.check(last, at: startHead, previous: try chain.hash(before: startHead))
            startHash = lastHash
            lastRecordedAt = last.recordedAt
        } else {
            lastHash = .genesis
            lastRecordedAt = Timestamp(microsecondsSinceEpoch: .min)
        }
    }

    // MARK: Lookups

    /// The slot of stream `name` in the writer's cache, adding the stream if the cache does not know
    /// it yet; `nil` if the log has no such stream.
    private mutating func streamSlot(_ name: String) throws -> Int? {
        if let slot = streams.table.index(of: name) { return slot }
        // Not in the writer's cache: a stream no transaction of this process has used since the cache
        // was last emptied, or a new one. Streams this transaction created are in the cache.
        let number: UInt64
        if let known = core.streamNames.key(name) {
            number = known
        } else if let stored = try txn.streamNumber(schema, name: name) {
            // Found in the table, so committed: the mapping can never change or be rolled back —
            // unless the tables were changed, which a name that the streams table disagrees with shows.
            guard let entry = try txn.streamEntry(schema, number: stored), utf8Equal(entry.name, name) else {
                throw EventLogError(.brokenChain, "the stream index gives stream \(name) the number \(stored), which the streams table names otherwise: the tables were changed; nothing is appended", stream: name)
            }
            core.streamNames.insert(stored, name)
            number = stored
        } else {
            return nil
        }
        let head = try committedHead(number)
        guard head.version > 0 else {
            throw EventLogError(.brokenChain, "stream \(name) has no events as of the heads checkpoint (position \(startCheckpoint)) nor after it, though every stream is made with its first event: the checkpoint or the streams table was changed; nothing is appended", stream: name, position: startCheckpoint)
        }
        return streams.table.set(WriterStream(number: number, head: head), for: name)
    }

    /// The head of stream `number` as of this transaction's start.
    private mutating func committedHead(_ number: UInt64) throws -> StreamHead {
        if overlay == nil {
            // Bring the shared cache to this transaction's state and borrow its overlay; nobody can
            // move the cache past it while we hold the write lock.
            overlay = try core.heads.withOverlay(txn, schema, checkpoint: startCheckpoint, head: startHead) { $0 }
            if overlay == nil {
                var own = NumberTable<StreamHead>()
                try StreamHeadCache.scan(txn, schema, after: startCheckpoint, through: startHead, into: &own)
                overlay = own
            }
        }
        if let head = overlay?[number] { return head }
        guard let head = try txn.streamEntry(schema, number: number)?.head else { return .absent }
        // A head from the table must name a record of this stream at that version.
        if head.version > 0 {
            guard let bytes = try txn.get(schema.events, key: head.lastPosition),
                  case let record = try RecordHeader(position: head.lastPosition, bytes: bytes),
                  record.streamNumber == number, record.streamVersion == head.version else {
                throw EventLogError(.brokenChain, "the streams table says stream number \(number) is at version \(head.version), position \(head.lastPosition), but no such record stands there: the table was changed; nothing is appended", position: head.lastPosition)
            }
        }
        return head
    }

    /// The version of stream `name` in this transaction, or `nil` if it does not exist.
    package mutating func streamVersion(_ name: String) throws -> UInt64? {
        guard let slot = try streamSlot(name) else { return nil }
        let version = streams.table[slot: slot].version
        return version == 0 ? nil : version
    }

    /// The code of type `type`, or `nil` if the log has no such type yet; remembered as the last type
    /// looked up.
    ///
    /// This and every other helper that an append calls are `mutating` or `static`: a non-mutating
    /// method called from a mutating one gets a copy of the whole session (about 400 bytes, and a
    /// retain and release of each reference in it). Two such calls per event were about 170
    /// instructions, 5% of an append's work besides SHA-256 (counted with callgrind).
    private mutating func typeCode(_ type: String) -> UInt32? {
        if lastTypeCode != 0, utf8Equal(lastTypeName, type) { return lastTypeCode }
        guard let code = pendingTypeCodes[ByteString(type)] ?? core.typeNames.key(type) else { return nil }
        (lastTypeName, lastTypeCode) = (type, code)
        return code
    }

    /// The records of the stream's versions `after + 1 ... after + count`, newest last.
    private static func records(ofStreamWithHead head: StreamHead, after: UInt64, count: Int,
                                in txn: LMDBTransaction, _ schema: Schema) throws -> [(UInt64, RecordHeader)] {
        var found: [(UInt64, RecordHeader)] = []
        var position = head.lastPosition
        var version = head.version
        while version > after, position > 0 {
            guard let bytes = try txn.get(schema.events, key: position) else {
                throw EventLogError(.corruptRecord, "the stream chain points to position \(position), which holds no record", position: position)
            }
            let record = try RecordHeader(position: position, bytes: bytes)
            if version <= after + UInt64(count) { found.append((position, record)) }
            position = record.previousPosition
            version -= 1
        }
        return found.reversed()
    }

    /// Whether the last event of stream `stream` has the id `id`.
    private static func lastEventHasID(_ id: EventID, _ stream: WriterStream, in txn: LMDBTransaction, _ schema: Schema) throws -> Bool {
        // The cached low half rules out every append but a retry without reading the record.
        if stream.lastIDLow != 0 && stream.lastIDLow != id.low { return false }
        guard let bytes = try txn.get(schema.events, key: stream.lastPosition) else { return false }
        return try RecordHeader(position: stream.lastPosition, bytes: bytes).id == id
    }

    // MARK: Append

    /// Appends `events` to stream `stream` if it is at `expected`; see ``EventLog/append(_:to:expecting:)``.
    package mutating func append(_ events: [NewEvent], to stream: String, expecting expected: ExpectedVersion) throws -> AppendResult {
        guard !poisoned else {
            throw EventLogError(.storage, "an earlier write in this transaction failed in the storage engine; the transaction cannot go on", stream: stream)
        }
        guard !isReplicating else {
            throw EventLogError(.misuse, "a transaction that copies records of the shared log cannot append its own", stream: stream)
        }
        try Self.validate(events, stream: stream)
        let slot = try streamSlot(stream)
        let cached = slot.map { streams.table[slot: $0] } ?? .none
        let current = cached.head

        var retryPlace: UInt64?
        switch expected {
        case .any:
            if current.version >= UInt64(events.count), try Self.lastEventHasID(events[events.count - 1].id, cached, in: txn, schema) {
                retryPlace = current.version - UInt64(events.count)
            }
        case .noStream, .exactly(0):
            if current.version != 0 { retryPlace = 0 }
        case .streamExists:
            if current.version == 0 {
                throw EventLogError(.streamNotFound, "stream \(stream) does not exist, and the append expected it to", stream: stream)
            }
            if current.version >= UInt64(events.count), try Self.lastEventHasID(events[events.count - 1].id, cached, in: txn, schema) {
                retryPlace = current.version - UInt64(events.count)
            }
        case .exactly(let version):
            if current.version == 0 {
                throw EventLogError(.streamNotFound, "stream \(stream) does not exist; the append expected version \(version)", stream: stream)
            }
            if current.version != version { retryPlace = version }
        }
        if let place = retryPlace {
            if let result = try recognizeRetry(events, stream: stream, head: current, place: place) { return result }
            switch expected {
            case .any, .streamExists: break
            default:
                throw EventLogError(.wrongExpectedVersion, "stream \(stream) is at version \(current.version); the append expected \(expected)", stream: stream)
            }
        }
        do {
            return try write(events, stream: stream, slot: slot, head: current)
        } catch let error as LMDBError {
            storageFailure = error
            throw error
        }
    }

    /// Checks everything about an append that does not need the log.
    private static func validate(_ events: [NewEvent], stream: String) throws(EventLogError) {
        let nameBytes = stream.utf8.count
        guard nameBytes >= 1, nameBytes <= EventLog.maximumStreamNameBytes else {
            throw EventLogError(.invalidStreamName, "a stream name must be 1 to \(EventLog.maximumStreamNameBytes) UTF-8 bytes; got \(nameBytes)", stream: stream)
        }
        guard !events.isEmpty else {
            throw EventLogError(.emptyAppend, "an append to stream \(stream) must hold at least one event", stream: stream)
        }
        var total = 0
        if events.count > 1, Set(events.lazy.map(\.id)).count != events.count {
            let duplicate = events.first { candidate in events.lazy.filter { $0.id == candidate.id }.count > 1 }?.id
            throw EventLogError(.duplicateEventID, "event id \(duplicate.map(String.init(describing:)) ?? "?") appears twice in one append to \(stream)", stream: stream)
        }
        // Through the buffer: an element read in place, not copied (a copy retains and releases the
        // event's payload and strings, which measured more than the checks themselves).
        try events.withUnsafeBufferPointer { events throws(EventLogError) in
            for index in events.indices {
                let event = events[index]
                guard !event.id.isZero else {
                    throw EventLogError(.invalidEventID, "event \(index) of the append to \(stream) has the all-zero id", stream: stream)
                }
                let typeBytes = event.type.utf8.count
                guard typeBytes >= 1, typeBytes <= 255 else {
                    throw EventLogError(.invalidEventType, "event \(event.id) has a type of \(typeBytes) UTF-8 bytes; a type is 1 to 255", stream: stream)
                }
                guard !event.payload.isEmpty else {
                    throw EventLogError(.emptyPayload, "event \(event.id) (\(event.type)) has an empty payload", stream: stream)
                }
                guard event.payload.count <= EventLog.maximumPayloadBytes else {
                    throw EventLogError(.eventTooLarge, "event \(event.id) (\(event.type)) has a payload of \(event.payload.count) bytes; the limit is \(EventLog.maximumPayloadBytes)", stream: stream)
                }
                if let actor = event.metadata.actor, actor.utf8.count > 255 {
                    throw EventLogError(.invalidMetadata, "event \(event.id) names an actor of \(actor.utf8.count) UTF-8 bytes; the limit is 255", stream: stream)
                }
                total += event.payload.count
            }
        }
        guard total <= EventLog.maximumAppendBytes else {
            throw EventLogError(.eventTooLarge, "the append to \(stream) carries \(total) payload bytes; one append holds at most \(EventLog.maximumAppendBytes)", stream: stream)
        }
    }

    /// If the events already stand after version `place` with the same ids and content, returns
    /// where they are; if ids match with other content, throws; otherwise returns `nil`.
    private mutating func recognizeRetry(_ events: [NewEvent], stream: String, head: StreamHead, place: UInt64) throws -> AppendResult? {
        // Written so that no expected version, however large, can overflow.
        guard place <= head.version, head.version - place >= UInt64(events.count) else { return nil }
        let existing = try Self.records(ofStreamWithHead: head, after: place, count: events.count, in: txn, schema)
        guard existing.count == events.count else { return nil }
        let sameIDs = zip(existing, events).map { $0.0.1.id == $0.1.id }
        guard sameIDs.contains(true) else { return nil }
        for ((position, record), event) in zip(existing, events) {
            var metadata = event.metadata
            if metadata.actor?.isEmpty == true { metadata.actor = nil } // stored as no actor
            let same = record.id == event.id && typeCode(event.type) == record.typeCode
                && record.metadata == metadata
                && event.payload.withUnsafeBytes { $0.elementsEqual(record.payload) }
            if !same {
                throw EventLogError(.eventIDReused, "event id \(event.id) is already recorded at position \(position) of stream \(stream) with other content (or the append repeats only part of an earlier one)", stream: stream, position: position)
            }
        }
        guard let first = existing.first, let last = existing.last else { return nil }
        return AppendResult(firstPosition: first.0, lastPosition: last.0, streamVersion: last.1.streamVersion,
                            recordedAt: last.1.recordedAt, wasAlreadyRecorded: true)
    }

    private mutating func write(_ events: [NewEvent], stream: String, slot existingSlot: Int?, head current: StreamHead) throws -> AppendResult {
        poisoned = true
        let number: UInt64
        let slot: Int
        if let existingSlot {
            slot = existingSlot
            number = streams.table[slot: slot].number
        } else {
            (number, slot) = try createStream(stream)
        }
        let recordedAt: Timestamp
        if let transactionTime {
            recordedAt = transactionTime
        } else {
            recordedAt = max(Timestamp.now, lastRecordedAt)
            transactionTime = recordedAt
        }
        var streamHead = current
        let firstPosition = head + 1
        // Each event read in place through a pointer: an element passed on by value is copied (a
        // retain and release of its payload and strings), which was 7% of an append's work besides
        // SHA-256.
        try events.withUnsafeBufferPointer { events in
            guard let first = events.baseAddress else { return }
            for index in events.indices {
                let event = first + index
                let code = try typeCode(registering: event.pointee.type)
                let position = head + 1
                let actorBytes = event.pointee.metadata.actor?.utf8.count ?? 0
                let size = RecordFormat.size(metadata: event.pointee.metadata, actorBytes: actorBytes, payloadCount: event.pointee.payload.count)
                let buffer = try recordCursor().reserveAppending(key: position, count: size)
                lastHash = RecordFormat.encode(event, typeCode: code, streamNumber: number, streamName: stream,
                                               streamVersion: streamHead.version + 1, previousPosition: streamHead.lastPosition,
                                               recordedAt: recordedAt, position: position, previousHash: lastHash, into: buffer)
                head = position
                streamHead = StreamHead(version: streamHead.version + 1, lastPosition: position)
            }
        }
        lastRecordedAt = recordedAt
        streams.table[slot: slot].appended(head: streamHead, lastID: events[events.count - 1].id)
        poisoned = false
        return AppendResult(firstPosition: firstPosition, lastPosition: head, streamVersion: streamHead.version,
                            recordedAt: recordedAt, wasAlreadyRecorded: false)
    }

    // MARK: Replicate

    /// Copies the record `bytes` of a shared log, at `position`, into this log: the same bytes, so
    /// the same chain. `typeName` and `streamName` are what its type code and stream number stand
    /// for in the shared log.
    ///
    /// Everything is checked before anything is written: the position follows the head, the record
    /// decodes, its hash is the one its bytes, names and this log's last hash give (a replica is a
    /// witness that the shared log was not rewritten), it is the next version of its stream, it is
    /// not recorded before the record before it, and its stream number and type code are the ones
    /// this log has, or gives next, to those names. Throws ``EventLogError/Code/brokenChain`` naming
    /// the position otherwise.
    package mutating func replicate(_ bytes: UnsafeRawBufferPointer, at position: UInt64, typeName: String, streamName: String) throws {
        guard !poisoned else {
            throw EventLogError(.storage, "an earlier write in this transaction failed in the storage engine; the transaction cannot go on")
        }
        guard head == startHead || isReplicating else {
            throw EventLogError(.misuse, "a transaction that appended its own events cannot copy records of the shared log")
        }
        func broken(_ what: String) -> EventLogError {
            EventLogError(.brokenChain, "the shared log's record at position \(position) \(what); nothing of it is copied", position: position)
        }
        guard position == head + 1 else { throw broken("does not follow this log's last position \(head)") }
        let header = try RecordHeader(position: position, bytes: bytes)
        guard (1...255).contains(typeName.utf8.count), (1...EventLog.maximumStreamNameBytes).contains(streamName.utf8.count) else {
            throw broken("comes with a type or stream name of no valid length")
        }
        guard header.expectedHash(position: position, previous: lastHash, typeName: typeName, streamName: streamName) == header.storedHash else {
            throw ChainCheck.mismatch(at: position)
        }
        guard header.recordedAt >= lastRecordedAt else { throw broken("is recorded before the record before it") }
        let slot = try streamSlot(streamName)
        let current = slot.map { streams.table[slot: $0].head } ?? .absent
        guard header.streamVersion == current.version + 1, header.previousPosition == current.lastPosition else {
            throw broken("is version \(header.streamVersion) of stream \(streamName) after position \(header.previousPosition); here that stream is at version \(current.version), position \(current.lastPosition)")
        }
        if let slot, streams.table[slot: slot].number != header.streamNumber {
            throw broken("numbers stream \(streamName) \(header.streamNumber); this log numbers it \(streams.table[slot: slot].number)")
        }
        if let code = typeCode(typeName) {
            guard code == header.typeCode else { throw broken("numbers type \(typeName) \(header.typeCode); this log numbers it \(code)") }
        } else if case let next = try peekNextTypeCode(), header.typeCode != next {
            throw broken("gives the new type \(typeName) the code \(header.typeCode); this log gives it \(next)")
        }
        if slot == nil, case let next = try peekNextStreamNumber(), header.streamNumber != next {
            throw broken("gives the new stream \(streamName) the number \(header.streamNumber); this log gives it \(next)")
        }
        isReplicating = true
        poisoned = true
        do {
            let finalSlot: Int
            if let slot {
                finalSlot = slot
            } else {
                finalSlot = try createStream(streamName).slot
            }
            _ = try typeCode(registering: typeName)
            let buffer = try recordCursor().reserveAppending(key: position, count: bytes.count)
            if let source = bytes.baseAddress, let destination = buffer.baseAddress { destination.copyMemory(from: source, byteCount: bytes.count) }
            lastHash = header.storedHash
            lastRecordedAt = header.recordedAt
            head = position
            streams.table[slot: finalSlot].appended(head: StreamHead(version: header.streamVersion, lastPosition: position), lastID: header.id)
        } catch let error as LMDBError {
            storageFailure = error
            throw error
        }
        poisoned = false
    }

    /// The records this transaction appended, for the log's ``CommitAuthority``.
    package func committingRecords() throws -> CommittingRecords {
        var records: [[UInt8]] = []
        records.reserveCapacity(Int(head - startHead))
        var position = startHead + 1
        while position <= head {
            guard let bytes = try txn.get(schema.events, key: position) else { throw ChainCheck.missing(position) }
            records.append(Array(bytes))
            position += 1
        }
        return CommittingRecords(startHead: startHead, startHash: startHash, records: records, endHash: lastHash,
                                 newStreams: newStreams, newTypes: newTypes)
    }

    /// The cursor this transaction appends records with, opened at its first record.
    @inline(__always)
    private mutating func recordCursor() throws -> LMDBCursor {
        if let appendCursor { return appendCursor }
        let cursor = try txn.openWriteCursor(schema.events)
        appendCursor = cursor
        return cursor
    }

    /// Makes stream `name` with the next number: its entries in `streamIndex` and `streams` (no
    /// events yet) and its slot in the writer's cache.
    private mutating func createStream(_ name: String) throws -> (number: UInt64, slot: Int) {
        let number = try allocateStreamNumber()
        var key = name
        var value = number.littleEndian
        try key.withUTF8 { utf8 in
            try withUnsafeBytes(of: &value) { try txn.put(schema.streamIndex, key: UnsafeRawBufferPointer(utf8), value: $0) }
        }
        try txn.putStreamEntry(schema, number: number, head: .absent, name: name)
        newStreams.append((number, name))
        return (number, streams.table.set(WriterStream(number: number, head: .absent), for: name))
    }

    /// The number the next new stream gets.
    private mutating func peekNextStreamNumber() throws -> UInt64 {
        if let nextStreamNumber { return nextStreamNumber }
        let last = try txn.lastStreamNumber(schema)
        guard last < UInt64.max else { throw EventLogError(.corruptRecord, "the streams database holds stream number \(last), the highest there is") }
        let next = last + 1
        nextStreamNumber = next
        return next
    }

    private mutating func allocateStreamNumber() throws -> UInt64 {
        let number = try peekNextStreamNumber()
        nextStreamNumber = number + 1
        return number
    }

    /// The code the next new event type gets.
    private mutating func peekNextTypeCode() throws -> UInt32 {
        if let nextTypeCode { return nextTypeCode }
        let last = try txn.lastTypeCode(schema)
        guard last < UInt32.max else { throw EventLogError(.corruptRecord, "the event types database holds type code \(last), the highest there is") }
        let next = last + 1
        nextTypeCode = next
        return next
    }

    private mutating func typeCode(registering type: String) throws -> UInt32 {
        if let code = typeCode(type) { return code }
        let code = try peekNextTypeCode()
        nextTypeCode = code + 1
        var key = code.bigEndian
        var name = type
        try withUnsafeBytes(of: &key) { key in
            try name.withUTF8 { try txn.put(schema.eventTypes, key: key, value: UnsafeRawBufferPointer($0)) }
        }
        pendingTypeCodes[ByteString(type)] = code
        newTypes.append((code, type))
        (lastTypeName, lastTypeCode) = (type, code)
        return code
    }

    // MARK: Finish

    /// Called once before commit: refuses a poisoned session, folds the stream heads into `streams`
    /// when the checkpoint interval has passed, and brings the writer's cache to the committed state.
    package mutating func finish() throws {
        overlay = nil // release the borrowed overlay
        if let storageFailure { throw storageFailure }
        guard !poisoned else {
            throw EventLogError(.storage, "a write in this transaction failed half-way in the storage engine; nothing is committed")
        }
        if head > startHead {
            // The first append of this version to a format-1 log: its records from here on are
            // format 2 (the older ones stay as they are, and are read as they are).
            if core.format.load(ordering: .relaxed) < Schema.formatVersion {
                try schema.writeFormat(Schema.formatVersion, in: txn)
                upgradedFormat = true
            }
            try core.applyInlineProjections(txn, through: head, writtenAfter: startHead)
        }
        if head - startCheckpoint >= core.options.headsCheckpointInterval, head > startHead {
            try writeHeadsCheckpoint()
            newCheckpoint = head
        }
        streams.advance(to: head, checkpoint: newCheckpoint)
    }

    /// Writes the head of every stream appended to since the checkpoint into `streams`, and moves the
    /// checkpoint to the last position.
    private mutating func writeHeadsCheckpoint() throws {
        var touched: [(number: UInt64, head: StreamHead, name: String?)] = []
        if streams.isComplete {
            streams.table.forEach { name, stream in
                if stream.touched { touched.append((stream.number, stream.head, name)) }
            }
        } else {
            // The cache has not seen every append since the checkpoint: the records have.
            var scanned = NumberTable<StreamHead>()
            try StreamHeadCache.scan(txn, schema, after: startCheckpoint, through: head, into: &scanned)
            touched.reserveCapacity(scanned.count)
            scanned.forEach { touched.append(($0, $1, nil)) }
        }
        // In key order: neighbouring entries share pages, so each page is copied once per commit.
        touched.sort { $0.number < $1.number }
        for (number, streamHead, knownName) in touched {
            let name: String
            if let knownName {
                name = knownName
            } else {
                guard let entry = try txn.streamEntry(schema, number: number) else {
                    throw EventLogError(.corruptRecord, "stream number \(number) has events but no entry in the streams database")
                }
                name = entry.name
            }
            try txn.putStreamEntry(schema, number: number, head: streamHead, name: name)
        }
        var value = head.littleEndian
        try Schema.headsCheckpointKey.withUnsafeBytes { key in
            try withUnsafeBytes(of: &value) { try txn.put(schema.meta, key: key, value: $0) }
        }
    }
}
