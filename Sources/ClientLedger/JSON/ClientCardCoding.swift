import EventLog

/// A client card in the shape `ledger card --json` prints and `shared/interchange.md` names:
///
/// `client`, `name`, `email`, `phone`, `callLink`, `birthDate`, `referredBy`, `registeredAt`,
/// `archived`, `erased`; `consents` (each consent's name → whether it is granted) and
/// `consentDetails` (→ `granted`, `changedAt`, `source`); `points` and `pointsHistory`; `lastVisit`;
/// `nextAppointment` (its start, or `null`) and `nextAppointmentId`; `alerts` (the alerts' texts)
/// and `alertNotes` (the alerts in full: `note`, `text`, `at`); `notes` (the other notes);
/// `subscriptions`, `visits`, `appointments`, `intakeForms`, `documents`. An absent value is `null`.
///
/// Decoding reads back what encoding wrote (`callLink`, `alerts` and `nextAppointment` follow from
/// the other keys and are not read).
extension ClientCard: Codable {
    private enum CodingKeys: String, CodingKey {
        case client, name, email, phone, callLink, birthDate, referredBy, registeredAt, archived, erased
        case consents, consentDetails, points, pointsHistory, lastVisit, nextAppointment, nextAppointmentId
        case alerts, alertNotes, notes, subscriptions, visits, appointments, intakeForms, documents
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let details = try c.decode([String: ConsentState].self, forKey: .consentDetails)
        var consents: [Consent: ConsentState] = [:]
        for consent in Consent.allCases { consents[consent] = details[consent.rawValue] ?? ConsentState(granted: false, changedAt: nil, source: nil) }
        let appointments = try c.decode([Appointment].self, forKey: .appointments)
        let next = try c.decodeIfPresent(AppointmentID.self, forKey: .nextAppointmentId)
        self.init(client: try c.decode(ClientID.self, forKey: .client),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  email: try c.decodeIfPresent(String.self, forKey: .email),
                  phone: try c.decodeIfPresent(String.self, forKey: .phone),
                  birthDate: try c.decodeIfPresent(CalendarDate.self, forKey: .birthDate),
                  referredBy: try c.decodeIfPresent(ClientID.self, forKey: .referredBy),
                  registeredAt: try c.decode(Timestamp.self, forKey: .registeredAt),
                  archived: try c.decode(Bool.self, forKey: .archived),
                  erased: try c.decode(Bool.self, forKey: .erased),
                  consents: consents,
                  points: try c.decode(Int64.self, forKey: .points),
                  pointsHistory: try c.decode([PointsChange].self, forKey: .pointsHistory),
                  subscriptions: try c.decode([Subscription].self, forKey: .subscriptions),
                  alerts: try c.decode([Note].self, forKey: .alertNotes),
                  notes: try c.decode([Note].self, forKey: .notes),
                  intakeForms: try c.decode([IntakeForm].self, forKey: .intakeForms),
                  documents: try c.decode([Document].self, forKey: .documents),
                  visits: try c.decode([Visit].self, forKey: .visits),
                  lastVisit: try c.decodeIfPresent(Timestamp.self, forKey: .lastVisit),
                  appointments: appointments,
                  nextAppointment: next.flatMap { id in appointments.first { $0.appointment == id } })
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(client, forKey: .client)
        try c.encode(name, forKey: .name)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(callLink, forKey: .callLink)
        try c.encode(birthDate, forKey: .birthDate)
        try c.encode(referredBy, forKey: .referredBy)
        try c.encode(registeredAt, forKey: .registeredAt)
        try c.encode(archived, forKey: .archived)
        try c.encode(erased, forKey: .erased)
        var granted = c.nestedContainer(keyedBy: DynamicKey.self, forKey: .consents)
        var details = c.nestedContainer(keyedBy: DynamicKey.self, forKey: .consentDetails)
        for consent in Consent.allCases {
            let state = consents[consent] ?? ConsentState(granted: false, changedAt: nil, source: nil)
            try granted.encode(state.granted, forKey: DynamicKey(consent.rawValue))
            try details.encode(state, forKey: DynamicKey(consent.rawValue))
        }
        try c.encode(points, forKey: .points)
        try c.encode(pointsHistory, forKey: .pointsHistory)
        try c.encode(lastVisit, forKey: .lastVisit)
        try c.encode(nextAppointment?.start, forKey: .nextAppointment)
        try c.encode(nextAppointment?.appointment, forKey: .nextAppointmentId)
        try c.encode(alerts.map(\.text), forKey: .alerts)
        try c.encode(alerts, forKey: .alertNotes)
        try c.encode(notes, forKey: .notes)
        try c.encode(subscriptions, forKey: .subscriptions)
        try c.encode(visits, forKey: .visits)
        try c.encode(appointments, forKey: .appointments)
        try c.encode(intakeForms, forKey: .intakeForms)
        try c.encode(documents, forKey: .documents)
    }
}

/// `granted`, `changedAt` and `source` (`null` if never changed).
extension ClientCard.ConsentState: Codable {
    private enum CodingKeys: String, CodingKey { case granted, changedAt, source }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(granted: try c.decode(Bool.self, forKey: .granted), changedAt: try c.decodeIfPresent(Timestamp.self, forKey: .changedAt),
                  source: try c.decodeIfPresent(String.self, forKey: .source))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(granted, forKey: .granted)
        try c.encode(changedAt, forKey: .changedAt)
        try c.encode(source, forKey: .source)
    }
}

/// `subscription`, `plan`, `kind`, `price`, `total`, `remaining`, `residualValue`, `status`,
/// `purchasedAt`, `validUntil` (`null` if it does not expire) and `usedAt`.
extension ClientCard.Subscription: Codable {
    private enum CodingKeys: String, CodingKey {
        case subscription, plan, kind, price, total, remaining, residualValue, status, purchasedAt, validUntil, usedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(subscription: try c.decode(SubscriptionID.self, forKey: .subscription), plan: try c.decode(String.self, forKey: .plan),
                  kind: try c.decode(String.self, forKey: .kind), price: try c.decode(Cents.self, forKey: .price),
                  total: try c.decode(Int64.self, forKey: .total), remaining: try c.decode(Int64.self, forKey: .remaining),
                  residualValue: try c.decode(Cents.self, forKey: .residualValue), status: try c.decode(String.self, forKey: .status),
                  purchasedAt: try c.decode(Timestamp.self, forKey: .purchasedAt),
                  validUntil: try c.decodeIfPresent(Timestamp.self, forKey: .validUntil),
                  usedAt: try c.decode([Timestamp].self, forKey: .usedAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subscription, forKey: .subscription)
        try c.encode(plan, forKey: .plan)
        try c.encode(kind, forKey: .kind)
        try c.encode(price, forKey: .price)
        try c.encode(total, forKey: .total)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(residualValue, forKey: .residualValue)
        try c.encode(status, forKey: .status)
        try c.encode(purchasedAt, forKey: .purchasedAt)
        try c.encode(validUntil, forKey: .validUntil)
        try c.encode(usedAt, forKey: .usedAt)
    }
}

/// `at`, `points`, `kind`, `reason` (`null` if none) and `discount`.
extension ClientCard.PointsChange: Codable {
    private enum CodingKeys: String, CodingKey { case at, points, kind, reason, discount }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(at: try c.decode(Timestamp.self, forKey: .at), points: try c.decode(Int64.self, forKey: .points),
                  kind: try c.decode(String.self, forKey: .kind), reason: try c.decodeIfPresent(String.self, forKey: .reason),
                  discount: try c.decode(Cents.self, forKey: .discount))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(points, forKey: .points)
        try c.encode(kind, forKey: .kind)
        try c.encode(reason, forKey: .reason)
        try c.encode(discount, forKey: .discount)
    }
}

/// `form`, `at`, and `answers` (question → answer, questions in sorted order).
extension ClientCard.IntakeForm: Codable {
    private enum CodingKeys: String, CodingKey { case form, at, answers }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(form: try c.decode(FormID.self, forKey: .form), at: try c.decode(Timestamp.self, forKey: .at),
                  answers: try c.decode([String: String].self, forKey: .answers))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(form, forKey: .form)
        try c.encode(at, forKey: .at)
        try c.encodeSorted(answers, forKey: .answers)
    }
}
