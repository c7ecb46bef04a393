import EventLog

/// The client-card projection: one ``CardRecord`` per client, keyed by the client id's bytes.
///
/// It decodes events without any key (personal sections are kept sealed), gathers the cards a batch
/// touches in memory, and writes each once at the end of the batch.
package struct ClientCardProjection: Projection {
    package let name = "clientCards"
    package let version: UInt32 = 1

    package init() {}

    package struct Batch {
        var cards: [ClientID: CardRecord] = [:]
        var types: [UInt32: LedgerEventType] = [:]
    }

    package func beginBatch(_ state: ProjectionState) throws -> Batch { Batch() }

    package func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        let stream = event.stream
        guard stream.hasPrefix(SalonLedger.clientStreamPrefix) else { return }
        let type: LedgerEventType
        if let known = batch.types[event.typeCode] {
            type = known
        } else {
            guard let parsed = LedgerEventType(rawValue: event.type) else {
                throw LedgerError(.corruptPayload, "the log holds an event of unknown type \(event.type) at position \(event.position)")
            }
            batch.types[event.typeCode] = parsed
            type = parsed
        }
        let client = ClientID(unchecked: String(stream.dropFirst(SalonLedger.clientStreamPrefix.count)))
        let decoded = try BinaryCodec.decode(type, client: client, payload: event.payload, key: nil, keepSealed: type.carriesPersonalData)
        var card: CardRecord
        if let cached = batch.cards[client] {
            card = cached
        } else {
            card = try state.withValue(forKey: client.rawValue.utf8) { stored in
                guard let stored else { return CardRecord() }
                return try CardRecord(decoding: stored)
            }
        }
        card.apply(decoded.event, sealed: decoded.sealed)
        batch.cards[client] = card
    }

    package func endBatch(_ batch: inout Batch, state: ProjectionState) throws {
        for (client, card) in batch.cards {
            try state.setValue(card.encoded(), forKey: client.rawValue.utf8)
        }
    }
}
