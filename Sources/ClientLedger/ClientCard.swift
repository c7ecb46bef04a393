import EventLog

/// Everything about one client, current: what the front desk sees. Read with
/// ``SalonLedger/card(of:now:)``; personal fields are decrypted when the card is read, and are
/// `nil`/empty once the client is erased.
public struct ClientCard: Hashable, Sendable {
    /// A consent's current state, and when and how it was last given or withdrawn.
    public struct ConsentState: Hashable, Sendable {
        /// Whether the client agrees now.
        public let granted: Bool
        /// When it was last changed; `nil` if never (then it is not granted).
        public let changedAt: Timestamp?
        /// How it was last changed.
        public let source: String?
    }

    /// A prepaid subscription on the card.
    public struct Subscription: Hashable, Sendable {
        /// The subscription.
        public let subscription: SubscriptionID
        /// Its plan.
        public let plan: String
        /// `"sessions"` or `"credit"`.
        public let kind: String
        /// The price paid.
        public let price: Cents
        /// Sessions or credit cents it started with.
        public let total: Int64
        /// Sessions or credit cents left.
        public let remaining: Int64
        /// `price × remaining / total`, rounded half away from zero; zero once expired or refunded.
        public let residualValue: Cents
        /// `"active"`, `"used"`, `"expired"` or `"refunded"`.
        public let status: String
        /// When it was bought.
        public let purchasedAt: Timestamp
        /// The last instant it may be used, if it expires.
        public let validUntil: Timestamp?
        /// When it was used, in order.
        public let usedAt: [Timestamp]
    }

    /// A note or alert.
    ///
    /// In JSON: `note`, `text`, `at`.
    public struct Note: Hashable, Sendable, Codable {
        /// The note.
        public let note: NoteID
        /// What it says (`""` once the client is erased).
        public let text: String
        /// When it was added.
        public let at: Timestamp
    }

    /// A checked-out visit.
    ///
    /// In JSON: `visit`, `at`, `revenue`.
    public struct Visit: Hashable, Sendable, Codable {
        /// The visit.
        public let visit: VisitID
        /// When it was checked out.
        public let at: Timestamp
        /// Its revenue.
        public let revenue: Cents
    }

    /// A change of the points balance.
    public struct PointsChange: Hashable, Sendable {
        /// When.
        public let at: Timestamp
        /// Points added (positive) or taken (negative).
        public let points: Int64
        /// `"accrued"`, `"adjusted"` or `"redeemed"`.
        public let kind: String
        /// The accrual reason or the adjustment's words.
        public let reason: String?
        /// For a redemption, the discount granted.
        public let discount: Cents
    }

    /// An intake form.
    public struct IntakeForm: Hashable, Sendable {
        /// The form.
        public let form: FormID
        /// When it was recorded.
        public let at: Timestamp
        /// Question → answer (empty once the client is erased).
        public let answers: [String: String]
    }

    /// An attached document's metadata.
    ///
    /// In JSON: `document`, `name`, `mediaType`, `sha256`, `bytes`, `at`.
    public struct Document: Hashable, Sendable, Codable {
        /// The document.
        public let document: DocumentID
        /// Its file name (`""` once the client is erased).
        public let name: String
        /// Its media type.
        public let mediaType: String
        /// Its SHA-256, hex.
        public let sha256: String
        /// Its size.
        public let bytes: Int64
        /// When it was attached.
        public let at: Timestamp
    }

    /// An appointment.
    ///
    /// In JSON: `appointment`, `start`, `minutes`, `service`, `cancelled`.
    public struct Appointment: Hashable, Sendable, Codable {
        /// The appointment.
        public let appointment: AppointmentID
        /// When it starts (its latest start).
        public let start: Timestamp
        /// How long, in minutes.
        public let minutes: Int
        /// The service.
        public let service: String
        /// Whether it was cancelled.
        public let cancelled: Bool
    }

    /// The client.
    public let client: ClientID
    /// The name (`nil` once erased).
    public let name: String?
    /// The e-mail address.
    public let email: String?
    /// The phone number, E.164.
    public let phone: String?
    /// The birth date.
    public let birthDate: CalendarDate?
    /// A `tel:` link from the phone number, for calling from a computer.
    public var callLink: String? { phone.map { "tel:" + $0 } }
    /// Who referred the client.
    public let referredBy: ClientID?
    /// When the client was registered.
    public let registeredAt: Timestamp
    /// Whether the client is archived.
    public let archived: Bool
    /// Whether the client was erased (then every personal field is `nil` or empty).
    public let erased: Bool
    /// Each consent's state.
    public let consents: [Consent: ConsentState]
    /// The points balance: accrued + adjusted − redeemed.
    public let points: Int64
    /// Every change of the balance, in order.
    public let pointsHistory: [PointsChange]
    /// Every subscription, in order of purchase.
    public let subscriptions: [Subscription]
    /// Notes that pop up at checkout and in the agenda.
    public let alerts: [Note]
    /// The other notes.
    public let notes: [Note]
    /// Intake forms.
    public let intakeForms: [IntakeForm]
    /// Attached documents.
    public let documents: [Document]
    /// Checked-out visits, in order.
    public let visits: [Visit]
    /// The latest checkout, if any.
    public let lastVisit: Timestamp?
    /// Every appointment, in booking order.
    public let appointments: [Appointment]
    /// The earliest appointment not cancelled that starts after the card's `now`.
    public let nextAppointment: Appointment?
}

extension CardRecord.Subscription {
    /// Remaining units and status after the history entries with `at ≤ asOf` (all if `nil`), in log order.
    package func standing(asOf: Timestamp? = nil) -> (remaining: Int64, status: String, residual: Cents) {
        var remaining = allowance.units
        var ended: String?
        for entry in history where asOf.map({ entry.at <= $0 }) ?? true {
            switch entry.kind {
            case 1: remaining = remaining.saturatingAdding(-entry.units)
            case 2: ended = "expired"
            default: ended = "refunded"
            }
        }
        return (remaining, ended ?? (remaining == 0 ? "used" : "active"), residual(remaining: remaining, ended: ended != nil))
    }

    /// The residual value: `price × remaining / total`, rounded half away from zero; zero once ended.
    package func residual(remaining: Int64, ended: Bool) -> Cents {
        let total = allowance.units
        return ended || total == 0 ? 0 : Money.proportion(price, remaining, of: total)
    }
}
