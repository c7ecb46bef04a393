import EventLog

extension PostgresLog {
    /// Records read per query while verifying.
    static let verifyPageRecords = 8_192

    /// Walks the ledger in the database from its first record and checks what
    /// ``EventLog/verify(anchors:progress:)`` checks of an LMDB log: positions without gaps from 1,
    /// each record's structure and its link in the hash chain (over its bytes, its type and stream
    /// names and the record before it), each stream's versions without gaps and its links to the
    /// stream's previous record, the names tables, and the ledger's row (its head and head hash must
    /// be the last record's). It only reads.
    ///
    /// - Parameters:
    ///   - anchors: head hashes written down earlier; each is reported as on the chain or not.
    ///   - progress: called every 65,536 records and at the end, with the records checked and the
    ///     position the ledger's row states as its head.
    /// - Returns: the outcome; a break is reported in it by position, as for an LMDB log.
    /// - Throws: ``EventLogError/Code/storage`` if the database cannot be read;
    ///   ``EventLogError/Code/notALog`` if it holds no ledger with this id.
    public func verify(anchors: [HeadHash] = [], progress: ((_ checked: UInt64, _ total: UInt64) -> Void)? = nil) throws(EventLogError) -> ChainVerification {
        try withConnection { (connection) throws(EventLogError) -> ChainVerification in
            // One snapshot for the whole walk: pushes and appends that commit meanwhile are not seen.
            try connection.transaction("verifying ledger \(ledger)", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { () throws(EventLogError) in
                try verify(connection, anchors: anchors, progress: progress)
            }
        }
    }

    private func verify(_ connection: PostgresConnection, anchors: [HeadHash], progress: ((UInt64, UInt64) -> Void)?) throws(EventLogError) -> ChainVerification {
        let id = PostgresConnection.Value.text(ledger)
        let row = try connection.execute("SELECT head, head_hash FROM clientledger_ledger WHERE ledger = $1", [id], "reading the head of ledger \(ledger)")
        guard row.count > 0 else { throw EventLogError(.notALog, "the database holds no ledger \(ledger)") }
        let stated = try Self.head(row, ledger: ledger)
        let typeRows = try connection.execute("SELECT code, name FROM clientledger_event_type WHERE ledger = $1", [id], "reading the event types of ledger \(ledger)")
        var typeNames: [UInt32: String] = [:]
        for index in 0..<typeRows.count {
            guard let code = typeRows.int32(index, 0) else { continue }
            typeNames[UInt32(bitPattern: code)] = String(decoding: typeRows.bytes(index, 1), as: UTF8.self)
        }
        let streamRows = try connection.execute("SELECT number, name FROM clientledger_stream WHERE ledger = $1", [id], "reading the streams of ledger \(ledger)")
        var streams: [UInt64: (name: String, version: UInt64, last: UInt64)] = [:]
        streams.reserveCapacity(streamRows.count)
        for index in 0..<streamRows.count {
            guard let number = streamRows.int64(index, 0) else { continue }
            streams[UInt64(bitPattern: number)] = (String(decoding: streamRows.bytes(index, 1), as: UTF8.self), 0, 0)
        }
        var anchorHashes: [UInt64: ChainHash] = [:]
        let anchorPositions = Set(anchors.map(\.position))
        var previous = ChainHash.genesis
        var expected: UInt64 = 1
        var withoutNames: UInt64 = 0
        let total = stated?.position ?? 0

        func outcome(broken: UInt64?, _ problem: String?) -> ChainVerification {
            let checked = expected - 1
            let checks = anchors.map { anchor -> AnchorCheck in
                if let hash = anchorHashes[anchor.position] {
                    return hash == anchor.hash ? AnchorCheck(anchor: anchor, holds: true, problem: nil)
                        : AnchorCheck(anchor: anchor, holds: false, problem: "another hash stands at position \(anchor.position): something up to it was changed")
                }
                return AnchorCheck(anchor: anchor, holds: false, problem: broken.map { $0 <= anchor.position ? "the chain breaks at position \($0), before the anchor" : nil } ?? nil
                                   ?? "the ledger ends at position \(checked), before the anchor")
            }
            let head = problem == nil && broken == nil && checked > 0 ? HeadHash(position: checked, hash: previous) : nil
            return ChainVerification(eventsChecked: checked, head: head, firstBrokenPosition: broken, problem: problem, anchors: checks,
                                     recordsWithoutNames: withoutNames)
        }

        while true {
            // A range of positions, not `LIMIT`: positions have no gaps, and a bounded range keeps
            // the plan to the page whatever the table's statistics say.
            let page = try connection.execute("SELECT position, record FROM clientledger_record WHERE ledger = $1 AND position >= $2 AND position < $3 ORDER BY position",
                                              [id, .int64(Int64(expected)), .int64(Int64(expected) + Int64(Self.verifyPageRecords))],
                                              "reading the records of ledger \(ledger)")
            for index in 0..<page.count {
                let position = UInt64(bitPattern: page.int64(index, 0) ?? 0)
                guard position == expected else {
                    return outcome(broken: expected, "the hash chain breaks at position \(expected): the ledger holds no record there")
                }
                let problem = page.withBytes(index, 1) { bytes -> String? in
                    let header: RecordHeader
                    do throws(EventLogError) { header = try RecordHeader(position: position, bytes: bytes) } catch { return error.message }
                    guard let typeName = typeNames[header.typeCode] else {
                        return "the record at position \(position) has type code \(header.typeCode), which clientledger_event_type does not hold"
                    }
                    guard var stream = streams[header.streamNumber] else {
                        return "the record at position \(position) belongs to stream number \(header.streamNumber), which clientledger_stream does not hold"
                    }
                    guard header.expectedHash(position: position, previous: previous, typeName: typeName, streamName: stream.name) == header.storedHash else {
                        return "the hash chain breaks at position \(position): the record there does not match its stored hash (it, its type or stream name, or the record before it was changed after it was written)"
                    }
                    guard header.streamVersion == stream.version + 1, header.previousPosition == stream.last else {
                        return "the record at position \(position) is version \(header.streamVersion) of stream \(stream.name) after position \(header.previousPosition); the stream's previous record is version \(stream.version) at position \(stream.last)"
                    }
                    stream.version += 1
                    stream.last = position
                    streams[header.streamNumber] = stream
                    if header.version < 2 { withoutNames += 1 }
                    previous = header.storedHash
                    return nil
                }
                if let problem { return outcome(broken: position, problem) }
                if anchorPositions.contains(position) { anchorHashes[position] = previous }
                expected += 1
                if (expected - 1) % 65_536 == 0 { progress?(expected - 1, total) }
            }
            if page.count < Self.verifyPageRecords { break }
        }
        let last = expected - 1
        if let stated, last < stated.position {
            return outcome(broken: expected, "the hash chain breaks at position \(expected): the ledger holds no record there (its row states head \(stated.position))")
        }
        guard last == (stated?.position ?? 0), stated.map({ $0.hash == previous }) ?? true else {
            return outcome(broken: nil, "the row of ledger \(ledger) states head \(stated.map { "\($0.position):\($0.hash.hex)" } ?? "0"), but its records end at position \(last)\(last > 0 ? " with hash \(previous.hex)" : "")")
        }
        progress?(last, total)
        return outcome(broken: nil, nil)
    }
}
