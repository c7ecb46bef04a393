import EventLog

/// The client-card projection: one ``CardRecord`` per client, keyed by the client id's bytes.
///
/// It decodes events without any key (personal sections are kept sealed), gathers the cards a batch
/// touches in memory, and writes each once at the end of the batch. Events it cannot understand — a
/// type or payload layout of a newer library, written by another process — are skipped rather than
/// refused: a projection runs inside every append's transaction, and refusing would stop all writes.
package struct ClientCardProjection: Projection {
    package let name = "clientCards"
    package let version: UInt32 = 1

    package init() {}

    package struct Batch {
        /// Stream number → the card being built, mutated in place (no copy per event).
        var cards: [UInt64: (client: ClientID, card: CardRecord)] = [:]
        var types: [UInt32: LedgerEventType] = [:]
        /// Stream number → client (`nil` for a stream that is not a client's), so that names are
        /// looked at once per stream and batch, not once per event.
        var clients: [UInt64: ClientID?] = [:]
    }

    package func beginBatch(_ state: ProjectionState) throws -> Batch { Batch() }

    package func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        let client: ClientID
        if let known = batch.clients[event.streamNumber] {
            guard let known else { return }
            client = known
        } else {
            let stream = event.stream
            guard stream.hasPrefix(SalonLedger.clientStreamPrefix) else {
                batch.clients[event.streamNumber] = .some(nil)
                return
            }
            let id = String(stream.dropFirst(SalonLedger.clientStreamPrefix.count))
            guard !id.isEmpty, id.utf8.count <= ClientID.maximumBytes else {
                batch.clients[event.streamNumber] = .some(nil)
                return
            }
            client = ClientID(unchecked: id)
            batch.clients[event.streamNumber] = client
        }
        let type: LedgerEventType
        if let known = batch.types[event.typeCode] {
            type = known
        } else {
            guard let parsed = LedgerEventType(rawValue: event.type) else { return } // a newer library's type
            batch.types[event.typeCode] = parsed
            type = parsed
        }
        let decoded: BinaryCodec.Decoded
        do {
            decoded = try BinaryCodec.decode(type, client: client, payload: event.payload, key: nil, keepSealed: type.carriesPersonalData)
        } catch where error.code == .newerPayloadVersion {
            return // a newer library's layout: its own projection version will cover it
        }
        if batch.cards[event.streamNumber] == nil {
            let stored = try state.withValue(forKey: client.rawValue.utf8) { stored in
                guard let stored else { return CardRecord() }
                return try CardRecord(decoding: stored)
            }
            batch.cards[event.streamNumber] = (client, stored)
        }
        batch.cards[event.streamNumber]?.card.apply(decoded.event, sealed: decoded.sealed)
    }

    package func endBatch(_ batch: inout Batch, state: ProjectionState) throws {
        for entry in batch.cards.values {
            try state.setValue(entry.card.encoded(), forKey: entry.client.rawValue.utf8)
        }
    }
}
