import EventLog

/// The salon's rules: whether an event may be recorded, given the client's state before it.
///
/// Used by every command and by the import alike, so a rule lives in one place. Each violation is a
/// ``LedgerError`` whose code names the rule; the caller records nothing.
package enum Rules {
    /// Throws unless `client` is registered and not erased: the first rule of every command on a
    /// client but its registration, checked before anything else so that the error names it.
    package static func requireRegistered(_ client: ClientID, _ state: ClientState) throws(LedgerError) {
        guard state.exists else {
            throw LedgerError(.unknownClient, "client \(client) is not registered", client: client.rawValue, field: "client")
        }
        guard !state.erased else {
            throw LedgerError(.clientErased, "client \(client) was erased; nothing about them may change", client: client.rawValue)
        }
    }

    package static func check(_ event: LedgerEvent, against state: ClientState) throws(LedgerError) {
        try event.validate()
        guard let client = event.client else { return }
        let who = client.rawValue
        func refuse(_ code: LedgerError.Code, _ message: String, field: String? = nil) -> LedgerError {
            LedgerError(code, message, client: who, field: field)
        }
        if case .clientRegistered = event {
            guard !state.erased else { throw refuse(.clientErased, "client \(who) was erased and cannot be registered again") }
            guard !state.exists else { throw refuse(.clientExists, "client \(who) is registered already") }
            return
        }
        try requireRegistered(client, state)
        guard let registeredAt = state.registeredAt else { return }
        guard event.at >= registeredAt else {
            throw refuse(.datedBeforeReference, "\(event.type.rawValue) at \(event.at) is dated before client \(who) was registered (\(registeredAt))", field: "at")
        }
        // A balance stays within Money.maximumAmount, so that no sum a query forms over it can trap.
        func withinBalanceLimit(adding points: Int64) throws(LedgerError) {
            guard state.points <= Money.maximumAmount - points else {
                throw refuse(.invalidAmount, "\(points) more points would take the balance of \(state.points) beyond the ledger's limit of \(Money.maximumAmount) points", field: "points")
            }
        }
        func notArchived(_ what: String) throws(LedgerError) {
            if state.archived { throw refuse(.clientArchived, "client \(who) is archived: \(what) is not allowed until they are reactivated") }
        }
        func subscription(_ id: SubscriptionID) throws(LedgerError) -> ClientState.Subscription {
            guard let found = state.subscriptions[id] else {
                throw refuse(.unknownReference, "client \(who) has no subscription \(id)", field: "subscription")
            }
            guard event.at >= found.purchasedAt else {
                throw refuse(.datedBeforeReference, "\(event.type.rawValue) of subscription \(id) at \(event.at) is dated before its purchase (\(found.purchasedAt))", field: "at")
            }
            if let ended = found.ended { throw refuse(.subscriptionEnded, "subscription \(id) was \(ended)", field: "subscription") }
            return found
        }
        func appointment(_ id: AppointmentID) throws(LedgerError) -> ClientState.Appointment {
            guard let found = state.appointments[id] else {
                throw refuse(.unknownReference, "client \(who) has no appointment \(id)", field: "appointment")
            }
            guard event.at >= found.bookedAt else {
                throw refuse(.datedBeforeReference, "\(event.type.rawValue) of appointment \(id) at \(event.at) is dated before it was booked (\(found.bookedAt))", field: "at")
            }
            if found.cancelled { throw refuse(.appointmentCancelled, "appointment \(id) was cancelled", field: "appointment") }
            return found
        }

        switch event {
        case .clientRegistered, .clientDetailsChanged, .consentChanged, .clientErased, .salonSettingsChanged, .loyaltyProgrammeChanged:
            break
        case .clientArchived:
            try notArchived("archiving again")
        case .clientReactivated:
            guard state.archived else { throw refuse(.clientNotArchived, "client \(who) is not archived") }
        case .noteAdded(let e):
            if state.notes[e.note] != nil { throw refuse(.duplicateIdentifier, "client \(who) has a note \(e.note) already", field: "note") }
        case .noteRemoved(let e):
            guard let added = state.notes[e.note] else { throw refuse(.unknownReference, "client \(who) has no note \(e.note)", field: "note") }
            guard e.at >= added else { throw refuse(.datedBeforeReference, "removing note \(e.note) at \(e.at) is dated before it was added (\(added))", field: "at") }
        case .intakeRecorded(let e):
            if state.forms.contains(e.form) { throw refuse(.duplicateIdentifier, "intake form \(e.form) is recorded already", field: "form") }
        case .documentAttached(let e):
            if state.documents.contains(e.document) { throw refuse(.duplicateIdentifier, "document \(e.document) is attached already", field: "document") }
        case .checkedOut(let e):
            try notArchived("a checkout")
            if state.visits.contains(e.visit) { throw refuse(.duplicateIdentifier, "visit \(e.visit) is checked out already", field: "visit") }
        case .pointsAccrued(let e):
            try notArchived("earning points")
            try withinBalanceLimit(adding: e.points)
        case .pointsAdjusted(let e):
            if e.points > 0 {
                try notArchived("earning points")
                try withinBalanceLimit(adding: e.points)
            }
            guard state.points.saturatingAdding(e.points) >= 0 else {
                throw refuse(.insufficientPoints, "taking \(e.points.magnitude) points from a balance of \(state.points) would make it negative", field: "points")
            }
        case .discountRedeemed(let e):
            guard e.points <= state.points else {
                throw refuse(.insufficientPoints, "redeeming \(e.points) points exceeds the balance of \(state.points)", field: "points")
            }
        case .subscriptionPurchased(let e):
            try notArchived("selling a subscription")
            if state.subscriptions[e.subscription] != nil {
                throw refuse(.duplicateIdentifier, "subscription \(e.subscription) exists already", field: "subscription")
            }
        case .subscriptionUsed(let e):
            let found = try subscription(e.subscription)
            if let validUntil = found.validUntil, e.at > validUntil {
                throw refuse(.subscriptionEnded, "subscription \(e.subscription) was valid until \(validUntil); the use is at \(e.at)", field: "subscription")
            }
            switch (found.allowance, e.usage) {
            case (.sessions, .sessions), (.credit, .amount): break
            default:
                throw refuse(.invalidField, "subscription \(e.subscription) holds \(found.allowance.kind); the use must take \(found.allowance.kind == "sessions" ? "sessions" : "an amount")",
                             field: found.allowance.kind == "sessions" ? "sessions" : "amount")
            }
            guard found.remaining > 0 else { throw refuse(.subscriptionEnded, "subscription \(e.subscription) is used up", field: "subscription") }
            guard e.usage.units <= found.remaining else {
                throw refuse(.subscriptionExhausted, "subscription \(e.subscription) has \(found.remaining) left; the use takes \(e.usage.units)",
                             field: found.allowance.kind == "sessions" ? "sessions" : "amount")
            }
        case .subscriptionExpired(let e):
            let found = try subscription(e.subscription)
            guard found.remaining > 0 else { throw refuse(.subscriptionEnded, "subscription \(e.subscription) is used up; nothing is left to expire", field: "subscription") }
        case .subscriptionRefunded(let e):
            _ = try subscription(e.subscription)
        case .appointmentBooked(let e):
            try notArchived("a booking")
            if state.appointments[e.appointment] != nil {
                throw refuse(.duplicateIdentifier, "appointment \(e.appointment) exists already", field: "appointment")
            }
        case .appointmentRescheduled(let e):
            try notArchived("rescheduling")
            _ = try appointment(e.appointment)
        case .appointmentCancelled(let e):
            _ = try appointment(e.appointment)
        case .reminderScheduled(let e):
            _ = try appointment(e.appointment)
            guard state.agrees(to: .reminders) else { throw refuse(.remindersDeclined, "client \(who) does not agree to appointment reminders") }
        case .reminderSent(let e):
            _ = try appointment(e.appointment)
            guard state.agrees(to: .reminders) else { throw refuse(.remindersDeclined, "client \(who) does not agree to appointment reminders") }
        case .visitNudgeSent:
            try notArchived("a visit nudge")
            guard state.agrees(to: .visitNudges) else { throw refuse(.visitNudgesDeclined, "client \(who) did not agree to visit nudges") }
        }
    }
}
