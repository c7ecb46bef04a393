/// Checks each record's link in the hash chain as a pass reads it: the hash a record stores must be
/// the one its bytes, its names and its predecessor's hash give (see `docs/log-format.md`).
///
/// Every pass that turns records into output or state goes through this — reading the log or a
/// stream, following it, replaying, rebuilding and catching up projections, and the writer before
/// it extends the chain — and stops at the first record that fails, with
/// ``EventLogError/Code/brokenChain`` naming its position. A pass that starts after position 1 takes
/// the stored hash of the record before its first one; ``EventLog/verify(anchors:progress:)`` walks
/// from the first record and checks everything else the format promises.
///
/// A format-2 record's hash covers the names its type code and stream number stand for, which live
/// in the `eventTypes` and `streams` tables; the checker resolves them, remembering the names of
/// up to ``streamNameLimit`` streams per pass (a pass over a million clients would otherwise look up
/// one name per event in the table).
package struct ChainCheck {
    private let txn: LMDBTransaction
    private let schema: Schema
    private let typeNames: NameCache<UInt32>
    /// The process's cache of stream names, consulted after this pass's own and taught by
    /// committed views: a rebuild's batches, each a new pass, need not look every name up again.
    private let sharedStreamNames: NameCache<UInt64>?
    /// Whether this view may teach the shared type-name cache (committed data only).
    private let sharesCaches: Bool
    private var streamNames = NumberTable<String>()
    /// The type names this pass has met, by code (a log has few types; codes are dense from 1).
    private var localTypeNames: [String?] = []
    /// Stream names remembered per pass before the table starts again empty.
    private static let streamNameLimit = 1 << 18

    package init(txn: LMDBTransaction, schema: Schema, typeNames: NameCache<UInt32>, streamNames: NameCache<UInt64>? = nil, sharesCaches: Bool) {
        self.txn = txn
        self.schema = schema
        self.typeNames = typeNames
        self.sharedStreamNames = streamNames
        self.sharesCaches = sharesCaches
    }

    /// The name of type `code`, as the `eventTypes` table holds it; a record at `position` refers to it.
    /// Remembered for the pass (the shared cache takes a lock per lookup).
    package mutating func typeName(_ code: UInt32, at position: UInt64) throws(EventLogError) -> String {
        let index = Int(code)
        if index < localTypeNames.count, let name = localTypeNames[index] { return name }
        let name = try sharedTypeName(code, at: position)
        if index < 4_096 {
            if index >= localTypeNames.count { localTypeNames += repeatElement(nil, count: index + 1 - localTypeNames.count) }
            localTypeNames[index] = name
        }
        return name
    }

    private func sharedTypeName(_ code: UInt32, at position: UInt64) throws(EventLogError) -> String {
        if let name = typeNames.name(code) { return name }
        let name: String?
        do { name = try txn.typeName(schema, code: code) } catch { throw EventLogError.wrap(error, "reading the name of event type \(code)") }
        guard let name else {
            throw EventLogError(.brokenChain, "the record at position \(position) has type code \(code), which the eventTypes table does not hold", position: position)
        }
        if sharesCaches { typeNames.insert(code, name) }
        return name
    }

    /// The name of stream `number`, as the `streams` table holds it; a record at `position` refers to it.
    package mutating func streamName(_ number: UInt64, at position: UInt64) throws(EventLogError) -> String {
        if let name = streamNames[number] { return name }
        if let name = sharedStreamNames?.name(number) {
            remember(name, for: number)
            return name
        }
        let entry: (head: StreamHead, name: String)?
        do { entry = try txn.streamEntry(schema, number: number) } catch { throw EventLogError.wrap(error, "reading the name of stream number \(number)") }
        guard let entry else {
            throw EventLogError(.brokenChain, "the record at position \(position) belongs to stream number \(number), which the streams table does not hold", position: position)
        }
        remember(entry.name, for: number)
        if sharesCaches { sharedStreamNames?.insert(number, entry.name, reverse: false) }
        return entry.name
    }

    private mutating func remember(_ name: String, for number: UInt64) {
        if streamNames.count >= Self.streamNameLimit { streamNames = NumberTable() }
        streamNames.set(name, for: number)
    }

    /// The name of stream `number` if it is known without an error; for messages.
    package mutating func knownStreamName(_ number: UInt64) -> String? {
        try? streamName(number, at: 0)
    }

    /// Checks the link of `header`, the record at `position`, after a record whose hash is
    /// `previous`; returns its hash (the next record's `previous`).
    @inline(__always)
    package mutating func check(_ header: RecordHeader, at position: UInt64, previous: ChainHash) throws(EventLogError) -> ChainHash {
        let stored = header.storedHash
        let expected: ChainHash
        if header.version >= 2 {
            expected = header.expectedHash(position: position, previous: previous, typeName: try typeName(header.typeCode, at: position),
                                           streamName: try streamName(header.streamNumber, at: position))
        } else {
            expected = ChainHash.link(previous: previous, position: position, body: header.body)
        }
        guard expected == stored else { throw Self.mismatch(at: position) }
        return stored
    }

    /// The stored hash of the record before `position` (the genesis hash before position 1): where
    /// a pass that starts at `position` links its first record.
    package func hash(before position: UInt64) throws(EventLogError) -> ChainHash {
        guard position > 1 else { return .genesis }
        let bytes: UnsafeRawBufferPointer?
        do { bytes = try txn.get(schema.events, key: position - 1) } catch { throw EventLogError.wrap(error, "reading position \(position - 1)") }
        guard let bytes else { throw Self.missing(position - 1) }
        return try RecordHeader(position: position - 1, bytes: bytes).storedHash
    }

    /// The error for a record that does not match the chain.
    package static func mismatch(at position: UInt64) -> EventLogError {
        EventLogError(.brokenChain, "the hash chain breaks at position \(position): the record there does not match its stored hash (it, its type or stream name, or the record before it was changed after it was written, or the file is damaged there)", position: position)
    }

    /// The error for a position without a record.
    package static func missing(_ position: UInt64) -> EventLogError {
        EventLogError(.brokenChain, "the hash chain breaks at position \(position): the log holds no record there", position: position)
    }
}

extension LMDBTransaction {
    /// The name of type `code` in the `eventTypes` table, or `nil`.
    package func typeName(_ schema: Schema, code: UInt32) throws -> String? {
        var key = code.bigEndian
        return try withUnsafeBytes(of: &key) { key -> String? in
            guard let value = try get(schema.eventTypes, key: key) else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
