import EventLog

/// The stored layout of a client card: a header and the card's **facts**, one entry per event that
/// changed the card, in log order — the latest few under the client's id (the card's **head**), the
/// earlier ones in sealed **chunks** of ``entriesPerChunk`` entries each.
///
/// Why a journal and not a nested record: applying an event appends a few bytes to the card instead
/// of decoding, changing and re-encoding the whole card, so keeping cards current (inline with every
/// append) and rebuilding them cost a small, constant amount per event. Why chunks: a card of
/// 50,000 facts is megabytes; rewritten whole by each checkout, it made every command on a long
/// history cost as much as the history (LMDB copies a changed value, and finds room for a large one
/// among free pages). A batch now writes the head, and a new chunk each ``entriesPerChunk`` facts.
/// Reading a card is one pass over its chunks and head (``CardRecord/init(client:head:in:)``).
///
/// Layout (the projection's version covers it: change it, bump ``ClientCardProjection/version``):
/// - head, under the client id's bytes: format `3`, flags (bit 0: the client is erased), the number
///   of chunks (varint), then the entries since the last chunk (fewer than ``entriesPerChunk``);
/// - chunk `n` (from 0), under `FF 'j'` id(client) `n` (4 bytes, big-endian): exactly
///   ``entriesPerChunk`` entries;
/// - each entry: kind (one byte, ``Kind``), body (varint length + bytes: the kind's fields, written
///   with ``PayloadWriter``), sealed (varint length + bytes: the event's sealed personal section, or
///   empty).
///
/// Chunks close after a count of entries, never of bytes, and an erased client's card keeps no
/// sealed section: when a batch erases a client, every entry's sealed part is emptied, in the head
/// and in every chunk, whichever batch wrote it; so stored cards, rebuilds and replays agree byte
/// for byte however the events were batched.
package enum CardJournal {
    package static let format: UInt8 = 3
    static let erasedFlag: UInt8 = 1
    /// The entries of one chunk.
    package static let entriesPerChunk = 32

    /// The kinds of facts; stored, so never renumbered.
    enum Kind: UInt8 {
        case registered = 1, detailsChanged, consent, archived, reactivated, erased
        case noteAdded, noteRemoved, intake, document, visit, points
        case subscriptionPurchased, subscriptionEntry
        case appointmentBooked, appointmentMoved, appointmentCancelled, reminder, nudge

        /// The kind of fact an event of `type` adds, or `nil` for types that do not change a card.
        init?(_ type: LedgerEventType) {
            switch type {
            case .clientRegistered: self = .registered
            case .clientDetailsChanged: self = .detailsChanged
            case .consentChanged: self = .consent
            case .clientArchived: self = .archived
            case .clientReactivated: self = .reactivated
            case .clientErased: self = .erased
            case .noteAdded: self = .noteAdded
            case .noteRemoved: self = .noteRemoved
            case .intakeRecorded: self = .intake
            case .documentAttached: self = .document
            case .checkedOut: self = .visit
            case .pointsAccrued, .pointsAdjusted, .discountRedeemed: self = .points
            case .subscriptionPurchased: self = .subscriptionPurchased
            case .subscriptionUsed, .subscriptionExpired, .subscriptionRefunded: self = .subscriptionEntry
            case .appointmentBooked: self = .appointmentBooked
            case .appointmentRescheduled: self = .appointmentMoved
            case .appointmentCancelled: self = .appointmentCancelled
            case .reminderScheduled, .reminderSent: self = .reminder
            case .visitNudgeSent: self = .nudge
            case .salonSettingsChanged, .loyaltyProgrammeChanged: return nil
            }
        }
    }

    /// Appends the fact that an event of `type` adds to a card, read straight from its stored
    /// `payload` (layout in `docs/events.md`) and written without building a ``LedgerEvent``: no
    /// strings, no arrays, the sealed personal section copied as it is. Returns `false`, appending
    /// nothing, for types that do not change a card (their payloads are read no further than
    /// their layout version and instant).
    ///
    /// It checks the payload as ``BinaryCodec/decode(_:client:payload:key:keepSealed:)`` does
    /// (codes, flags, lengths, no bytes left over) and throws the same errors, appending nothing;
    /// ``LedgerError/Code/newerPayloadVersion`` for a layout newer than this library's.
    package static func appendEntry(type: LedgerEventType, payload: UnsafeRawBufferPointer, to entries: inout PayloadWriter) throws(LedgerError) -> Bool {
        var r = PayloadReader(payload, .event(type))
        let at = try BinaryCodec.prelude(&r, type).microsecondsSinceEpoch
        guard let kind = Kind(type) else { return false }
        let start = entries.count
        do {
            var sealed = UnsafeRawBufferPointer(start: nil, count: 0)
            entries.byte(kind.rawValue)
            try entries.lengthPrefixed { (w) throws(LedgerError) in try transcode(type, at: at, &r, to: &w, sealed: &sealed) }
            try r.finish()
            entries.data(sealed)
        } catch {
            entries.removeLast(entries.count - start)
            throw error
        }
        return true
    }

    /// Reads the rest of a payload of `type` (after its `at`) and writes the fact's body; the type's
    /// sealed section, if any, goes to `sealed`. Fields the card does not keep are still read, so
    /// that they are checked.
    private static func transcode(_ type: LedgerEventType, at: Int64, _ r: inout PayloadReader, to w: inout PayloadWriter,
                                  sealed: inout UnsafeRawBufferPointer) throws(LedgerError) {
        /// An optional string or identifier, as bytes.
        func readOptional(_ r: inout PayloadReader) throws(LedgerError) -> UnsafeRawBufferPointer? {
            try r.optional { (r) throws(LedgerError) in try r.data() }
        }
        func writeOptional(_ w: inout PayloadWriter, _ value: UnsafeRawBufferPointer?) {
            w.optional(value) { $0.data($1) }
        }
        switch type {
        case .clientRegistered:
            sealed = try r.data()
            w.signed(at); writeOptional(&w, try readOptional(&r))
        case .clientDetailsChanged:
            sealed = try r.data()
        case .consentChanged:
            w.byte(BinaryCodec.consentCode(try BinaryCodec.consent(try r.byte()))); w.bool(try r.bool()); w.signed(at)
            writeOptional(&w, try readOptional(&r))
        case .clientArchived:
            _ = try readOptional(&r) // the reason stays in the log
        case .clientReactivated, .clientErased:
            // A reason, in payloads written since it exists; it stays in the log.
            if !r.isAtEnd { _ = try readOptional(&r) }
        case .noteAdded:
            let note = try r.data(), alert = try r.bool()
            sealed = try r.data()
            w.data(note); w.signed(at); w.bool(alert)
        case .noteRemoved:
            w.data(try r.data())
        case .intakeRecorded:
            w.data(try r.data()); w.signed(at)
            sealed = try r.data()
        case .documentAttached:
            let document = try r.data(), mediaType = try r.data(), sha256 = try r.data(), bytes = try r.signed()
            sealed = try r.data()
            w.data(document); w.signed(at); w.data(mediaType); w.data(sha256); w.signed(bytes)
        case .checkedOut:
            w.data(try r.data()); w.signed(at); w.signed(try r.signed())
        case .pointsAccrued:
            let points = try r.signed(), reason = try BinaryCodec.accrual(try r.byte()).rawValue
            self.points(&w, kind: CardRecord.PointsEntry.accrued, at: at, points: points, discount: 0) { $0.byte(1); $0.string(reason) }
            writeOptional(&w, try readOptional(&r))
        case .pointsAdjusted:
            let points = try r.signed(), reason = try r.data()
            self.points(&w, kind: CardRecord.PointsEntry.adjusted, at: at, points: points, discount: 0) { $0.byte(1); $0.data(reason) }
            w.byte(0) // no visit
        case .discountRedeemed:
            let points = try r.signed(), discount = try r.signed()
            // Redeemed points leave the balance; wrapping, so that no stored number can trap.
            self.points(&w, kind: CardRecord.PointsEntry.redeemed, at: at, points: 0 &- points, discount: discount) { $0.byte(0) }
            writeOptional(&w, try readOptional(&r))
        case .subscriptionPurchased:
            w.data(try r.data()); w.data(try r.data()); w.signed(try r.signed()) // id, plan, price
            let allowance = try r.byte()
            guard allowance == 1 || allowance == 2 else {
                throw LedgerError(.corruptPayload, "a SubscriptionPurchased payload has allowance kind \(allowance)")
            }
            w.byte(allowance); w.signed(try r.signed()); w.signed(at)
            w.optional(try r.optional { (r) throws(LedgerError) in try r.signed() }) { $0.signed($1) }
        case .subscriptionUsed:
            let subscription = try r.data(), usage = try r.byte()
            guard usage == 1 || usage == 2 else { throw LedgerError(.corruptPayload, "a SubscriptionUsed payload has usage kind \(usage)") }
            let units = try r.signed()
            subscriptionEntry(&w, subscription, kind: 1, at: at, units: units, refund: 0)
            writeOptional(&w, try readOptional(&r))
        case .subscriptionExpired:
            subscriptionEntry(&w, try r.data(), kind: 2, at: at, units: 0, refund: 0)
            w.byte(0) // no visit
        case .subscriptionRefunded:
            let subscription = try r.data()
            subscriptionEntry(&w, subscription, kind: 3, at: at, units: 0, refund: try r.signed())
            w.byte(0) // no visit
        case .appointmentBooked:
            w.data(try r.data()); w.signed(at); w.signed(try r.signed()) // id, booked at, start
            w.signed(try r.signed()); w.data(try r.data()) // minutes, service
        case .appointmentRescheduled:
            w.data(try r.data()); w.signed(at); w.signed(try r.signed())
        case .appointmentCancelled:
            w.data(try r.data()); w.signed(at)
        case .reminderScheduled:
            let appointment = try r.data(), channel = try BinaryCodec.channel(try r.byte())
            reminder(&w, appointment, kind: 1, channel: channel, at: at)
            w.byte(1); w.signed(try r.signed()) // send at
        case .reminderSent:
            let appointment = try r.data(), channel = try BinaryCodec.channel(try r.byte())
            reminder(&w, appointment, kind: 2, channel: channel, at: at)
            w.byte(0) // no send-at
        case .visitNudgeSent:
            w.signed(at); w.byte(BinaryCodec.channelCode(try BinaryCodec.channel(try r.byte())))
        case .salonSettingsChanged, .loyaltyProgrammeChanged:
            break // no kind: never called
        }
    }

    /// What a batch writes for one card: see ``merged(_:_:erases:)``.
    package struct Merged {
        /// The card's new head.
        package var head: [UInt8]
        /// The chunks the batch closed, by number.
        package var chunks: [(number: UInt32, entries: [UInt8])] = []
        /// The number of earlier chunks whose sealed sections must now be emptied (the batch
        /// erased the client): chunks `0..<n`.
        package var chunksToStrip: UInt32 = 0
    }

    /// A stored head (or `nil` for none yet) followed by `entries` (from ``appendEntry(type:payload:to:)``);
    /// `erases` says that `entries` hold an erasure, after which no entry keeps its sealed section.
    package static func merged(_ stored: UnsafeRawBufferPointer?, _ entries: [UInt8], erases: Bool) throws(LedgerError) -> Merged {
        var flags: UInt8 = 0, chunks: UInt32 = 0
        var tail = UnsafeRawBufferPointer(start: nil, count: 0)
        if let stored {
            var reader = PayloadReader(stored, .named("client card"))
            (flags, chunks) = try head(&reader)
            tail = UnsafeRawBufferPointer(rebasing: stored[reader.consumed...])
        }
        let wasErased = flags & erasedFlag != 0
        if erases { flags |= erasedFlag }
        let erased = flags & erasedFlag != 0
        var merged = Merged(head: [], chunksToStrip: erased && !wasErased ? chunks : 0)
        var open = PayloadWriter(capacity: tail.count + entries.count)
        var count = 0
        func add(_ entry: UnsafeRawBufferPointer) throws(LedgerError) {
            if erased { try appendWithoutSealed(entry, to: &open) } else { open.raw(entry) }
            count += 1
            if count == entriesPerChunk {
                merged.chunks.append((chunks, open.bytes))
                chunks += 1
                open = PayloadWriter(capacity: 256)
                count = 0
            }
        }
        try forEachEntry(tail, add)
        try entries.withUnsafeBytes { raw in Result { () throws(LedgerError) in try forEachEntry(raw, add) } }.get()
        var head = PayloadWriter(capacity: 8 + open.count)
        head.byte(format)
        head.byte(flags)
        head.unsigned(UInt64(chunks))
        head.raw(open.bytes)
        merged.head = head.bytes
        return merged
    }

    /// A chunk's entries with every sealed section emptied.
    package static func stripped(_ chunk: UnsafeRawBufferPointer) throws(LedgerError) -> [UInt8] {
        var out = PayloadWriter(capacity: chunk.count)
        try appendWithoutSealed(chunk, to: &out)
        return out.bytes
    }

    /// The key of chunk `number` of `client`'s card.
    package static func chunkKey(_ client: ClientID, _ number: UInt32) -> [UInt8] {
        chunkPrefix(client) + (0..<4).map { UInt8(truncatingIfNeeded: number >> (24 - 8 * $0)) }
    }

    /// Where the keys of `client`'s chunks begin.
    package static func chunkPrefix(_ client: ClientID) -> [UInt8] { QueryIndex.key(.cardChunk, QueryIndex.id(client.rawValue)) }

    /// Reads a head's header; returns the flags and the number of chunks.
    static func head(_ reader: inout PayloadReader) throws(LedgerError) -> (flags: UInt8, chunks: UInt32) {
        let version = try reader.byte()
        guard version == format else {
            throw LedgerError(.corruptPayload, "a stored client card has format \(version), not \(format): rebuild the projections from the log (ledger rebuild)")
        }
        let flags = try reader.byte()
        guard let chunks = UInt32(exactly: try reader.unsigned()) else {
            throw LedgerError(.corruptPayload, "a stored client card counts more chunks than it can hold: rebuild the projections from the log (ledger rebuild)")
        }
        return (flags, chunks)
    }

    /// Calls `body` with each entry of `entries` (whole entries, back to back), checking lengths.
    static func forEachEntry(_ entries: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(LedgerError) -> Void) throws(LedgerError) {
        var reader = PayloadReader(entries, .named("client card"))
        while !reader.isAtEnd {
            let start = reader.consumed
            _ = try reader.byte()
            _ = try reader.data()
            _ = try reader.data()
            try body(UnsafeRawBufferPointer(rebasing: entries[start..<reader.consumed]))
        }
    }

    private static func appendWithoutSealed(_ entries: UnsafeRawBufferPointer, to out: inout PayloadWriter) throws(LedgerError) {
        var reader = PayloadReader(entries, .named("client card"))
        while !reader.isAtEnd {
            out.byte(try reader.byte())
            out.data(try reader.data())
            _ = try reader.data()
            out.unsigned(0) // no sealed section
        }
    }

    /// A points fact up to its text, which `text` writes as an optional; the visit follows.
    private static func points(_ w: inout PayloadWriter, kind: UInt8, at: Int64, points: Int64, discount: Int64, text: (inout PayloadWriter) -> Void) {
        w.byte(kind); w.signed(at); w.signed(points); w.signed(discount); text(&w)
    }

    /// A subscription fact up to its visit, which follows as an optional.
    private static func subscriptionEntry(_ w: inout PayloadWriter, _ id: UnsafeRawBufferPointer, kind: UInt8, at: Int64, units: Int64, refund: Int64) {
        w.data(id); w.byte(kind); w.signed(at); w.signed(units); w.signed(refund)
    }

    /// A reminder fact up to its send-at instant, which follows as an optional.
    private static func reminder(_ w: inout PayloadWriter, _ id: UnsafeRawBufferPointer, kind: UInt8, channel: Channel, at: Int64) {
        w.data(id); w.byte(kind); w.byte(BinaryCodec.channelCode(channel)); w.signed(at)
    }
}

extension CardRecord {
    /// Reads `client`'s stored card from its `head` and, if it has any, its chunks in `state`: one
    /// pass over its facts (see ``CardJournal``).
    package init(client: ClientID, head bytes: UnsafeRawBufferPointer, in state: ProjectionState) throws {
        self.init()
        var reader = PayloadReader(bytes, .named("client card"))
        let (flags, chunks) = try CardJournal.head(&reader)
        erased = flags & CardJournal.erasedFlag != 0
        if chunks > 0 {
            var read: UInt32 = 0
            let prefix = CardJournal.chunkPrefix(client)
            try state.forEach(prefix: prefix) { key, chunk in
                guard key.count == prefix.count + 4, read < chunks else { return false }
                try applyEntries(chunk)
                read += 1
                return true
            }
            guard read == chunks else {
                throw LedgerError(.corruptPayload, "the card of client \(client) has \(read) of its \(chunks) chunks: rebuild the projections from the log (ledger rebuild)")
            }
        }
        try applyEntries(UnsafeRawBufferPointer(rebasing: bytes[reader.consumed...]))
    }

    /// Applies entries back to back, as the journal stores them.
    private mutating func applyEntries(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        var reader = PayloadReader(bytes, .named("client card"))
        while !reader.isAtEnd {
            let code = try reader.byte()
            var body = PayloadReader(try reader.data(), .named("client card entry"))
            let sealed = try reader.data()
            guard let kind = CardJournal.Kind(rawValue: code) else {
                throw LedgerError(.corruptPayload, "a stored client card holds a fact of unknown kind \(code)")
            }
            try apply(kind, &body, sealed: erased ? [] : Array(sealed))
            try body.finish()
        }
    }

    /// Applies one fact. The card's erased flag comes from the header, so sections are already empty.
    private mutating func apply(_ kind: CardJournal.Kind, _ r: inout PayloadReader, sealed: [UInt8]) throws(LedgerError) {
        switch kind {
        case .registered:
            registeredAt = try r.timestamp()
            referredBy = try r.optional { (r) throws(LedgerError) in try r.string() }
            if !sealed.isEmpty { details.append(Sealed(type: .clientRegistered, bytes: sealed)) }
        case .detailsChanged:
            if !sealed.isEmpty { details.append(Sealed(type: .clientDetailsChanged, bytes: sealed)) }
        case .consent:
            consents.append(ConsentEntry(consent: try BinaryCodec.consent(try r.byte()), granted: try r.bool(), at: try r.timestamp(),
                                         source: try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .archived: archived = true
        case .reactivated: archived = false
        case .erased: break // the header's flag; the sections were emptied when it was written
        case .noteAdded:
            notes.append(Note(id: try r.string(), at: try r.timestamp(), alert: try r.bool(), sealed: sealed))
        case .noteRemoved:
            let id = try r.string()
            notes.removeAll { $0.id == id }
        case .intake:
            intake.append(Intake(id: try r.string(), at: try r.timestamp(), sealed: sealed))
        case .document:
            documents.append(Document(id: try r.string(), at: try r.timestamp(), mediaType: try r.string(), sha256: try r.string(),
                                      bytes: try r.signed(), sealed: sealed))
        case .visit:
            visits.append(Visit(id: try r.string(), at: try r.timestamp(), revenue: try r.signed()))
        case .points:
            let entry = PointsEntry(kind: try r.byte(), at: try r.timestamp(), points: try r.signed(), discount: try r.signed(),
                                    text: try r.optional { (r) throws(LedgerError) in try r.string() },
                                    visit: try r.optional { (r) throws(LedgerError) in try r.string() })
            points = points.saturatingAdding(entry.points)
            pointsHistory.append(entry)
        case .subscriptionPurchased:
            let id = try r.string(), plan = try r.string(), price = try r.signed()
            let allowance: SubscriptionAllowance = try r.byte() == 1 ? .sessions(try r.int()) : .credit(try r.signed())
            subscriptions.append(Subscription(id: id, plan: plan, price: price, allowance: allowance, purchasedAt: try r.timestamp(),
                                              validUntil: try r.optional { (r) throws(LedgerError) in try r.timestamp() }, history: []))
        case .subscriptionEntry:
            let id = try r.string()
            append(to: id, SubscriptionEntry(kind: try r.byte(), at: try r.timestamp(), units: try r.signed(), refund: try r.signed(),
                                             visit: try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .appointmentBooked:
            appointments.append(Appointment(id: try r.string(), bookedAt: try r.timestamp(), bookedStart: try r.timestamp(), minutes: try r.int(),
                                            service: try r.string(), moves: [], cancelledAt: nil, reminders: []))
        case .appointmentMoved:
            let id = try r.string(), move = (at: try r.timestamp(), start: try r.timestamp())
            withAppointment(id) { $0.moves.append(move) }
        case .appointmentCancelled:
            let id = try r.string(), at = try r.timestamp()
            withAppointment(id) { $0.cancelledAt = at }
        case .reminder:
            let id = try r.string()
            let reminder = (kind: try r.byte(), channel: try BinaryCodec.channel(try r.byte()), at: try r.timestamp(),
                            sendAt: try r.optional { (r) throws(LedgerError) in try r.timestamp() })
            withAppointment(id) { $0.reminders.append(reminder) }
        case .nudge:
            nudges.append((try r.timestamp(), try BinaryCodec.channel(try r.byte())))
        }
    }
}
