extension EventLog {
    /// Walks the whole hash chain in one snapshot and reports the first position whose record is
    /// missing, damaged, or does not hash to what it stores.
    ///
    /// - Parameters:
    ///   - anchor: a ``HeadHash`` written down earlier. If given, the record at its position must
    ///     still carry its hash: proof that nothing up to it was rewritten since.
    ///   - progress: called now and then with (records checked, records in all).
    /// - Returns: the verdict; ``ChainVerification/isIntact`` tells whether the chain holds.
    /// - Throws: only when the log cannot be read at all.
    public func verify(anchor: HeadHash? = nil, progress: ((UInt64, UInt64) -> Void)? = nil) throws(EventLogError) -> ChainVerification {
        do {
            return try read { snapshot in try Self.verify(snapshot, anchor: anchor, progress: progress) }
        } catch {
            throw EventLogError.wrap(error, "verifying the log at \(path)")
        }
    }

    private static func verify(_ snapshot: LogSnapshot, anchor: HeadHash?, progress: ((UInt64, UInt64) -> Void)?) throws -> ChainVerification {
        let total = snapshot.lastPosition
        var previous = ChainHash.genesis
        var expected: UInt64 = 1
        var anchorMatches: Bool? = anchor == nil ? nil : false
        var broken: (UInt64, String)?
        try snapshot.txn.withCursor(snapshot.core.schema.events) { cursor in
            var entry = try cursor.first()
            while let current = entry {
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
                let computed = ChainHash.link(previous: previous, position: position, body: header.body)
                guard computed == header.storedHash else {
                    broken = (position, "the record's hash does not match its bytes and the previous record's hash")
                    return
                }
                if let anchor, anchor.position == position { anchorMatches = anchor.hash == computed }
                previous = computed
                if position % 65_536 == 0 { progress?(position, total) }
                if position % LogCore.releaseInterval == 0 { snapshot.core.environment.releaseMappedPages() }
                expected += 1
                entry = try cursor.next()
            }
        }
        progress?(expected - 1, total)
        let head = expected > 1 ? HeadHash(position: expected - 1, hash: previous) : nil
        return ChainVerification(eventsChecked: expected - 1, head: broken == nil ? head : nil,
                                 firstBrokenPosition: broken?.0, problem: broken?.1, anchorMatches: anchorMatches)
    }
}
