import EventLog
@testable import ClientLedger

func instant(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

let ada = try! ClientID("ada")

/// One event of every type, with optional fields set, for round trips and golden fixtures.
func sampleEvents() throws -> [LedgerEvent] {
    let at = instant("2026-03-14T09:26:53.589793Z")
    return [
        .clientRegistered(ClientRegistered(at: at, client: ada, name: "Ada Lovelace", email: "ada@example.org", phone: "+441234567890",
                                           birthDate: try CalendarDate("1815-12-10"), referredBy: try ClientID("babbage"))),
        .clientDetailsChanged(ClientDetailsChanged(at: at, client: ada, email: "countess@example.org")),
        .consentChanged(ConsentChanged(at: at, client: ada, consent: .visitNudges, granted: true, source: "intake form")),
        .clientArchived(ClientArchived(at: at, client: ada, reason: "moved away")),
        .clientReactivated(ClientReactivated(at: at, client: ada)),
        .clientErased(ClientErased(at: at, client: ada)),
        .noteAdded(NoteAdded(at: at, client: ada, note: try NoteID("n1"), text: "Allergic to latex", alert: true)),
        .noteRemoved(NoteRemoved(at: at, client: ada, note: try NoteID("n1"))),
        .intakeRecorded(IntakeRecorded(at: at, client: ada, form: try FormID("f1"), answers: ["Scalp condition": "sensitive", "Colour last 6 months": "no"])),
        .documentAttached(DocumentAttached(at: at, client: ada, document: try DocumentID("d1"), name: "ada-consent.pdf",
                                           mediaType: "application/pdf", sha256: String(repeating: "ab", count: 32), bytes: 48_213)),
        .checkedOut(CheckedOut(at: at, client: ada, visit: try VisitID("v1"), revenue: 4_550)),
        .pointsAccrued(PointsAccrued(at: at, client: ada, points: 45, reason: .revenue, visit: try VisitID("v1"))),
        .pointsAdjusted(PointsAdjusted(at: at, client: ada, points: -5, reason: "double-counted visit")),
        .discountRedeemed(DiscountRedeemed(at: at, client: ada, points: 100, discount: 500, visit: try VisitID("v2"))),
        .subscriptionPurchased(SubscriptionPurchased(at: at, client: ada, subscription: try SubscriptionID("s1"), plan: "10 blow-dries",
                                                     price: 25_000, allowance: .sessions(10), validUntil: instant("2027-03-14T23:59:59Z"))),
        .subscriptionPurchased(SubscriptionPurchased(at: at, client: ada, subscription: try SubscriptionID("s2"), plan: "EUR 200 credit",
                                                     price: 18_000, allowance: .credit(20_000))),
        .subscriptionUsed(SubscriptionUsed(at: at, client: ada, subscription: try SubscriptionID("s1"), usage: .sessions(1), visit: try VisitID("v3"))),
        .subscriptionUsed(SubscriptionUsed(at: at, client: ada, subscription: try SubscriptionID("s2"), usage: .amount(4_500))),
        .subscriptionExpired(SubscriptionExpired(at: at, client: ada, subscription: try SubscriptionID("s1"))),
        .subscriptionRefunded(SubscriptionRefunded(at: at, client: ada, subscription: try SubscriptionID("s2"), refund: 12_000)),
        .appointmentBooked(AppointmentBooked(at: at, client: ada, appointment: try AppointmentID("a1"), start: instant("2026-03-20T14:00:00Z"),
                                             minutes: 45, service: "cut and blow-dry")),
        .appointmentRescheduled(AppointmentRescheduled(at: at, client: ada, appointment: try AppointmentID("a1"), start: instant("2026-03-21T10:30:00Z"))),
        .appointmentCancelled(AppointmentCancelled(at: at, client: ada, appointment: try AppointmentID("a1"))),
        .reminderScheduled(ReminderScheduled(at: at, client: ada, appointment: try AppointmentID("a1"), channel: .sms, sendAt: instant("2026-03-20T10:30:00Z"))),
        .reminderSent(ReminderSent(at: at, client: ada, appointment: try AppointmentID("a1"), channel: .email)),
        .visitNudgeSent(VisitNudgeSent(at: at, client: ada, channel: .sms)),
        .salonSettingsChanged(SalonSettingsChanged(at: at, currency: "EUR", timeZone: "Europe/Berlin", reminderLeadMinutes: 1440, visitNudgeWeeks: 7)),
        .loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: at, programme: LoyaltyProgramme(
            pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 100, maximumPointsPerRedemption: 500,
            reward: .percentage(points: 100, percent: 10), expiryMonths: 12, referralBonusPoints: 100))),
        .loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: at, programme: nil)),
    ]
}
