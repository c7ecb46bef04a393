extension EventLog {
    /// Walks the whole log in one snapshot and checks everything `docs/log-format.md` promises: each
    /// record's link in the hash chain (its bytes, its type and stream names, its predecessor's
    /// hash), gapless positions, each stream's gapless versions and previous-position links,
    /// recorded-at never decreasing, type codes and stream numbers that exist and were handed out
    /// in order, the tables of names agreeing with each other and with the records, the stream
    /// heads checkpoint not past the head and its heads as the records say, and a known format.
    ///
    /// - Parameters:
    ///   - anchors: head hashes written down earlier. Each must still be on the chain: the record at
    ///     its position must have its hash. A log cut short (its last records deleted) passes
    ///     every other check; only an anchor kept outside the log shows it.
    ///   - progress: called now and then with (records checked, records in all).
    /// - Returns: the verdict; ``ChainVerification/isIntact`` tells whether the log holds.
    /// - Throws: only when the log cannot be read at all (``EventLogError/Code/damaged`` for a
    ///   damaged data file).
    public func verify(anchors: [HeadHash] = [], progress: ((UInt64, UInt64) -> Void)? = nil) throws(EventLogError) -> ChainVerification {
        do {
            return try read { snapshot in
                var verifier = LogVerifier(snapshot: snapshot, anchors: anchors, progress: progress)
                return try verifier.run()
            }
        } catch {
            throw EventLogError.wrap(error, "verifying the log at \(path)")
        }
    }
}

/// One walk of ``EventLog/verify(anchors:progress:)``.
private struct LogVerifier {
    let snapshot: LogSnapshot
    let anchors: [HeadHash]
    let progress: ((UInt64, UInt64) -> Void)?
    var schema: Schema { snapshot.core.schema }
    var txn: LMDBTransaction { snapshot.txn }

    /// Every type code's name, from the `eventTypes` table.
    var typeNames: [UInt32: String] = [:]
    /// Each stream's head as the records walked so far leave it.
    var heads = NumberTable<StreamHead>()
    /// Each stream's name, from the `streams` table, as met.
    var streamNames = NumberTable<String>()
    var lastTypeCode: UInt32 = 0
    var lastStreamNumber: UInt64 = 0
    var recordsWithoutNames: UInt64 = 0
    /// The first break: where, and what.
    var broken: (position: UInt64?, problem: String)?

    init(snapshot: LogSnapshot, anchors: [HeadHash], progress: ((UInt64, UInt64) -> Void)?) {
        self.snapshot = snapshot
        self.anchors = anchors
        self.progress = progress
    }

    mutating func run() throws -> ChainVerification {
        let total = snapshot.lastPosition
        let format = try readFormat()
        let checkpoint = try txn.headsCheckpoint(schema)
        try readTypeNames()
        var previous = ChainHash.genesis
        var lastRecordedAt = Timestamp(microsecondsSinceEpoch: .min)
        var sawFormat2 = false
        var checked: UInt64 = 0
        var hashes: [UInt64: ChainHash] = [:]
        let anchorPositions = Set(anchors.map(\.position))
        if broken == nil, checkpoint == 0 { try compareCheckpointHeads(at: 0) }
        if broken == nil {
            try txn.withCursor(schema.events) { cursor in
                var expected: UInt64 = 1
                var entry = try cursor.first()
                while let current = entry, broken == nil {
                    guard let position = current.key.bigEndianUInt64 else {
                        broken = (expected, "a key of \(current.key.count) bytes stands where position \(expected) should")
                        return
                    }
                    guard position == expected else {
                        broken = (expected, "position \(expected) is missing (the next record is at \(position))")
                        return
                    }
                    let header: RecordHeader
                    do {
                        header = try RecordHeader(position: position, bytes: current.value)
                    } catch {
                        broken = (position, (error as? EventLogError)?.message ?? "\(error)")
                        return
                    }
                    guard let hash = check(header, at: position, previous: previous, format: format, sawFormat2: &sawFormat2,
                                           lastRecordedAt: &lastRecordedAt) else { return }
                    previous = hash
                    checked = position
                    if anchorPositions.contains(position) { hashes[position] = hash }
                    if position == checkpoint { try compareCheckpointHeads(at: checkpoint) }
                    if position % 65_536 == 0 { progress?(position, total) }
                    if position % LogCore.releaseInterval == 0 { snapshot.core.environment.releaseMappedPages() }
                    expected += 1
                    entry = try cursor.next()
                }
            }
        }
        if broken == nil, checkpoint > total {
            broken = (nil, "the stream-heads checkpoint (position \(checkpoint)) is past the last position \(total): the meta database was changed")
        }
        if broken == nil { try compareTables() }
        progress?(checked, total)
        let anchorChecks = anchors.map { anchor -> AnchorCheck in
            if let hash = hashes[anchor.position] {
                return hash == anchor.hash
                    ? AnchorCheck(anchor: anchor, holds: true, problem: nil)
                    : AnchorCheck(anchor: anchor, holds: false, problem: "the record at position \(anchor.position) has the hash \(hash.hex), not the anchor's: the log up to there was changed after the anchor was written down")
            }
            if anchor.position > total {
                return AnchorCheck(anchor: anchor, holds: false, problem: "the log ends at position \(total), before the anchor's position \(anchor.position): records were removed after the anchor was written down (or it belongs to another log)")
            }
            return AnchorCheck(anchor: anchor, holds: false, problem: "the chain breaks before the anchor's position \(anchor.position)")
        }
        let head = broken == nil && checked > 0 ? HeadHash(position: checked, hash: previous) : nil
        return ChainVerification(eventsChecked: checked, head: head, firstBrokenPosition: broken?.position, problem: broken?.problem,
                                 anchors: anchorChecks, recordsWithoutNames: recordsWithoutNames)
    }

    /// Checks one record against the chain and the invariants; returns its hash, or `nil` (with
    /// ``broken`` set) if it breaks them.
    private mutating func check(_ header: RecordHeader, at position: UInt64, previous: ChainHash, format: UInt32,
                                sawFormat2: inout Bool, lastRecordedAt: inout Timestamp) -> ChainHash? {
        func fail(_ problem: String) -> ChainHash? {
            broken = (position, problem)
            return nil
        }
        if header.version >= 2 {
            guard format >= 2 else { return fail("the record is in format 2, but the log says format \(format)") }
            sawFormat2 = true
        } else {
            guard !sawFormat2 else { return fail("a format-1 record follows format-2 records") }
            recordsWithoutNames += 1
        }
        // Type codes are handed out from 1 in the order types first appear.
        let code = header.typeCode
        if code > lastTypeCode {
            guard code == lastTypeCode + 1 else {
                return fail("type code \(code) first appears here, but code \(lastTypeCode + 1) has not appeared yet (codes are handed out in order)")
            }
            lastTypeCode = code
        }
        guard let typeName = typeNames[code] else { return fail("the record has type code \(code), which the eventTypes table does not hold") }
        // Stream numbers likewise; each stream's versions run from 1 without gaps, each record
        // linking to its stream's previous one.
        let number = header.streamNumber
        let streamHead: StreamHead
        if number > lastStreamNumber {
            guard number == lastStreamNumber + 1 else {
                return fail("stream number \(number) first appears here, but number \(lastStreamNumber + 1) has not appeared yet (numbers are handed out in order)")
            }
            lastStreamNumber = number
            streamHead = .absent
        } else {
            streamHead = heads[number] ?? .absent
        }
        guard header.streamVersion == streamHead.version + 1 else {
            return fail("the record is version \(header.streamVersion) of stream number \(number), whose last version before it is \(streamHead.version)")
        }
        guard header.previousPosition == streamHead.lastPosition else {
            return fail("the record links to position \(header.previousPosition) as its stream's previous event; that is position \(streamHead.lastPosition)")
        }
        let streamName: String
        if let known = streamNames[number] {
            streamName = known
        } else {
            guard let entry = try? txn.streamEntry(schema, number: number) else {
                return fail("the record belongs to stream number \(number), which the streams table does not hold")
            }
            streamName = entry.name
            streamNames.set(entry.name, for: number)
        }
        guard header.recordedAt >= lastRecordedAt else {
            return fail("the record was recorded at \(header.recordedAt), before the record before it (\(lastRecordedAt))")
        }
        lastRecordedAt = header.recordedAt
        let computed = header.expectedHash(position: position, previous: previous, typeName: typeName, streamName: streamName)
        guard computed == header.storedHash else {
            return fail("the record does not match its stored hash: it, its type or stream name, or the record before it was changed after it was written (or the file is damaged there)")
        }
        heads.set(StreamHead(version: header.streamVersion, lastPosition: position), for: number)
        return computed
    }

    /// The format marker, which must be a version some library wrote.
    private mutating func readFormat() throws -> UInt32 {
        let format = try Schema.formatKey.withUnsafeBytes { key -> UInt32? in
            guard let value = try txn.get(schema.meta, key: key), value.count == 4 else { return nil }
            return UInt32(littleEndian: value.loadUnaligned(as: UInt32.self))
        }
        guard let format, format >= Schema.oldestFormatVersion, format <= Schema.formatVersion else {
            broken = (nil, "the log's format marker (meta/format) is \(format.map(String.init) ?? "missing or malformed"); this library knows formats \(Schema.oldestFormatVersion) to \(Schema.formatVersion)")
            return 0
        }
        return format
    }

    /// Reads the `eventTypes` table: 4-byte codes, names of 1 to 255 bytes, no name twice.
    private mutating func readTypeNames() throws {
        var seen = Set<ByteString>()
        try txn.withCursor(schema.eventTypes) { cursor in
            var entry = try cursor.first()
            while let current = entry, broken == nil {
                guard current.key.count == 4 else {
                    broken = (nil, "the eventTypes table holds a key of \(current.key.count) bytes; keys are 4-byte type codes")
                    return
                }
                let code = UInt32(bigEndian: current.key.loadUnaligned(as: UInt32.self))
                let name = String(decoding: current.value, as: UTF8.self)
                guard (1...255).contains(current.value.count), seen.insert(ByteString(name)).inserted else {
                    broken = (nil, "the eventTypes table gives type code \(code) the name \"\(name)\", which is empty, too long or another code's")
                    return
                }
                typeNames[code] = name
                entry = try cursor.next()
            }
        }
    }

    /// At the checkpoint position, the `streams` table must hold every stream's head as the records
    /// up to there leave it (and no head for a stream made after it).
    private mutating func compareCheckpointHeads(at checkpoint: UInt64) throws {
        try txn.withCursor(schema.streams) { cursor in
            var entry = try cursor.first()
            while let current = entry, broken == nil {
                guard let number = current.key.bigEndianUInt64, let stored = try txn.streamEntry(schema, number: number) else {
                    broken = (checkpoint == 0 ? nil : checkpoint, "the streams table holds a malformed entry")
                    return
                }
                let expected = heads[number] ?? .absent
                if stored.head.version != expected.version || stored.head.lastPosition != expected.lastPosition {
                    broken = (checkpoint == 0 ? nil : checkpoint,
                              "the streams table says stream \(stored.name) is at version \(stored.head.version) (position \(stored.head.lastPosition)) as of the heads checkpoint \(checkpoint), but the records say version \(expected.version) (position \(expected.lastPosition)): the checkpoint or the table was changed")
                    return
                }
                if number % LogCore.releaseInterval == 0 { snapshot.core.environment.releaseMappedPages() }
                entry = try cursor.next()
            }
        }
    }

    /// After the walk: the tables hold exactly the names the records use, and agree with each other.
    private mutating func compareTables() throws {
        if let extra = typeNames.keys.first(where: { $0 > lastTypeCode }) {
            broken = (nil, "the eventTypes table holds type code \(extra), which no record uses")
            return
        }
        let streamCount = try txn.count(schema.streams)
        let indexCount = try txn.count(schema.streamIndex)
        guard streamCount == Int(lastStreamNumber), indexCount == Int(lastStreamNumber) else {
            broken = (nil, "the records use \(lastStreamNumber) streams, but the streams table holds \(streamCount) and the stream index \(indexCount)")
            return
        }
        var walked: UInt64 = 0
        try txn.withCursor(schema.streamIndex) { cursor in
            var entry = try cursor.first()
            while let current = entry, broken == nil {
                let name = String(decoding: current.key, as: UTF8.self)
                guard current.value.count == 8 else {
                    broken = (nil, "the stream index entry of \(name) is malformed")
                    return
                }
                let number = UInt64(littleEndian: current.value.loadUnaligned(as: UInt64.self))
                guard let recorded = try txn.streamEntry(schema, number: number), recorded.name.utf8.elementsEqual(current.key) else {
                    broken = (nil, "the stream index gives stream \(name) the number \(number), which the streams table names otherwise: the tables were changed")
                    return
                }
                // In name order, so the streams table is read at random: its pages are given back too.
                walked += 1
                if walked % LogCore.releaseInterval == 0 { snapshot.core.environment.releaseMappedPages() }
                entry = try cursor.next()
            }
        }
    }
}
