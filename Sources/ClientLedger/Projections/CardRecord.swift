import EventLog

/// The stored form of one client's card: everything about the client, current, with personal fields
/// kept as the sealed sections their events carried (decrypted only when the card is read, so no
/// plaintext ever reaches the projection's pages — LMDB would keep old copies of them).
package struct CardRecord: Sendable, Hashable {
    package struct Sealed: Sendable, Hashable {
        package var type: LedgerEventType
        package var bytes: [UInt8]
    }
    package struct ConsentEntry: Sendable, Hashable {
        package var consent: Consent; package var granted: Bool; package var at: Timestamp; package var source: String?
    }
    package struct PointsEntry: Sendable, Hashable {
        /// 1 accrued, 2 adjusted, 3 ``redeemed``.
        package static let redeemed: UInt8 = 3
        package var kind: UInt8; package var at: Timestamp; package var points: Int64; package var discount: Cents
        package var text: String?; package var visit: String?
    }
    package struct SubscriptionEntry: Sendable, Hashable {
        /// 1 used, 2 expired, 3 refunded.
        package var kind: UInt8; package var at: Timestamp; package var units: Int64; package var refund: Cents; package var visit: String?
    }
    package struct Subscription: Sendable, Hashable {
        package var id: String; package var plan: String; package var price: Cents; package var allowance: SubscriptionAllowance
        package var purchasedAt: Timestamp; package var validUntil: Timestamp?; package var history: [SubscriptionEntry]
    }
    package struct Note: Sendable, Hashable {
        package var id: String; package var at: Timestamp; package var alert: Bool; package var sealed: [UInt8]
    }
    package struct Document: Sendable, Hashable {
        package var id: String; package var at: Timestamp; package var mediaType: String; package var sha256: String
        package var bytes: Int64; package var sealed: [UInt8]
    }
    package struct Intake: Sendable, Hashable {
        package var id: String; package var at: Timestamp; package var sealed: [UInt8]
    }
    package struct Visit: Sendable, Hashable {
        package var id: String; package var at: Timestamp; package var revenue: Cents
    }
    package struct Appointment: Sendable, Hashable {
        package var id: String; package var bookedAt: Timestamp; package var bookedStart: Timestamp; package var minutes: Int
        package var service: String
        /// Reschedules, in log order: when, and the new start.
        package var moves: [(at: Timestamp, start: Timestamp)]
        package var cancelledAt: Timestamp?
        /// Reminders: kind 1 scheduled (with `sendAt`), 2 sent; channel; when.
        package var reminders: [(kind: UInt8, channel: Channel, at: Timestamp, sendAt: Timestamp?)]

        /// The latest start.
        package var start: Timestamp { moves.last?.start ?? bookedStart }
        package var cancelled: Bool { cancelledAt != nil }

        /// The start as of `instant`: the last reschedule dated at or before it, else the booked one.
        package func start(asOf instant: Timestamp) -> Timestamp {
            moves.last { $0.at <= instant }?.start ?? bookedStart
        }

        package func cancelled(asOf instant: Timestamp) -> Bool { cancelledAt.map { $0 <= instant } ?? false }

        package static func == (lhs: Appointment, rhs: Appointment) -> Bool {
            lhs.id == rhs.id && lhs.bookedAt == rhs.bookedAt && lhs.bookedStart == rhs.bookedStart && lhs.minutes == rhs.minutes
                && lhs.service == rhs.service && lhs.cancelledAt == rhs.cancelledAt
                && lhs.moves.count == rhs.moves.count && zip(lhs.moves, rhs.moves).allSatisfy { $0.at == $1.at && $0.start == $1.start }
                && lhs.reminders.count == rhs.reminders.count
                && zip(lhs.reminders, rhs.reminders).allSatisfy { $0.kind == $1.kind && $0.channel == $1.channel && $0.at == $1.at && $0.sendAt == $1.sendAt }
        }
        package func hash(into hasher: inout Hasher) { hasher.combine(id); hasher.combine(bookedStart) }
    }

    package var registeredAt = Timestamp(microsecondsSinceEpoch: 0)
    package var referredBy: String?
    package var archived = false
    package var erased = false
    package var details: [Sealed] = []
    package var consents: [ConsentEntry] = []
    package var points: Int64 = 0
    package var pointsHistory: [PointsEntry] = []
    package var subscriptions: [Subscription] = []
    package var notes: [Note] = []
    package var documents: [Document] = []
    package var intake: [Intake] = []
    package var visits: [Visit] = []
    package var appointments: [Appointment] = []
    package var nudges: [(at: Timestamp, channel: Channel)] = []

    package init() {}

    package static func == (lhs: CardRecord, rhs: CardRecord) -> Bool { lhs.encoded() == rhs.encoded() }
    package func hash(into hasher: inout Hasher) { hasher.combine(encoded()) }

    /// Moves the card by one event of its client; `sealed` is the event's personal section, if any.
    package mutating func apply(_ event: LedgerEvent, sealed: [UInt8]?) {
        switch event {
        case .clientRegistered(let e):
            registeredAt = e.at; referredBy = e.referredBy?.rawValue
            if let sealed { details.append(Sealed(type: .clientRegistered, bytes: sealed)) }
        case .clientDetailsChanged:
            if let sealed { details.append(Sealed(type: .clientDetailsChanged, bytes: sealed)) }
        case .consentChanged(let e):
            consents.append(ConsentEntry(consent: e.consent, granted: e.granted, at: e.at, source: e.source))
        case .clientArchived: archived = true
        case .clientReactivated: archived = false
        case .clientErased:
            erased = true
            // The sealed sections are unreadable from now on; keep none of them.
            details = []
            for index in notes.indices { notes[index].sealed = [] }
            for index in documents.indices { documents[index].sealed = [] }
            for index in intake.indices { intake[index].sealed = [] }
        case .noteAdded(let e): notes.append(Note(id: e.note.rawValue, at: e.at, alert: e.alert, sealed: sealed ?? []))
        case .noteRemoved(let e): notes.removeAll { $0.id == e.note.rawValue }
        case .intakeRecorded(let e): intake.append(Intake(id: e.form.rawValue, at: e.at, sealed: sealed ?? []))
        case .documentAttached(let e):
            documents.append(Document(id: e.document.rawValue, at: e.at, mediaType: e.mediaType, sha256: e.sha256, bytes: e.bytes, sealed: sealed ?? []))
        case .checkedOut(let e): visits.append(Visit(id: e.visit.rawValue, at: e.at, revenue: e.revenue))
        case .pointsAccrued(let e):
            points += e.points
            pointsHistory.append(PointsEntry(kind: 1, at: e.at, points: e.points, discount: 0, text: e.reason.rawValue, visit: e.visit?.rawValue))
        case .pointsAdjusted(let e):
            points += e.points
            pointsHistory.append(PointsEntry(kind: 2, at: e.at, points: e.points, discount: 0, text: e.reason, visit: nil))
        case .discountRedeemed(let e):
            points -= e.points
            pointsHistory.append(PointsEntry(kind: PointsEntry.redeemed, at: e.at, points: -e.points, discount: e.discount, text: nil, visit: e.visit?.rawValue))
        case .subscriptionPurchased(let e):
            subscriptions.append(Subscription(id: e.subscription.rawValue, plan: e.plan, price: e.price, allowance: e.allowance,
                                              purchasedAt: e.at, validUntil: e.validUntil, history: []))
        case .subscriptionUsed(let e):
            append(to: e.subscription, SubscriptionEntry(kind: 1, at: e.at, units: e.usage.units, refund: 0, visit: e.visit?.rawValue))
        case .subscriptionExpired(let e):
            append(to: e.subscription, SubscriptionEntry(kind: 2, at: e.at, units: 0, refund: 0, visit: nil))
        case .subscriptionRefunded(let e):
            append(to: e.subscription, SubscriptionEntry(kind: 3, at: e.at, units: 0, refund: e.refund, visit: nil))
        case .appointmentBooked(let e):
            appointments.append(Appointment(id: e.appointment.rawValue, bookedAt: e.at, bookedStart: e.start, minutes: e.minutes,
                                            service: e.service, moves: [], cancelledAt: nil, reminders: []))
        case .appointmentRescheduled(let e):
            if let index = appointments.firstIndex(where: { $0.id == e.appointment.rawValue }) { appointments[index].moves.append((e.at, e.start)) }
        case .appointmentCancelled(let e):
            if let index = appointments.firstIndex(where: { $0.id == e.appointment.rawValue }) { appointments[index].cancelledAt = e.at }
        case .reminderScheduled(let e):
            if let index = appointments.firstIndex(where: { $0.id == e.appointment.rawValue }) {
                appointments[index].reminders.append((1, e.channel, e.at, e.sendAt))
            }
        case .reminderSent(let e):
            if let index = appointments.firstIndex(where: { $0.id == e.appointment.rawValue }) {
                appointments[index].reminders.append((2, e.channel, e.at, nil))
            }
        case .visitNudgeSent(let e): nudges.append((e.at, e.channel))
        case .salonSettingsChanged, .loyaltyProgrammeChanged: break
        }
    }

    private mutating func append(to subscription: SubscriptionID, _ entry: SubscriptionEntry) {
        if let index = subscriptions.firstIndex(where: { $0.id == subscription.rawValue }) { subscriptions[index].history.append(entry) }
    }
}
