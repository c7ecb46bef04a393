import EventLog

extension ClientState {
    /// One thing of a client's that an event names and the rules look up by its id: what the
    /// ``DecisionIndex`` keeps one entry for, so that a command reads the ones it names and not the
    /// client's history.
    package enum Entity: Hashable, Sendable {
        case visit(VisitID)
        case note(NoteID)
        case form(FormID)
        case document(DocumentID)
        case subscription(SubscriptionID)
        case appointment(AppointmentID)

        /// The entity `event` looks up or changes, if any (each event names at most one that the
        /// rules keep).
        package init?(of event: LedgerEvent) {
            switch event {
            case .checkedOut(let e): self = .visit(e.visit)
            case .noteAdded(let e): self = .note(e.note)
            case .noteRemoved(let e): self = .note(e.note)
            case .intakeRecorded(let e): self = .form(e.form)
            case .documentAttached(let e): self = .document(e.document)
            case .subscriptionPurchased(let e): self = .subscription(e.subscription)
            case .subscriptionUsed(let e): self = .subscription(e.subscription)
            case .subscriptionExpired(let e): self = .subscription(e.subscription)
            case .subscriptionRefunded(let e): self = .subscription(e.subscription)
            case .appointmentBooked(let e): self = .appointment(e.appointment)
            case .appointmentRescheduled(let e): self = .appointment(e.appointment)
            case .appointmentCancelled(let e): self = .appointment(e.appointment)
            case .reminderScheduled(let e): self = .appointment(e.appointment)
            case .reminderSent(let e): self = .appointment(e.appointment)
            case .clientRegistered, .clientDetailsChanged, .consentChanged, .clientArchived, .clientReactivated, .clientErased,
                 .pointsAccrued, .pointsAdjusted, .discountRedeemed, .visitNudgeSent, .salonSettingsChanged, .loyaltyProgrammeChanged:
                return nil
            }
        }

        /// Its kind's byte and its id, as its index key holds them.
        var kindAndID: (UInt8, String) {
            switch self {
            case .visit(let id): (1, id.rawValue)
            case .note(let id): (2, id.rawValue)
            case .form(let id): (3, id.rawValue)
            case .document(let id): (4, id.rawValue)
            case .subscription(let id): (5, id.rawValue)
            case .appointment(let id): (6, id.rawValue)
            }
        }
    }

    /// The entity as this state holds it, encoded; `nil` if the state has none by that id.
    func encoded(_ entity: Entity) -> [UInt8]? {
        var w = PayloadWriter(capacity: 40)
        switch entity {
        case .visit(let id): guard visits.contains(id) else { return nil }
        case .form(let id): guard forms.contains(id) else { return nil }
        case .document(let id): guard documents.contains(id) else { return nil }
        case .note(let id):
            guard let at = notes[id] else { return nil }
            w.timestamp(at)
        case .subscription(let id):
            guard let found = subscriptions[id] else { return nil }
            w.timestamp(found.purchasedAt)
            switch found.allowance {
            case .sessions(let count): w.byte(0); w.signed(Int64(count))
            case .credit(let cents): w.byte(1); w.signed(cents)
            }
            w.signed(found.remaining)
            w.optional(found.validUntil) { $0.timestamp($1) }
            w.byte(found.ended == nil ? 0 : found.ended == "expired" ? 1 : 2)
        case .appointment(let id):
            guard let found = appointments[id] else { return nil }
            w.timestamp(found.bookedAt)
            w.timestamp(found.start)
            w.bool(found.cancelled)
        }
        return w.bytes
    }

    /// Puts the stored entity (`bytes`, as ``encoded(_:)`` wrote it; `nil`: there is none) into
    /// this state, replacing what it held under that id.
    mutating func load(_ entity: Entity, from bytes: UnsafeRawBufferPointer?) throws(LedgerError) {
        guard let bytes else {
            switch entity {
            case .visit(let id): visits.remove(id)
            case .form(let id): forms.remove(id)
            case .document(let id): documents.remove(id)
            case .note(let id): notes[id] = nil
            case .subscription(let id): subscriptions[id] = nil
            case .appointment(let id): appointments[id] = nil
            }
            return
        }
        var r = PayloadReader(bytes, .named("decision index entity"))
        switch entity {
        case .visit(let id): visits.insert(id)
        case .form(let id): forms.insert(id)
        case .document(let id): documents.insert(id)
        case .note(let id): notes[id] = try r.timestamp()
        case .subscription(let id):
            let purchasedAt = try r.timestamp()
            let allowance: SubscriptionAllowance
            switch try r.byte() {
            case 0:
                let count = try r.signed()
                guard let sessions = Int(exactly: count) else { throw DecisionIndex.damaged("a subscription") }
                allowance = .sessions(sessions)
            case 1: allowance = .credit(try r.signed())
            default: throw DecisionIndex.damaged("a subscription")
            }
            let remaining = try r.signed()
            let validUntil = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
            let ended: String?
            switch try r.byte() {
            case 0: ended = nil
            case 1: ended = "expired"
            case 2: ended = "refunded"
            default: throw DecisionIndex.damaged("a subscription")
            }
            subscriptions[id] = Subscription(purchasedAt: purchasedAt, allowance: allowance, remaining: remaining, validUntil: validUntil, ended: ended)
        case .appointment(let id):
            appointments[id] = Appointment(bookedAt: try r.timestamp(), start: try r.timestamp(), cancelled: try r.bool())
        }
        try r.finish()
    }

    /// What the state holds beside its entities and credits — registration, consents, archive and
    /// erasure, balance and debits, checkouts, an unreadable event — encoded.
    func encodedSummary() -> [UInt8] {
        var w = PayloadWriter(capacity: 64)
        w.optional(registeredAt) { $0.timestamp($1) }
        w.optional(referredBy) { $0.string($1.rawValue) }
        w.bool(archived)
        w.bool(erased)
        // Each consent as absent (0), refused (1) or given (2): exactly what the fold holds.
        for consent in Consent.allCases { w.byte(consents[consent].map { $0 ? 2 : 1 } ?? 0) }
        w.signed(points)
        w.signed(Int64(truncatingIfNeeded: debits >> 64))
        w.unsigned(UInt64(truncatingIfNeeded: debits))
        w.unsigned(UInt64(checkouts))
        w.optional(lastCheckout) { $0.timestamp($1) }
        w.optional(unreadable) { $0.unsigned($1.position); $0.string($1.reason) }
        return w.bytes
    }

    /// The state a summary (``encodedSummary()``) describes, holding no entity and no credit yet.
    init(summary bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        self.init()
        var r = PayloadReader(bytes, .named("decision index summary"))
        registeredAt = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
        referredBy = try r.optional { (r) throws(LedgerError) in ClientID(unchecked: try r.string()) }
        archived = try r.bool()
        erased = try r.bool()
        for consent in Consent.allCases {
            switch try r.byte() {
            case 0: break
            case 1: consents[consent] = false
            case 2: consents[consent] = true
            default: throw DecisionIndex.damaged("a client's consents")
            }
        }
        points = try r.signed()
        let high = try r.signed()
        debits = Int128(high) << 64 | Int128(try r.unsigned())
        guard let count = Int(exactly: try r.unsigned()) else { throw DecisionIndex.damaged("a client's checkouts") }
        checkouts = count
        lastCheckout = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
        unreadable = try r.optional { (r) throws(LedgerError) in (try r.unsigned(), try r.string()) }
        try r.finish()
    }
}
