import EventLog

/// What the rules need to know about one client: the fold of the client's stream.
///
/// Personal data is not part of it (commands never decide on a name), so it is built without
/// opening a single sealed section.
package struct ClientState: Sendable {
    /// A prepaid subscription as the rules see it.
    package struct Subscription: Sendable {
        package var purchasedAt: Timestamp
        package var allowance: SubscriptionAllowance
        package var remaining: Int64
        package var validUntil: Timestamp?
        package var ended: String?
    }

    /// An appointment as the rules see it.
    package struct Appointment: Sendable {
        package var bookedAt: Timestamp
        package var start: Timestamp
        package var cancelled: Bool
    }

    package var registeredAt: Timestamp?
    package var referredBy: ClientID?
    package var archived = false
    package var erased = false
    package var consents: [Consent: Bool] = [:]
    package var points: Int64 = 0
    /// Points credited (accrued or added by hand), with when, in log order: what expiry looks at.
    /// A state read from the ``DecisionIndex`` holds only the credits applied to it since (the
    /// index keeps the others' sums: see ``pointsExpiring(creditedAtOrBefore:storedCredits:)``).
    package var credits: [(at: Timestamp, points: Int64)] = []
    /// Points debited (redeemed, taken by hand, expired): spent from the oldest credits first.
    package var debits: Int128 = 0
    package var checkouts = 0
    package var lastCheckout: Timestamp?
    package var visits: Set<VisitID> = []
    package var subscriptions: [SubscriptionID: Subscription] = [:]
    package var appointments: [AppointmentID: Appointment] = [:]
    package var notes: [NoteID: Timestamp] = [:]
    package var forms: Set<FormID> = []
    package var documents: Set<DocumentID> = []
    /// The first event of the client's that this library cannot read (a newer library wrote it),
    /// as the ``DecisionIndex`` noted it: no command may decide on such a history. (A fold of the
    /// stream throws at that event instead.)
    package var unreadable: (position: UInt64, reason: String)?

    package init() {}

    package var exists: Bool { registeredAt != nil }

    package func agrees(to consent: Consent) -> Bool { consents[consent] ?? false }

    /// The points credited at or before `cutoff` that debits have not used up yet: what expires
    /// when credits older than `cutoff` expire, spending the oldest points first. `storedCredits`
    /// is the sum of the credits at or before `cutoff` that ``credits`` does not hold (those the
    /// ``DecisionIndex`` summed up).
    package func pointsExpiring(creditedAtOrBefore cutoff: Timestamp, storedCredits: Int128 = 0) -> Int64 {
        // In 128 bits: credits over a long history add up beyond any balance.
        let old = credits.reduce(storedCredits) { $1.at <= cutoff ? $0 + Int128($1.points) : $0 }
        return Int64(min(max(0, old - debits), Int128(points)))
    }

    /// Moves the state by one event of this client.
    package mutating func apply(_ event: LedgerEvent) {
        switch event {
        case .clientRegistered(let e): registeredAt = e.at; referredBy = e.referredBy
        case .clientDetailsChanged: break
        case .consentChanged(let e): consents[e.consent] = e.granted
        case .clientArchived: archived = true
        case .clientReactivated: archived = false
        case .clientErased: erased = true
        case .noteAdded(let e): notes[e.note] = e.at
        case .noteRemoved(let e): notes[e.note] = nil
        case .intakeRecorded(let e): forms.insert(e.form)
        case .documentAttached(let e): documents.insert(e.document)
        case .checkedOut(let e): checkouts &+= 1; lastCheckout = max(lastCheckout ?? e.at, e.at); visits.insert(e.visit)
        case .pointsAccrued(let e): points = points.saturatingAdding(e.points); credits.append((e.at, e.points))
        case .pointsAdjusted(let e):
            points = points.saturatingAdding(e.points)
            if e.points > 0 { credits.append((e.at, e.points)) } else { debits -= Int128(e.points) }
        case .discountRedeemed(let e): points = points.saturatingAdding(-e.points); debits += Int128(e.points)
        case .subscriptionPurchased(let e):
            subscriptions[e.subscription] = Subscription(purchasedAt: e.at, allowance: e.allowance, remaining: e.allowance.units, validUntil: e.validUntil)
        case .subscriptionUsed(let e):
            if let remaining = subscriptions[e.subscription]?.remaining { subscriptions[e.subscription]?.remaining = remaining.saturatingAdding(-e.usage.units) }
        case .subscriptionExpired(let e): subscriptions[e.subscription]?.ended = "expired"
        case .subscriptionRefunded(let e): subscriptions[e.subscription]?.ended = "refunded"
        case .appointmentBooked(let e): appointments[e.appointment] = Appointment(bookedAt: e.at, start: e.start, cancelled: false)
        case .appointmentRescheduled(let e): appointments[e.appointment]?.start = e.start
        case .appointmentCancelled(let e): appointments[e.appointment]?.cancelled = true
        case .reminderScheduled, .reminderSent, .visitNudgeSent: break
        case .salonSettingsChanged, .loyaltyProgrammeChanged: break
        }
    }
}

/// The salon's settings and loyalty programmes over time: the fold of the salon stream.
package struct SalonState: Sendable {
    package var settings: [SalonSettingsChanged] = []
    package var programmes: [LoyaltyProgrammeChanged] = []

    package init() {}

    package mutating func apply(_ event: LedgerEvent) {
        switch event {
        case .salonSettingsChanged(let e): settings.append(e)
        case .loyaltyProgrammeChanged(let e): programmes.append(e)
        default: break
        }
    }

    /// The settings in force at `instant`: the last change at or before it (log order breaks ties).
    package func settings(at instant: Timestamp) -> SalonSettingsChanged {
        settings.last { $0.at <= instant } ?? .defaults
    }

    /// The loyalty programme in force at `instant`, if any.
    package func programme(at instant: Timestamp) -> LoyaltyProgramme? {
        programmes.last { $0.at <= instant }?.programme
    }
}
