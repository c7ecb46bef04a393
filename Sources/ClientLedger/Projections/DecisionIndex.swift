import EventLog

/// What commands decide from, kept beside the client cards so that a command reads a bounded
/// amount however long its client's history: the fold of each client's stream (``ClientState``)
/// cut into entries a command looks up by key, rather than a replay of the stream.
///
/// It lives in the client-card projection's database, under the ``QueryIndex``'s `0xFF` prefix, and
/// is written by the same batches: exactly as current as the cards (inside each append's
/// transaction), rebuilt with them blue/green. A command uses it only when the projection is
/// exactly at the log's head in the command's own snapshot (``EventLog/read(current:_:)``);
/// otherwise — a projection being rebuilt to a new version, or left behind by a process of an
/// older library — it folds the client's stream as before. Either way it decides from the same
/// state: the entries are written by ``ClientState/apply(_:)``, the very fold a replay runs.
///
/// | key | value |
/// | --- | --- |
/// | `FF 'd'` id(client) | the client's summary: registration, referrer, archived, erased, consents, balance, debits, checkouts, last checkout |
/// | `FF 'e'` id(client) kind id(entity) | one visit (1), note (2), intake form (3), document (4), subscription (5) or appointment (6), as the rules see it |
/// | `FF 'p'` id(client) ~instant(at) ~position | the sum of the client's credits at or before this one (time, then log order), 16 bytes |
/// | `FF 'k'` id(client) command id (16 bytes) | request fingerprint (16 bytes), first and last position of the command's events in the client's stream |
///
/// `~` is the bytes inverted: credits sort newest first, so the sum of the credits at or before
/// an instant is the value of the first key at or after it — one seek — and a credit recorded in
/// time order (the usual case) changes no other entry. A credit dated before later ones adds its
/// points to theirs. The command entries let a retried command with an idempotency key find its
/// first run with one lookup (see ``CommandIdentity``). Ids only: no personal data.
package enum DecisionIndex {
    static func damaged(_ what: String) -> LedgerError {
        LedgerError(.corruptPayload, "an entry of the decision index (\(what)) in the client-card projection is damaged; rebuild the projections (ledger rebuild)")
    }

    // MARK: Keys

    static func summaryKey(_ client: ClientID) -> [UInt8] { QueryIndex.key(.summary, QueryIndex.id(client.rawValue)) }

    static func entityKey(_ client: ClientID, _ entity: ClientState.Entity) -> [UInt8] {
        let (kind, id) = entity.kindAndID
        return QueryIndex.key(.entity, QueryIndex.id(client.rawValue), [kind], QueryIndex.id(id))
    }

    static func creditPrefix(_ client: ClientID) -> [UInt8] { QueryIndex.key(.credit, QueryIndex.id(client.rawValue)) }

    /// Where the credits at or before `at` begin in the client's credit keys.
    static func creditKey(_ client: ClientID, at: Timestamp, position: UInt64) -> [UInt8] {
        creditPrefix(client) + QueryIndex.instant(at.microsecondsSinceEpoch).map { ~$0 } + bigEndian(~position)
    }

    static func commandKey(_ client: ClientID, _ command: EventID) -> [UInt8] {
        QueryIndex.key(.command, QueryIndex.id(client.rawValue), bigEndian(command.high), bigEndian(command.low))
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    static func readBigEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    static func sum(_ value: Int128) -> [UInt8] {
        bigEndian(UInt64(truncatingIfNeeded: value >> 64)) + bigEndian(UInt64(truncatingIfNeeded: value))
    }

    static func readSum(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) -> Int128 {
        guard bytes.count == 16 else { throw damaged("a credit sum") }
        return Int128(Int64(bitPattern: readBigEndian(bytes, at: 0))) << 64 | Int128(readBigEndian(bytes, at: 8))
    }

    // MARK: Reading

    /// The client's summary in `state`, holding no entity yet; `nil` if the client has no events.
    static func summary(of client: ClientID, in state: ProjectionState) throws -> ClientState? {
        try state.withValue(forKey: summaryKey(client)) { bytes throws -> ClientState? in
            try bytes.map { (bytes) throws(LedgerError) in try ClientState(summary: bytes) }
        }
    }

    /// Puts the stored `entity` of `client` into `clientState`.
    static func load(_ entity: ClientState.Entity, of client: ClientID, into clientState: inout ClientState, from state: ProjectionState) throws {
        try state.withValue(forKey: entityKey(client, entity)) { bytes in try clientState.load(entity, from: bytes) }
    }

    /// The sum of `client`'s stored credits dated at or before `cutoff`.
    static func credits(of client: ClientID, atOrBefore cutoff: Timestamp, in state: ProjectionState) throws -> Int128 {
        var total: Int128 = 0
        try state.forEach(prefix: creditPrefix(client), from: creditKey(client, at: cutoff, position: .max)) { _, value in
            total = try readSum(value)
            return false
        }
        return total
    }

    /// What ``commandKey(_:_:)`` holds: the request's fingerprint and where its events lie.
    struct CommandEntry: Equatable {
        var fingerprint: EventID
        var first: UInt64
        var last: UInt64

        func encoded() -> [UInt8] {
            bigEndian(fingerprint.high) + bigEndian(fingerprint.low) + bigEndian(first) + bigEndian(last)
        }

        init(fingerprint: EventID, first: UInt64, last: UInt64) {
            (self.fingerprint, self.first, self.last) = (fingerprint, first, last)
        }

        init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
            guard bytes.count == 32 else { throw DecisionIndex.damaged("a command") }
            fingerprint = EventID(high: readBigEndian(bytes, at: 0), low: readBigEndian(bytes, at: 8))
            first = readBigEndian(bytes, at: 16)
            last = readBigEndian(bytes, at: 24)
        }
    }

    static func command(_ command: EventID, of client: ClientID, in state: ProjectionState) throws -> CommandEntry? {
        try state.withValue(forKey: commandKey(client, command)) { bytes throws -> CommandEntry? in
            try bytes.map { (bytes) throws(LedgerError) in try CommandEntry(decoding: bytes) }
        }
    }
}
