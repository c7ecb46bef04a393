import EventLog

/// The stored layout of a client card: a two-byte header and the card's **facts**, one entry per
/// event that changed the card, in log order.
///
/// Why a journal and not a nested record: applying an event appends a few bytes to the card instead
/// of decoding, changing and re-encoding the whole card, so keeping cards current (inline with every
/// append) and rebuilding them cost a small, constant amount per event. Reading a card is one pass
/// over its facts (``CardRecord/init(decoding:)``), as decoding a nested record would be.
///
/// Layout (the projection's version covers it: change it, bump ``ClientCardProjection/version``):
/// - header: format `2`, then flags (bit 0: the client is erased);
/// - each entry: kind (one byte, ``Kind``), body (varint length + bytes: the kind's fields, written
///   with ``PayloadWriter``), sealed (varint length + bytes: the event's sealed personal section, or
///   empty).
///
/// An erased client's card keeps no sealed section: when a batch erases a client, every entry's
/// sealed part is emptied, whichever batch wrote it; so stored cards, rebuilds and replays agree
/// byte for byte however the events were batched.
package enum CardJournal {
    package static let format: UInt8 = 2
    static let erasedFlag: UInt8 = 1

    /// The kinds of facts; stored, so never renumbered.
    enum Kind: UInt8 {
        case registered = 1, detailsChanged, consent, archived, reactivated, erased
        case noteAdded, noteRemoved, intake, document, visit, points
        case subscriptionPurchased, subscriptionEntry
        case appointmentBooked, appointmentMoved, appointmentCancelled, reminder, nudge
    }

    /// Appends the fact that `event` (with its sealed section, if any) adds to a card. Returns
    /// `false`, appending nothing, for events that do not change a card.
    package static func appendEntry(of event: LedgerEvent, sealed: [UInt8]?, to entries: inout PayloadWriter) -> Bool {
        func entry(_ kind: Kind, _ body: (inout PayloadWriter) -> Void = { _ in }) {
            entries.byte(kind.rawValue)
            entries.lengthPrefixed(body)
            entries.data(sealed ?? [])
        }
        switch event {
        case .clientRegistered(let e):
            entry(.registered) { w in w.timestamp(e.at); w.optional(e.referredBy?.rawValue) { $0.string($1) } }
        case .clientDetailsChanged: entry(.detailsChanged)
        case .consentChanged(let e):
            entry(.consent) { w in
                w.byte(BinaryCodec.consentCode(e.consent)); w.bool(e.granted); w.timestamp(e.at); w.optional(e.source) { $0.string($1) }
            }
        case .clientArchived: entry(.archived)
        case .clientReactivated: entry(.reactivated)
        case .clientErased: entry(.erased)
        case .noteAdded(let e): entry(.noteAdded) { w in w.string(e.note.rawValue); w.timestamp(e.at); w.bool(e.alert) }
        case .noteRemoved(let e): entry(.noteRemoved) { w in w.string(e.note.rawValue) }
        case .intakeRecorded(let e): entry(.intake) { w in w.string(e.form.rawValue); w.timestamp(e.at) }
        case .documentAttached(let e):
            entry(.document) { w in
                w.string(e.document.rawValue); w.timestamp(e.at); w.string(e.mediaType); w.string(e.sha256); w.signed(e.bytes)
            }
        case .checkedOut(let e): entry(.visit) { w in w.string(e.visit.rawValue); w.timestamp(e.at); w.signed(e.revenue) }
        case .pointsAccrued(let e):
            entry(.points) { w in points(&w, kind: 1, at: e.at, points: e.points, discount: 0, text: e.reason.rawValue, visit: e.visit?.rawValue) }
        case .pointsAdjusted(let e):
            entry(.points) { w in points(&w, kind: 2, at: e.at, points: e.points, discount: 0, text: e.reason, visit: nil) }
        case .discountRedeemed(let e):
            entry(.points) { w in
                points(&w, kind: CardRecord.PointsEntry.redeemed, at: e.at, points: -e.points, discount: e.discount, text: nil, visit: e.visit?.rawValue)
            }
        case .subscriptionPurchased(let e):
            entry(.subscriptionPurchased) { w in
                w.string(e.subscription.rawValue); w.string(e.plan); w.signed(e.price)
                switch e.allowance {
                case .sessions(let count): w.byte(1); w.signed(Int64(count))
                case .credit(let cents): w.byte(2); w.signed(cents)
                }
                w.timestamp(e.at); w.optional(e.validUntil) { $0.timestamp($1) }
            }
        case .subscriptionUsed(let e):
            entry(.subscriptionEntry) { w in
                subscriptionEntry(&w, e.subscription.rawValue, kind: 1, at: e.at, units: e.usage.units, refund: 0, visit: e.visit?.rawValue)
            }
        case .subscriptionExpired(let e):
            entry(.subscriptionEntry) { w in subscriptionEntry(&w, e.subscription.rawValue, kind: 2, at: e.at, units: 0, refund: 0, visit: nil) }
        case .subscriptionRefunded(let e):
            entry(.subscriptionEntry) { w in subscriptionEntry(&w, e.subscription.rawValue, kind: 3, at: e.at, units: 0, refund: e.refund, visit: nil) }
        case .appointmentBooked(let e):
            entry(.appointmentBooked) { w in
                w.string(e.appointment.rawValue); w.timestamp(e.at); w.timestamp(e.start); w.signed(Int64(e.minutes)); w.string(e.service)
            }
        case .appointmentRescheduled(let e):
            entry(.appointmentMoved) { w in w.string(e.appointment.rawValue); w.timestamp(e.at); w.timestamp(e.start) }
        case .appointmentCancelled(let e):
            entry(.appointmentCancelled) { w in w.string(e.appointment.rawValue); w.timestamp(e.at) }
        case .reminderScheduled(let e):
            entry(.reminder) { w in reminder(&w, e.appointment.rawValue, kind: 1, channel: e.channel, at: e.at, sendAt: e.sendAt) }
        case .reminderSent(let e):
            entry(.reminder) { w in reminder(&w, e.appointment.rawValue, kind: 2, channel: e.channel, at: e.at, sendAt: nil) }
        case .visitNudgeSent(let e):
            entry(.nudge) { w in w.timestamp(e.at); w.byte(BinaryCodec.channelCode(e.channel)) }
        case .salonSettingsChanged, .loyaltyProgrammeChanged:
            return false
        }
        return true
    }

    /// A stored card (or `nil` for none yet) followed by `entries` (from ``appendEntry(of:sealed:to:)``);
    /// `erases` says that `entries` hold an erasure, after which no entry keeps its sealed section.
    package static func merged(_ stored: UnsafeRawBufferPointer?, _ entries: [UInt8], erases: Bool) throws(LedgerError) -> [UInt8] {
        var flags: UInt8 = erases ? erasedFlag : 0
        var old = UnsafeRawBufferPointer(start: nil, count: 0)
        if let stored {
            var reader = PayloadReader(stored, type: "client card")
            flags |= try header(&reader)
            old = UnsafeRawBufferPointer(rebasing: stored[2...])
        }
        var out = PayloadWriter(capacity: 2 + old.count + entries.count)
        out.byte(format)
        out.byte(flags)
        if flags & erasedFlag == 0 {
            out.raw(old)
            out.raw(entries)
        } else {
            try appendWithoutSealed(old, to: &out)
            try entries.withUnsafeBytes { raw in Result { () throws(LedgerError) in try appendWithoutSealed(raw, to: &out) } }.get()
        }
        return out.bytes
    }

    /// Reads the header; returns the flags.
    static func header(_ reader: inout PayloadReader) throws(LedgerError) -> UInt8 {
        let version = try reader.byte()
        guard version == format else {
            throw LedgerError(.corruptPayload, "a stored client card has format \(version), not \(format): rebuild the projections")
        }
        return try reader.byte()
    }

    private static func appendWithoutSealed(_ entries: UnsafeRawBufferPointer, to out: inout PayloadWriter) throws(LedgerError) {
        var reader = PayloadReader(entries, type: "client card")
        while !reader.isAtEnd {
            out.byte(try reader.byte())
            out.data(try reader.data())
            _ = try reader.data()
            out.unsigned(0) // no sealed section
        }
    }

    private static func points(_ w: inout PayloadWriter, kind: UInt8, at: Timestamp, points: Int64, discount: Cents, text: String?, visit: String?) {
        w.byte(kind); w.timestamp(at); w.signed(points); w.signed(discount)
        w.optional(text) { $0.string($1) }; w.optional(visit) { $0.string($1) }
    }

    private static func subscriptionEntry(_ w: inout PayloadWriter, _ id: String, kind: UInt8, at: Timestamp, units: Int64, refund: Cents, visit: String?) {
        w.string(id); w.byte(kind); w.timestamp(at); w.signed(units); w.signed(refund); w.optional(visit) { $0.string($1) }
    }

    private static func reminder(_ w: inout PayloadWriter, _ id: String, kind: UInt8, channel: Channel, at: Timestamp, sendAt: Timestamp?) {
        w.string(id); w.byte(kind); w.byte(BinaryCodec.channelCode(channel)); w.timestamp(at); w.optional(sendAt) { $0.timestamp($1) }
    }
}

extension CardRecord {
    /// Reads a stored card: one pass over its facts (see ``CardJournal``).
    package init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        self.init()
        var reader = PayloadReader(bytes, type: "client card")
        erased = try CardJournal.header(&reader) & CardJournal.erasedFlag != 0
        while !reader.isAtEnd {
            let code = try reader.byte()
            var body = PayloadReader(try reader.data(), type: "client card entry")
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
            points += entry.points
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
