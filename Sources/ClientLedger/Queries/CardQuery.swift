import EventLog

extension SalonLedger {
    /// The card of `client`: everything about them, current, read from the client-card projection
    /// (never a replay). Personal fields are decrypted now, with the client's key; after erasure they
    /// are `nil` or empty. `now` decides the next appointment. `nil` if the client was never registered.
    public func card(of client: ClientID, now: Timestamp = .now) throws(LedgerError) -> ClientCard? {
        try observation.query("card") { () throws(LedgerError) -> ClientCard? in try readCard(of: client, now: now) }
    }

    private func readCard(of client: ClientID, now: Timestamp) throws(LedgerError) -> ClientCard? {
        func read() throws(LedgerError) -> CardRecord? {
            do {
                return try readCards { state in
                    try state.withValue(forKey: client.rawValue.utf8) { bytes -> CardRecord? in
                        guard let bytes else { return nil }
                        return try CardRecord(client: client, head: bytes, in: state)
                    }
                }
            } catch {
                throw LedgerError.wrapping(error, "reading the card of \(client)", client: client)
            }
        }
        if let record = try read() { return try makeCard(client, record, now: now) }
        // Every client stream has a card, written in the same transaction as its first event. A
        // stream without one (read again, in case the client was registered in between) means the
        // cards lost it — a damaged page — and "no such client" would be a wrong answer.
        let stream: UInt64?
        do { stream = try log.read { try $0.streamVersion(Self.stream(of: client)) } } catch {
            throw LedgerError.wrapping(error, "reading the stream of \(client)", client: client)
        }
        guard stream != nil else { return nil }
        guard let record = try read() else {
            throw LedgerError(.corruptPayload, "the client cards hold no card for client \(client), though the log holds their events: the cards are damaged; rebuild them (ledger rebuild)",
                              client: client.rawValue)
        }
        return try makeCard(client, record, now: now)
    }

    /// The client's details as their events left them, decrypted — nothing else of the card
    /// (what the search index reads of every client). All `nil` for an erased client.
    package func details(of client: ClientID, _ record: CardRecord) throws(LedgerError)
        -> (name: String?, email: String?, phone: String?, birthDate: CalendarDate?) {
        let key = record.erased ? nil : try keys.key(for: client, knownNotErased: true)
        return try details(of: client, record, key: key)
    }

    private func details(of client: ClientID, _ record: CardRecord, key: ClientKey?) throws(LedgerError)
        -> (name: String?, email: String?, phone: String?, birthDate: CalendarDate?) {
        var name: String?, email: String?, phone: String?, birthDate: CalendarDate?
        guard let key else { return (nil, nil, nil, nil) }
        for section in record.details where !section.bytes.isEmpty {
            if case .details(let n, let e, let p, let b) = try BinaryCodec.open(section.bytes, type: section.type, client: client, key: key) {
                name = n ?? name; email = e ?? email; phone = p ?? phone; birthDate = b ?? birthDate
            }
        }
        return (name, email, phone, birthDate)
    }

    package func makeCard(_ client: ClientID, _ record: CardRecord, now: Timestamp) throws(LedgerError) -> ClientCard {
        // The card comes from a snapshot that says whether the client is erased: if not, a key read
        // before may serve (decrypting shows nothing that snapshot could not show).
        let key = record.erased ? nil : try keys.key(for: client, knownNotErased: true)
        func open(_ sealed: [UInt8], _ type: LedgerEventType) throws(LedgerError) -> BinaryCodec.PersonalSection? {
            guard let key, !sealed.isEmpty else { return nil }
            return try BinaryCodec.open(sealed, type: type, client: client, key: key)
        }
        let (name, email, phone, birthDate) = try details(of: client, record, key: key)
        var consents: [Consent: ClientCard.ConsentState] = [:]
        for consent in Consent.allCases {
            let last = record.consents.last { $0.consent == consent }
            consents[consent] = ClientCard.ConsentState(granted: last?.granted ?? false, changedAt: last?.at, source: last?.source)
        }
        var notes: [ClientCard.Note] = [], alerts: [ClientCard.Note] = []
        for note in record.notes {
            var text = ""
            if case .text(let opened)? = try open(note.sealed, .noteAdded) { text = opened }
            let entry = ClientCard.Note(note: NoteID(unchecked: note.id), text: text, at: note.at)
            if note.alert { alerts.append(entry) } else { notes.append(entry) }
        }
        var forms: [ClientCard.IntakeForm] = []
        for form in record.intake {
            var answers: [String: String] = [:]
            if case .answers(let opened)? = try open(form.sealed, .intakeRecorded) { answers = opened }
            forms.append(ClientCard.IntakeForm(form: FormID(unchecked: form.id), at: form.at, answers: answers))
        }
        var documents: [ClientCard.Document] = []
        for document in record.documents {
            var fileName = ""
            if case .text(let opened)? = try open(document.sealed, .documentAttached) { fileName = opened }
            documents.append(ClientCard.Document(document: DocumentID(unchecked: document.id), name: fileName, mediaType: document.mediaType,
                                                 sha256: document.sha256, bytes: document.bytes, at: document.at))
        }
        let subscriptions = record.subscriptions.map { subscription in
            let standing = subscription.standing()
            return ClientCard.Subscription(subscription: SubscriptionID(unchecked: subscription.id), plan: subscription.plan,
                                           kind: subscription.allowance.kind, price: subscription.price, total: subscription.allowance.units,
                                           remaining: standing.remaining, residualValue: standing.residual, status: standing.status,
                                           purchasedAt: subscription.purchasedAt, validUntil: subscription.validUntil,
                                           usedAt: subscription.history.filter { $0.kind == 1 }.map(\.at))
        }
        let appointments = record.appointments.map {
            ClientCard.Appointment(appointment: AppointmentID(unchecked: $0.id), start: $0.start, minutes: $0.minutes, service: $0.service, cancelled: $0.cancelled)
        }
        func kind(_ code: UInt8) -> String {
            switch code {
            case CardRecord.PointsEntry.accrued: "accrued"
            case CardRecord.PointsEntry.adjusted: "adjusted"
            case CardRecord.PointsEntry.redeemed: "redeemed"
            default: "?"
            }
        }
        return ClientCard(
            client: client, name: name, email: email, phone: phone, birthDate: birthDate,
            referredBy: record.referredBy.map { ClientID(unchecked: $0) }, registeredAt: record.registeredAt,
            archived: record.archived, erased: record.erased, consents: consents, points: record.points,
            pointsHistory: record.pointsHistory.map { ClientCard.PointsChange(at: $0.at, points: $0.points, kind: kind($0.kind), reason: $0.text, discount: $0.discount) },
            subscriptions: subscriptions, alerts: alerts, notes: notes, intakeForms: forms, documents: documents,
            visits: record.visits.map { ClientCard.Visit(visit: VisitID(unchecked: $0.id), at: $0.at, revenue: $0.revenue) },
            lastVisit: record.visits.map(\.at).max(),
            appointments: appointments,
            nextAppointment: appointments.filter { !$0.cancelled && $0.start > now }.min { $0.start < $1.start })
    }
}
