import EventLog

extension QueryIndex {
    /// The index entries one batch of the client-card projection changes: read from the state the
    /// first time the batch touches them, changed in memory event by event, and written (with the
    /// keys that file them) at the end of the batch. What is stored depends only on the events, in
    /// log order — not on where batches begin and end — so stored, rebuilt and replayed indexes agree
    /// byte for byte.
    struct Batch {
        private var watermark: Int64?
        private var watermarkRead = false
        private var watermarkChanged = false
        /// The client entries, by the clients' card slots.
        private var clients = SlotTable<(client: ClientID, original: ClientEntry?, current: ClientEntry)>()
        private var appointments: [AppointmentRef: (original: AppointmentEntry?, current: AppointmentEntry?)] = [:]
        private var subscriptions: [SubscriptionRef: (original: SubscriptionEntry?, current: SubscriptionEntry?)] = [:]

        /// An appointment's entry; `slot` is its client's card slot (the same for every entry of
        /// a client), which orders the writes. Hashed by slot and appointment: within a batch the
        /// slot stands for the client, whose id need not be hashed again at every event.
        struct AppointmentRef: Hashable {
            let client: ClientID
            let slot: Int32
            let appointment: AppointmentID

            func hash(into hasher: inout Hasher) {
                hasher.combine(slot)
                hasher.combine(appointment)
            }
        }

        /// A subscription's entry; `slot` as for ``AppointmentRef``, and hashed as it is.
        struct SubscriptionRef: Hashable {
            let client: ClientID
            let slot: Int32
            let subscription: SubscriptionID

            func hash(into hasher: inout Hasher) {
                hasher.combine(slot)
                hasher.combine(subscription)
            }
        }

        /// Whether events of `type` change an index entry of their client.
        static func indexes(_ type: LedgerEventType) -> Bool {
            switch type {
            case .consentChanged, .clientArchived, .clientReactivated, .clientErased, .checkedOut, .visitNudgeSent,
                 .appointmentBooked, .appointmentRescheduled, .appointmentCancelled, .reminderScheduled, .reminderSent,
                 .subscriptionPurchased, .subscriptionUsed, .subscriptionExpired, .subscriptionRefunded:
                true
            case .clientRegistered, .clientDetailsChanged, .noteAdded, .noteRemoved, .intakeRecorded, .documentAttached,
                 .pointsAccrued, .pointsAdjusted, .discountRedeemed, .salonSettingsChanged, .loyaltyProgrammeChanged:
                false
            }
        }

        /// Moves the watermark to `at` if it is later: called for every event, in log order.
        mutating func see(_ at: Int64, state: ProjectionState) throws {
            if !watermarkRead {
                watermark = try state.withValue(forKey: QueryIndex.watermarkKey) { bytes -> Int64? in
                    guard let bytes else { return nil }
                    guard bytes.count == 8 else { throw QueryIndex.damaged("the watermark") }
                    return QueryIndex.readInstant(bytes, at: 0)
                }
                watermarkRead = true
            }
            if watermark.map({ at > $0 }) ?? true {
                watermark = at
                watermarkChanged = true
            }
        }

        /// Adds what `other` gathered — another worker's batch of a rebuild, begun from the same
        /// state, that saw the same events and applied other clients' — its slot `s` becoming
        /// `s + offset`. Both kept the same watermark, since both saw every event.
        mutating func merge(_ other: Batch, slotOffset offset: Int) {
            if let theirs = other.watermark, watermark.map({ theirs > $0 }) ?? true {
                (watermark, watermarkChanged) = (theirs, other.watermarkChanged)
            }
            watermarkRead = watermarkRead || other.watermarkRead
            clients.merge(other.clients, slotOffset: offset)
            let shift = Int32(offset)
            appointments.reserveCapacity(appointments.count + other.appointments.count)
            subscriptions.reserveCapacity(subscriptions.count + other.subscriptions.count)
            for (ref, change) in other.appointments {
                appointments[AppointmentRef(client: ref.client, slot: ref.slot + shift, appointment: ref.appointment)] = change
            }
            for (ref, change) in other.subscriptions {
                subscriptions[SubscriptionRef(client: ref.client, slot: ref.slot + shift, subscription: ref.subscription)] = change
            }
        }

        /// Applies one event of `client` (in card slot `slot`) whose type ``indexes(_:)`` (after
        /// ``see(_:state:)``).
        mutating func apply(_ event: LedgerEvent, client: ClientID, slot: Int, state: ProjectionState) throws {
            let index = try clientEntry(client, slot, state)
            // Taken out while it changes, so that its list of upcoming starts is not shared (and copied).
            var entry = clients.values[index].current
            clients.values[index].current = ClientEntry()
            defer { clients.values[index].current = entry }
            let at = event.at.microsecondsSinceEpoch
            switch event {
            case .consentChanged(let e):
                switch e.consent {
                case .reminders: entry.reminders = e.granted
                case .marketing: entry.marketing = e.granted
                case .visitNudges: entry.visitNudges = e.granted
                }
            case .clientArchived: entry.archived = true
            case .clientReactivated: entry.archived = false
            case .clientErased: entry.erased = true
            case .checkedOut: entry.lastCheckout = max(entry.lastCheckout ?? at, at)
            case .visitNudgeSent: entry.lastNudge = max(entry.lastNudge ?? at, at)
            case .appointmentBooked(let e):
                try changeAppointment(client, slot, e.appointment, state, &entry) { $0 = AppointmentEntry(start: e.start.microsecondsSinceEpoch) }
            case .appointmentRescheduled(let e):
                try changeAppointment(client, slot, e.appointment, state, &entry) { $0?.start = e.start.microsecondsSinceEpoch }
            case .appointmentCancelled(let e):
                try changeAppointment(client, slot, e.appointment, state, &entry) { $0?.cancelled = true }
            case .reminderScheduled(let e):
                try changeAppointment(client, slot, e.appointment, state, &entry) { $0?.reminderScheduled = true }
            case .reminderSent(let e):
                try changeAppointment(client, slot, e.appointment, state, &entry) { $0?.reminderSent = true }
            case .subscriptionPurchased(let e):
                let units = e.allowance.units
                let credit = if case .credit = e.allowance { true } else { false }
                try changeSubscription(client, slot, e.subscription, state) {
                    $0 = units > 0 ? SubscriptionEntry(purchasedAt: at, price: e.price, credit: credit, total: units, remaining: units, plan: e.plan) : nil
                }
            case .subscriptionUsed(let e):
                try changeSubscription(client, slot, e.subscription, state) { sub in
                    guard let remaining = sub?.remaining.saturatingAdding(-e.usage.units) else { return }
                    if remaining > 0 { sub?.remaining = remaining } else { sub = nil }
                }
            case .subscriptionExpired(let e):
                try changeSubscription(client, slot, e.subscription, state) { $0 = nil }
            case .subscriptionRefunded(let e):
                try changeSubscription(client, slot, e.subscription, state) { $0 = nil }
            default:
                break
            }
            // Starts at or before the watermark can never be after a query's `now` (the indexes
            // answer only at or after it), so they are let go: the list holds what is upcoming.
            if let watermark, entry.upcoming.contains(where: { $0.start <= watermark }) { entry.upcoming.removeAll { $0.start <= watermark } }
        }

        /// The index in `clients.values` of the entry of `client` in card slot `slot`, read from
        /// `state` the first time.
        private mutating func clientEntry(_ client: ClientID, _ slot: Int, _ state: ProjectionState) throws -> Int {
            try clients.index(of: slot) {
                let stored = try state.withValue(forKey: QueryIndex.clientKey(client)) { bytes throws -> ClientEntry? in
                    try bytes.map { (bytes) throws(LedgerError) in try ClientEntry(decoding: bytes) }
                }
                return (client, stored, stored ?? ClientEntry())
            }
        }

        /// Changes an appointment's entry with `change`, and keeps the client's upcoming starts in step.
        private mutating func changeAppointment(_ client: ClientID, _ slot: Int, _ appointment: AppointmentID, _ state: ProjectionState,
                                                _ entry: inout ClientEntry, _ change: (inout AppointmentEntry?) -> Void) throws {
            let ref = AppointmentRef(client: client, slot: Int32(slot), appointment: appointment)
            // One lookup for an entry the batch holds already (most events); the first reads it.
            var found = appointments.index(forKey: ref)
            if found == nil {
                let stored = try state.withValue(forKey: QueryIndex.appointmentKey(client, appointment.rawValue)) { bytes throws -> AppointmentEntry? in
                    try bytes.map { (bytes) throws(LedgerError) in try AppointmentEntry(decoding: bytes) }
                }
                appointments[ref] = (stored, stored)
                found = appointments.index(forKey: ref)
            }
            guard let index = found else { return }
            change(&appointments.values[index].current)
            let current = appointments.values[index].current
            entry.upcoming.removeAll { $0.appointment.utf8.elementsEqual(appointment.rawValue.utf8) }
            if let current, !current.cancelled, current.start > (watermark ?? .min) {
                entry.upcoming.append((current.start, appointment.rawValue))
            }
        }

        private mutating func changeSubscription(_ client: ClientID, _ slot: Int, _ subscription: SubscriptionID, _ state: ProjectionState,
                                                 _ change: (inout SubscriptionEntry?) -> Void) throws {
            let ref = SubscriptionRef(client: client, slot: Int32(slot), subscription: subscription)
            // One lookup for an entry the batch holds already (most events); the first reads it.
            var found = subscriptions.index(forKey: ref)
            if found == nil {
                let stored = try state.withValue(forKey: QueryIndex.subscriptionKey(client, subscription.rawValue)) { bytes throws -> SubscriptionEntry? in
                    try bytes.map { (bytes) throws(LedgerError) in try SubscriptionEntry(decoding: bytes) }
                }
                subscriptions[ref] = (stored, stored)
                found = subscriptions.index(forKey: ref)
            }
            guard let index = found else { return }
            change(&subscriptions.values[index].current)
        }

        /// The order in which ``write(to:budget:order:)`` writes the entries (by key), and how far it has come.
        private var order: (clients: [Int], appointments: [[AppointmentRef: (original: AppointmentEntry?, current: AppointmentEntry?)].Index],
                            subscriptions: [[SubscriptionRef: (original: SubscriptionEntry?, current: SubscriptionEntry?)].Index])?
        private var clientsWritten: Int?
        private var appointmentsWritten: Int?
        private var subscriptionsWritten: Int?
        private var watermarkWritten = false

        /// Writes the next piece of what the batch changed, one unit of `budget` per entry, and files
        /// and unfiles the keys that depend on it; returns whether all of it is written. `slots`
        /// is the card slots in the order their clients' entries are written (``WriteOrder``).
        mutating func write(to state: ProjectionState, budget: inout Int, order slots: WriteOrder) throws -> Bool {
            let (watermark, clients, appointments, subscriptions) = (watermark, self.clients.values, appointments, subscriptions)
            let order = order ?? (self.clients.valueIndices(in: slots),
                                  slots.order(of: appointments) { $0.key.slot },
                                  slots.order(of: subscriptions) { $0.key.slot })
            self.order = order
            guard try writePiece(of: order.clients.lazy.map { clients[$0] }, from: &clientsWritten, budget: &budget, { client, original, current in
                guard original != current else { return }
                try state.setValue(current.encoded(), forKey: QueryIndex.clientKey(client))
                let before = original?.nudgeFiling, after = current.nudgeFiling
                guard before != after else { return }
                if let before { try state.removeValue(forKey: QueryIndex.nudgeKey(before, client)) }
                if let after { try state.setValue([0], forKey: QueryIndex.nudgeKey(after, client)) }
            }) else { return false }
            guard try writePiece(of: order.appointments.lazy.map { appointments[$0] }, from: &appointmentsWritten, budget: &budget, { ref, change in
                guard change.original != change.current else { return }
                let id = ref.appointment.rawValue
                if let current = change.current {
                    try state.setValue(current.encoded(), forKey: QueryIndex.appointmentKey(ref.client, id))
                } else {
                    try state.removeValue(forKey: QueryIndex.appointmentKey(ref.client, id))
                }
                let before = change.original.flatMap { $0.cancelled ? nil : $0.start }
                let after = change.current.flatMap { $0.cancelled ? nil : $0.start }
                if let before, before != after { try state.removeValue(forKey: QueryIndex.agendaKey(before, ref.client, id)) }
                if let after, let current = change.current { try state.setValue([current.reminderFlags], forKey: QueryIndex.agendaKey(after, ref.client, id)) }
            }) else { return false }
            guard try writePiece(of: order.subscriptions.lazy.map { subscriptions[$0] }, from: &subscriptionsWritten, budget: &budget, { ref, change in
                guard change.original != change.current else { return }
                let key = QueryIndex.subscriptionKey(ref.client, ref.subscription.rawValue)
                if let current = change.current { try state.setValue(current.encoded(), forKey: key) } else { try state.removeValue(forKey: key) }
            }) else { return false }
            if !watermarkWritten {
                guard budget > 0 else { return false }
                if watermarkChanged, let watermark { try state.setValue(QueryIndex.instant(watermark), forKey: QueryIndex.watermarkKey) }
                budget -= 1
                watermarkWritten = true
            }
            return true
        }
    }
}
