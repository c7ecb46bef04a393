import ClientLedger
import Hummingbird

// The library's query results are plain Swift values, not Codable; these are their JSON shapes.
// Instants are RFC 3339 strings in UTC, amounts are whole cents, ids are strings; absent optional
// fields are left out.

/// A ``ClientCard`` as JSON.
struct CardJSON: ResponseEncodable {
    /// A consent's state.
    struct Consent: Encodable {
        /// Whether the client agrees now.
        let granted: Bool
        /// When it was last changed.
        let changedAt: String?
        /// How it was last changed.
        let source: String?
    }

    /// A change of the points balance.
    struct PointsChange: Encodable {
        /// When.
        let at: String
        /// Points added (positive) or taken (negative).
        let points: Int64
        /// `accrued`, `adjusted` or `redeemed`.
        let kind: String
        /// The reason, if any.
        let reason: String?
        /// The discount granted by a redemption.
        let discount: Cents
    }

    /// A prepaid subscription.
    struct Subscription: Encodable {
        /// Its id.
        let subscription: String
        /// Its plan.
        let plan: String
        /// `sessions` or `credit`.
        let kind: String
        /// The price paid.
        let price: Cents
        /// Sessions or credit it started with.
        let total: Int64
        /// Sessions or credit left.
        let remaining: Int64
        /// What is left is worth, to the cent.
        let residualValue: Cents
        /// `active`, `used`, `expired` or `refunded`.
        let status: String
        /// When it was bought.
        let purchasedAt: String
        /// The last instant it may be used, if it expires.
        let validUntil: String?
        /// When it was used.
        let usedAt: [String]
    }

    /// A note or alert.
    struct Note: Encodable {
        /// Its id.
        let note: String
        /// What it says.
        let text: String
        /// When it was added.
        let at: String
    }

    /// An intake form.
    struct IntakeForm: Encodable {
        /// Its id.
        let form: String
        /// When it was recorded.
        let at: String
        /// Question → answer.
        let answers: [String: String]
    }

    /// An attached document's metadata.
    struct Document: Encodable {
        /// Its id.
        let document: String
        /// Its file name.
        let name: String
        /// Its media type.
        let mediaType: String
        /// Its SHA-256, hex.
        let sha256: String
        /// Its size in bytes.
        let bytes: Int64
        /// When it was attached.
        let at: String
    }

    /// A checked-out visit.
    struct Visit: Encodable {
        /// Its id.
        let visit: String
        /// When it was checked out.
        let at: String
        /// Its revenue.
        let revenue: Cents
    }

    /// An appointment.
    struct Appointment: Encodable {
        /// Its id.
        let appointment: String
        /// When it starts.
        let start: String
        /// How long, in minutes.
        let minutes: Int
        /// The service.
        let service: String
        /// Whether it was cancelled.
        let cancelled: Bool

        /// The JSON shape of `appointment`.
        init(_ appointment: ClientCard.Appointment) {
            self.appointment = appointment.appointment.rawValue
            start = appointment.start.description
            minutes = appointment.minutes
            service = appointment.service
            cancelled = appointment.cancelled
        }
    }

    /// The client's id.
    let client: String
    /// The name; absent once erased.
    let name: String?
    /// The e-mail address.
    let email: String?
    /// The phone number, E.164.
    let phone: String?
    /// A `tel:` link from the phone number.
    let callLink: String?
    /// The birth date, `YYYY-MM-DD`.
    let birthDate: String?
    /// Who referred the client.
    let referredBy: String?
    /// When the client was registered.
    let registeredAt: String
    /// Whether the client is archived.
    let archived: Bool
    /// Whether the client was erased (personal fields are then absent or empty).
    let erased: Bool
    /// Each consent (`reminders`, `marketing`, `visitNudges`) and its state.
    let consents: [String: Consent]
    /// The points balance.
    let points: Int64
    /// Every change of the balance, in order.
    let pointsHistory: [PointsChange]
    /// Every subscription, in order of purchase.
    let subscriptions: [Subscription]
    /// Notes that pop up at checkout.
    let alerts: [Note]
    /// The other notes.
    let notes: [Note]
    /// Intake forms.
    let intakeForms: [IntakeForm]
    /// Attached documents.
    let documents: [Document]
    /// Checked-out visits, in order.
    let visits: [Visit]
    /// The latest checkout.
    let lastVisit: String?
    /// Every appointment, in booking order.
    let appointments: [Appointment]
    /// The earliest appointment not cancelled that starts after `now`.
    let nextAppointment: Appointment?

    /// The JSON shape of `card`.
    init(_ card: ClientCard) {
        client = card.client.rawValue
        name = card.name
        email = card.email
        phone = card.phone
        callLink = card.callLink
        birthDate = card.birthDate?.description
        referredBy = card.referredBy?.rawValue
        registeredAt = card.registeredAt.description
        archived = card.archived
        erased = card.erased
        consents = Dictionary(uniqueKeysWithValues: card.consents.map { consent, state in
            (consent.rawValue, Consent(granted: state.granted, changedAt: state.changedAt?.description, source: state.source))
        })
        points = card.points
        pointsHistory = card.pointsHistory.map {
            PointsChange(at: $0.at.description, points: $0.points, kind: $0.kind, reason: $0.reason, discount: $0.discount)
        }
        subscriptions = card.subscriptions.map {
            Subscription(subscription: $0.subscription.rawValue, plan: $0.plan, kind: $0.kind, price: $0.price, total: $0.total,
                         remaining: $0.remaining, residualValue: $0.residualValue, status: $0.status,
                         purchasedAt: $0.purchasedAt.description, validUntil: $0.validUntil?.description,
                         usedAt: $0.usedAt.map(\.description))
        }
        alerts = card.alerts.map { Note(note: $0.note.rawValue, text: $0.text, at: $0.at.description) }
        notes = card.notes.map { Note(note: $0.note.rawValue, text: $0.text, at: $0.at.description) }
        intakeForms = card.intakeForms.map { IntakeForm(form: $0.form.rawValue, at: $0.at.description, answers: $0.answers) }
        documents = card.documents.map {
            Document(document: $0.document.rawValue, name: $0.name, mediaType: $0.mediaType, sha256: $0.sha256, bytes: $0.bytes,
                     at: $0.at.description)
        }
        visits = card.visits.map { Visit(visit: $0.visit.rawValue, at: $0.at.description, revenue: $0.revenue) }
        lastVisit = card.lastVisit?.description
        appointments = card.appointments.map(Appointment.init)
        nextAppointment = card.nextAppointment.map(Appointment.init)
    }
}

/// A ``ReminderCoverage`` as JSON.
struct CoverageJSON: ResponseEncodable {
    /// The counts of one window.
    struct Window: Encodable {
        /// Appointments starting in the window (cancelled ones left out).
        let appointments: Int
        /// Those with a reminder.
        let covered: Int
        /// Those without one whose client agrees to reminders.
        let missing: Int
        /// Those without one whose client does not agree.
        let noConsent: Int

        /// The JSON shape of `window`.
        init(_ window: ReminderCoverage.Window) {
            appointments = window.appointments
            covered = window.covered
            missing = window.missing
            noConsent = window.noConsent
        }
    }

    /// An appointment without a reminder.
    struct Uncovered: Encodable {
        /// Its id.
        let appointment: String
        /// Its client.
        let client: String
        /// Its start.
        let start: String
        /// `missing` or `noConsent`.
        let reason: String
        /// `past` or `next`.
        let window: String
    }

    /// The instant the windows are around.
    let now: String
    /// Appointments starting in the 7 days before `now`.
    let past: Window
    /// Appointments starting in the 7 days from `now`.
    let next: Window
    /// The appointments of both windows without a reminder, by start.
    let uncovered: [Uncovered]

    /// The JSON shape of `coverage`.
    init(_ coverage: ReminderCoverage) {
        now = coverage.now.description
        past = Window(coverage.past)
        next = Window(coverage.next)
        uncovered = coverage.uncovered.map {
            Uncovered(appointment: $0.appointment.rawValue, client: $0.client.rawValue, start: $0.start.description,
                      reason: $0.reason, window: $0.window)
        }
    }
}
