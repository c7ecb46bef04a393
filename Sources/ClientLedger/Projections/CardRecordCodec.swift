import EventLog

/// The binary layout of a stored ``CardRecord`` (the projection's version covers it: change the
/// layout, bump ``ClientCardProjection/version``, and the cards are rebuilt).
extension CardRecord {
    package func encoded() -> [UInt8] {
        var w = PayloadWriter(capacity: 256)
        w.timestamp(registeredAt)
        w.optional(referredBy) { $0.string($1) }
        w.bool(archived); w.bool(erased)
        w.list(details) { w, sealed in w.byte(sealed.type == .clientRegistered ? 1 : 2); w.data(sealed.bytes) }
        w.list(consents) { w, c in
            w.byte(c.consent == .reminders ? 1 : c.consent == .marketing ? 2 : 3); w.bool(c.granted); w.timestamp(c.at)
            w.optional(c.source) { $0.string($1) }
        }
        w.signed(points)
        w.list(pointsHistory) { w, p in
            w.byte(p.kind); w.timestamp(p.at); w.signed(p.points); w.signed(p.discount)
            w.optional(p.text) { $0.string($1) }; w.optional(p.visit) { $0.string($1) }
        }
        w.list(subscriptions) { w, s in
            w.string(s.id); w.string(s.plan); w.signed(s.price)
            switch s.allowance {
            case .sessions(let count): w.byte(1); w.signed(Int64(count))
            case .credit(let cents): w.byte(2); w.signed(cents)
            }
            w.timestamp(s.purchasedAt); w.optional(s.validUntil) { $0.timestamp($1) }
            w.list(s.history) { w, h in
                w.byte(h.kind); w.timestamp(h.at); w.signed(h.units); w.signed(h.refund); w.optional(h.visit) { $0.string($1) }
            }
        }
        w.list(notes) { w, n in w.string(n.id); w.timestamp(n.at); w.bool(n.alert); w.data(n.sealed) }
        w.list(documents) { w, d in
            w.string(d.id); w.timestamp(d.at); w.string(d.mediaType); w.string(d.sha256); w.signed(d.bytes); w.data(d.sealed)
        }
        w.list(intake) { w, i in w.string(i.id); w.timestamp(i.at); w.data(i.sealed) }
        w.list(visits) { w, v in w.string(v.id); w.timestamp(v.at); w.signed(v.revenue) }
        w.list(appointments) { w, a in
            w.string(a.id); w.timestamp(a.bookedAt); w.timestamp(a.bookedStart); w.signed(Int64(a.minutes)); w.string(a.service)
            w.list(a.moves) { w, m in w.timestamp(m.at); w.timestamp(m.start) }
            w.optional(a.cancelledAt) { $0.timestamp($1) }
            w.list(a.reminders) { w, r in
                w.byte(r.kind); w.byte(r.channel == .sms ? 1 : 2); w.timestamp(r.at); w.optional(r.sendAt) { $0.timestamp($1) }
            }
        }
        w.list(nudges) { w, n in w.timestamp(n.at); w.byte(n.channel == .sms ? 1 : 2) }
        return w.bytes
    }

    package init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        var r = PayloadReader(bytes, type: "client card")
        self.init()
        registeredAt = try r.timestamp()
        referredBy = try r.optional { (r) throws(LedgerError) in try r.string() }
        archived = try r.bool(); erased = try r.bool()
        details = try r.list { (r) throws(LedgerError) in
            Sealed(type: try r.byte() == 1 ? .clientRegistered : .clientDetailsChanged, bytes: Array(try r.data()))
        }
        consents = try r.list { (r) throws(LedgerError) in
            let code = try r.byte()
            return ConsentEntry(consent: code == 1 ? .reminders : code == 2 ? .marketing : .visitNudges, granted: try r.bool(), at: try r.timestamp(),
                                source: try r.optional { (r) throws(LedgerError) in try r.string() })
        }
        points = try r.signed()
        pointsHistory = try r.list { (r) throws(LedgerError) in
            PointsEntry(kind: try r.byte(), at: try r.timestamp(), points: try r.signed(), discount: try r.signed(),
                        text: try r.optional { (r) throws(LedgerError) in try r.string() },
                        visit: try r.optional { (r) throws(LedgerError) in try r.string() })
        }
        subscriptions = try r.list { (r) throws(LedgerError) in
            let id = try r.string(), plan = try r.string(), price = try r.signed()
            let allowance: SubscriptionAllowance = try r.byte() == 1 ? .sessions(try r.int()) : .credit(try r.signed())
            let purchasedAt = try r.timestamp()
            let validUntil = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
            let history = try r.list { (r) throws(LedgerError) in
                SubscriptionEntry(kind: try r.byte(), at: try r.timestamp(), units: try r.signed(), refund: try r.signed(),
                                  visit: try r.optional { (r) throws(LedgerError) in try r.string() })
            }
            return Subscription(id: id, plan: plan, price: price, allowance: allowance, purchasedAt: purchasedAt, validUntil: validUntil, history: history)
        }
        notes = try r.list { (r) throws(LedgerError) in
            Note(id: try r.string(), at: try r.timestamp(), alert: try r.bool(), sealed: Array(try r.data()))
        }
        documents = try r.list { (r) throws(LedgerError) in
            Document(id: try r.string(), at: try r.timestamp(), mediaType: try r.string(), sha256: try r.string(), bytes: try r.signed(), sealed: Array(try r.data()))
        }
        intake = try r.list { (r) throws(LedgerError) in Intake(id: try r.string(), at: try r.timestamp(), sealed: Array(try r.data())) }
        visits = try r.list { (r) throws(LedgerError) in Visit(id: try r.string(), at: try r.timestamp(), revenue: try r.signed()) }
        appointments = try r.list { (r) throws(LedgerError) in
            let id = try r.string(), bookedAt = try r.timestamp(), bookedStart = try r.timestamp(), minutes = try r.int()
            let service = try r.string()
            let moves = try r.list { (r) throws(LedgerError) -> (at: Timestamp, start: Timestamp) in (try r.timestamp(), try r.timestamp()) }
            let cancelledAt = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
            let reminders = try r.list { (r) throws(LedgerError) -> (kind: UInt8, channel: Channel, at: Timestamp, sendAt: Timestamp?) in
                (try r.byte(), try r.byte() == 1 ? .sms : .email, try r.timestamp(), try r.optional { (r) throws(LedgerError) in try r.timestamp() })
            }
            return Appointment(id: id, bookedAt: bookedAt, bookedStart: bookedStart, minutes: minutes, service: service,
                               moves: moves, cancelledAt: cancelledAt, reminders: reminders)
        }
        nudges = try r.list { (r) throws(LedgerError) -> (at: Timestamp, channel: Channel) in (try r.timestamp(), try r.byte() == 1 ? .sms : .email) }
        try r.finish()
    }
}
