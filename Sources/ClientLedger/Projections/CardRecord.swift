import EventLog

/// One client's card as the queries read it: everything about the client, current, with personal
/// fields kept as the sealed sections their events carried (decrypted only when the card is read, so
/// no plaintext ever reaches the projection's pages — LMDB would keep old copies of them).
///
/// Stored as a ``CardJournal``: a header and the card's facts in log order; reading a card is one
/// pass over its facts (``init(client:head:in:)``).
package struct CardRecord: Sendable {
    package struct Sealed: Sendable {
        package var type: LedgerEventType
        package var bytes: [UInt8]
    }
    package struct ConsentEntry: Sendable {
        package var consent: Consent; package var granted: Bool; package var at: Timestamp; package var source: String?
    }
    package struct PointsEntry: Sendable {
        /// 1 ``accrued``, 2 ``adjusted``, 3 ``redeemed``.
        package static let accrued: UInt8 = 1
        package static let adjusted: UInt8 = 2
        package static let redeemed: UInt8 = 3
        package var kind: UInt8; package var at: Timestamp; package var points: Int64; package var discount: Cents
        package var text: String?; package var visit: String?
    }
    package struct SubscriptionEntry: Sendable {
        /// 1 used, 2 expired, 3 refunded.
        package var kind: UInt8; package var at: Timestamp; package var units: Int64; package var refund: Cents; package var visit: String?
    }
    package struct Subscription: Sendable {
        package var id: String; package var plan: String; package var price: Cents; package var allowance: SubscriptionAllowance
        package var purchasedAt: Timestamp; package var validUntil: Timestamp?; package var history: [SubscriptionEntry]
    }
    package struct Note: Sendable {
        package var id: String; package var at: Timestamp; package var alert: Bool; package var sealed: [UInt8]
    }
    package struct Document: Sendable {
        package var id: String; package var at: Timestamp; package var mediaType: String; package var sha256: String
        package var bytes: Int64; package var sealed: [UInt8]
    }
    package struct Intake: Sendable {
        package var id: String; package var at: Timestamp; package var sealed: [UInt8]
    }
    package struct Visit: Sendable {
        package var id: String; package var at: Timestamp; package var revenue: Cents
    }
    package struct Appointment: Sendable {
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

    mutating func append(to subscription: String, _ entry: SubscriptionEntry) {
        if let index = subscriptions.firstIndex(where: { $0.id == subscription }) { subscriptions[index].history.append(entry) }
    }

    mutating func withAppointment(_ id: String, _ change: (inout Appointment) -> Void) {
        if let index = appointments.firstIndex(where: { $0.id == id }) { change(&appointments[index]) }
    }
}
