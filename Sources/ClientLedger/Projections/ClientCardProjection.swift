import EventLog

/// The client-card projection: one card per client, keyed by the client id's bytes, stored as a
/// ``CardJournal`` (a header and the card's facts in log order).
///
/// It reads each event's payload straight into the fact it adds (personal sections stay sealed, no
/// event value is built: ``CardJournal/appendEntry(type:payload:to:)``), appends it to the batch's
/// bytes for its client, and at the end of the batch appends those bytes to each stored card. A
/// card is never decoded to be changed. A new card costs one B-tree search (it is inserted); one
/// that exists costs two (the insert that fails returns it, then the merged card is written).
///
/// Beside the cards it keeps the ``QueryIndex`` — entries by appointment start, last checkout and
/// open subscription — and the ``DecisionIndex`` that commands decide from, filed under keys that
/// begin with `0xFF`, after every card.
///
/// Events it cannot understand — a type or payload layout of a newer library, written by another
/// process — are skipped rather than refused: a projection runs inside every append's
/// transaction, and refusing would stop all writes.
package struct ClientCardProjection: StreamPartitionedProjection {
    package let name = "clientCards"
    /// 1: a nested record rewritten per batch; 2: the ``CardJournal``; 3: and the ``QueryIndex``;
    /// 4: and the ``DecisionIndex``.
    package let version: UInt32 = 4

    package init() {}

    package struct Batch {
        /// The facts a batch adds to one client's card.
        struct Pending {
            let client: ClientID
            var entries = PayloadWriter(capacity: 256)
            var erases = false
        }

        /// Stream number → index in `cards`, or `-1` for a stream that is not a client's; so that
        /// names are looked at once per stream and batch, not once per event.
        var streams: [UInt64: Int] = [:]
        /// The stream and card index of each of the batch's last ``recentCount`` events, by position
        /// modulo that count. An event whose stream's previous event is among them (each record
        /// links to it) finds its card there without hashing its stream number: the events of
        /// one command, or of clients served at the same time, lie close together in the log.
        var recent = [(stream: UInt64, card: Int32)](repeating: (0, -1), count: Batch.recentCount)
        var firstPosition: UInt64 = 0
        static let recentCount = 1_024
        var cards: [Pending] = []
        /// Type code → type (`nil`: not known yet, or a newer library's), so that names are parsed
        /// once per type and batch. The log numbers type names densely from 1.
        var types: [LedgerEventType?] = []
        /// The index entries the batch changes.
        var index = QueryIndex.Batch()
        /// The decision-index entries the batch changes.
        var decisions = DecisionIndex.Batch()
        /// The order in which ``endBatch(_:state:limit:)`` writes, and how far it has come in `cards`.
        var order: WriteOrder?
        var cardsWritten: Int?
    }

    package func beginBatch(_ state: ProjectionState) throws -> Batch { Batch() }

    package func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        let position = event.position, stream = event.streamNumber
        if batch.firstPosition == 0 { batch.firstPosition = position }
        let index = card(of: event, in: &batch)
        batch.recent[Int(position % UInt64(Batch.recentCount))] = (stream, Int32(index))
        guard let type = Self.type(of: event, in: &batch) else {
            // A newer library's type: no card shows it, and no command decides past it.
            if index >= 0 {
                try batch.decisions.noteUnreadable(batch.cards[index].client, slot: index, position: position,
                                                   reason: "position \(position) holds an event of type \(event.type), which this library does not know (a newer one wrote it)",
                                                   state: state)
            }
            return
        }
        guard index >= 0 else {
            // The salon's own events change no card; their instants still move the watermark.
            try see(event, type, in: &batch, state: state)
            return
        }
        do {
            var reader = PayloadReader(event.payload, .event(type))
            try batch.index.see(try BinaryCodec.prelude(&reader, type).microsecondsSinceEpoch, state: state)
            if try CardJournal.appendEntry(type: type, payload: event.payload, to: &batch.cards[index].entries), type == .clientErased {
                batch.cards[index].erases = true
            }
            let client = batch.cards[index].client
            let indexes = QueryIndex.Batch.indexes(type), folds = DecisionIndex.Batch.folds(type)
            if indexes || folds {
                let decoded = try BinaryCodec.decode(type, client: client, payload: event.payload, key: nil).event
                if indexes { try batch.index.apply(decoded, client: client, slot: index, state: state) }
                if folds { try batch.decisions.apply(decoded, client: client, slot: index, position: position, state: state) }
            }
            try batch.decisions.note(event, client: client, slot: index, state: state)
        } catch let error as LedgerError where error.code == .newerPayloadVersion {
            // A newer library's layout: its own projection version will cover it.
            try batch.decisions.noteUnreadable(batch.cards[index].client, slot: index, position: position,
                                               reason: "the event at position \(position): \(error.message)", state: state)
        }
    }

    /// Moves the batch's watermark as ``apply(_:to:state:)`` would, and changes nothing else: in a
    /// rebuild that applies different clients' events on different threads, the watermark (the
    /// latest instant seen, which decides which upcoming starts the query index keeps) is the one
    /// thing that depends on every event, and each worker keeps it up from all of them.
    package func observe(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        guard let type = Self.type(of: event, in: &batch) else { return }
        try see(event, type, in: &batch, state: state)
    }

    /// Adds another worker's batch: its cards take the slots after this one's, and its index and
    /// decision entries follow them there. Only the writes follow a merge (the protocol says so),
    /// so what serves applying alone — the streams' cards, the recent events — is left as it is.
    package func merge(_ other: Batch, into batch: inout Batch) throws {
        let offset = batch.cards.count
        batch.cards.reserveCapacity(offset + other.cards.count)
        batch.cards += other.cards
        batch.index.merge(other.index, slotOffset: offset)
        batch.decisions.merge(other.decisions, slotOffset: offset)
    }

    /// The type of `event`, parsed once per type code and batch; `nil` for a newer library's type.
    private static func type(of event: RecordedEvent, in batch: inout Batch) -> LedgerEventType? {
        let code = Int(event.typeCode)
        if code < batch.types.count, let known = batch.types[code] { return known }
        guard let parsed = LedgerEventType(rawValue: event.type) else { return nil }
        if code < 4_096 {
            if code >= batch.types.count { batch.types += repeatElement(nil, count: code + 1 - batch.types.count) }
            batch.types[code] = parsed
        }
        return parsed
    }

    /// Moves the watermark to the instant of `event` (of `type`), if its prelude can be read (a
    /// newer library's layout moves nothing).
    private func see(_ event: RecordedEvent, _ type: LedgerEventType, in batch: inout Batch, state: ProjectionState) throws {
        var reader = PayloadReader(event.payload, .event(type))
        if let at = try? BinaryCodec.prelude(&reader, type) { try batch.index.see(at.microsecondsSinceEpoch, state: state) }
    }

    /// The index in `batch.cards` of the card that `event` changes (made if the batch has none
    /// yet), or `-1` if its stream is not a client's.
    private func card(of event: RecordedEvent, in batch: inout Batch) -> Int {
        let position = event.position, previous = event.previousPosition
        // Events reach a batch in log order. A previous position inside the batch (at or after the
        // first event it applied) and within the last `recentCount` positions is in `recent`, and
        // its stream must match: a rebuild worker's batch skips other workers' streams, but a
        // stream's previous event is of that stream, so the worker applied it, and no later event
        // of the batch can have taken its place in `recent` yet.
        if previous >= batch.firstPosition, previous < position, position - previous <= UInt64(Batch.recentCount) {
            let link = batch.recent[Int(previous % UInt64(Batch.recentCount))]
            if link.stream == event.streamNumber { return Int(link.card) }
        }
        if let known = batch.streams[event.streamNumber] { return known }
        let index: Int
        let name = event.stream
        if name.hasPrefix(SalonLedger.clientStreamPrefix),
           case let id = String(name.dropFirst(SalonLedger.clientStreamPrefix.count)), !id.isEmpty, id.utf8.count <= ClientID.maximumBytes {
            index = batch.cards.count
            batch.cards.append(Batch.Pending(client: ClientID(unchecked: id)))
        } else {
            index = -1
        }
        batch.streams[event.streamNumber] = index
        return index
    }

    /// The clients whose cards the batch changes: a rebuild step ends once it holds
    /// ``EventLog/Options/rebuildStepEntries`` of them (each comes with its index and decision
    /// entries, a couple of kilobytes in all).
    package func entryCount(of batch: Batch) -> Int { batch.cards.count }

    package func endBatch(_ batch: inout Batch, state: ProjectionState) throws {
        _ = try endBatch(&batch, state: state, limit: .max)
    }

    /// Writes the batch a piece at a time, in key order: the cards, then the query index's entries,
    /// then the decision index's, about `limit` clients' (or entries') worth per call — a client
    /// whose decision entries the batch changed by the thousand costing a unit per entry beyond its
    /// first 64, and cut across calls (``DecisionIndex/Batch/write(to:budget:order:)``).
    package func endBatch(_ batch: inout Batch, state: ProjectionState, limit: Int) throws -> Bool {
        var budget = max(limit, 1)
        let cards = batch.cards
        let order = batch.order ?? WriteOrder(clients: cards.map(\.client))
        batch.order = order
        guard try writePiece(of: order.slots.lazy.map { cards[$0] }, from: &batch.cardsWritten, budget: &budget, { try write($0, to: state) }) else { return false }
        guard try batch.index.write(to: state, budget: &budget, order: order) else { return false }
        return try batch.decisions.write(to: state, budget: &budget, order: order)
    }

    /// Adds the facts a batch gathered for one client to the client's stored card.
    private func write(_ pending: Batch.Pending, to state: ProjectionState) throws {
        let client = pending.client
        let key = client.rawValue.utf8
        // Most cards a rebuild writes are new: try to add the card, and merge only if it exists.
        var card = try CardJournal.merged(nil, pending.entries.bytes, erases: pending.erases)
        if let merged = try state.insertValue(card.head, forKey: key, ifPresent: { stored in
            try CardJournal.merged(stored, pending.entries.bytes, erases: pending.erases)
        }) {
            card = merged
            try state.setValue(card.head, forKey: key)
        }
        for chunk in card.chunks { try state.setValue(chunk.entries, forKey: CardJournal.chunkKey(client, chunk.number)) }
        for number in 0..<card.chunksToStrip {
            let chunkKey = CardJournal.chunkKey(client, number)
            guard let stored = try state.value(forKey: chunkKey) else {
                throw LedgerError(.corruptPayload, "the card of client \(client) lacks its chunk \(number): rebuild the projections from the log (ledger rebuild)")
            }
            try state.setValue(try stored.withUnsafeBytes { (bytes) throws(LedgerError) in try CardJournal.stripped(bytes) }, forKey: chunkKey)
        }
    }
}
