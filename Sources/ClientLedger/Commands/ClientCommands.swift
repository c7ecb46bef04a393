import EventLog

extension SalonLedger {
    /// Registers a new client. A referrer, if named, must be a registered client.
    ///
    /// Throws ``LedgerError/Code/clientExists``, ``LedgerError/Code/clientErased`` (the id belonged to
    /// an erased client), ``LedgerError/Code/unknownClient`` (the referrer), or a field error.
    @discardableResult
    public func registerClient(_ client: ClientID, name: String, email: String? = nil, phone: String? = nil,
                               birthDate: CalendarDate? = nil, referredBy: ClientID? = nil,
                               at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.clientRegistered(ClientRegistered(at: at, client: client, name: name, email: email, phone: phone,
                                                            birthDate: birthDate, referredBy: referredBy)), actor: actor)
    }

    /// Changes a client's contact details; give at least one.
    @discardableResult
    public func changeDetails(of client: ClientID, name: String? = nil, email: String? = nil, phone: String? = nil,
                              birthDate: CalendarDate? = nil, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.clientDetailsChanged(ClientDetailsChanged(at: at, client: client, name: name, email: email, phone: phone, birthDate: birthDate)), actor: actor)
    }

    /// Grants or withdraws a consent, with how it was given (for proof). Withdrawing is as easy as
    /// granting: no rule refuses either, except for an unknown or erased client.
    @discardableResult
    public func changeConsent(of client: ClientID, _ consent: Consent, granted: Bool, source: String? = nil,
                              at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.consentChanged(ConsentChanged(at: at, client: client, consent: consent, granted: granted, source: source)), actor: actor)
    }

    /// Archives a client who is no longer a client of the salon: no bookings, checkouts, points or
    /// nudges until reactivated. Their records stay.
    @discardableResult
    public func archive(_ client: ClientID, reason: String? = nil, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.clientArchived(ClientArchived(at: at, client: client, reason: reason)), actor: actor)
    }

    /// Makes an archived client a client again.
    @discardableResult
    public func reactivate(_ client: ClientID, reason: String? = nil, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.clientReactivated(ClientReactivated(at: at, client: client, reason: reason)), actor: actor)
    }

    /// Forgets a client (GDPR erasure): records `ClientErased`, then destroys the client's key, so
    /// their personal data can never be read again. Amounts, points and dates stay, and the hash
    /// chain still verifies. Nothing about the client may change afterwards.
    @discardableResult
    ///
    /// `reason` (the request it answers, say) is stored in the clear: it must hold nothing personal.
    public func erase(_ client: ClientID, reason: String? = nil, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.clientErased(ClientErased(at: at, client: client, reason: reason)), actor: actor)
    }

    /// Adds a note; an `alert` pops up at checkout and in the agenda (an allergy, say).
    @discardableResult
    public func addNote(to client: ClientID, note: NoteID, text: String, alert: Bool = false,
                        at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.noteAdded(NoteAdded(at: at, client: client, note: note, text: text, alert: alert)), actor: actor)
    }

    /// Removes a note or alert.
    @discardableResult
    public func removeNote(_ note: NoteID, from client: ClientID, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.noteRemoved(NoteRemoved(at: at, client: client, note: note)), actor: actor)
    }

    /// Records a filled-in intake form.
    @discardableResult
    public func recordIntake(of client: ClientID, form: FormID, answers: [String: String],
                             at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.intakeRecorded(IntakeRecorded(at: at, client: client, form: form, answers: answers)), actor: actor)
    }

    /// Attaches a document: its name, media type, SHA-256 and size — not the file itself.
    @discardableResult
    public func attachDocument(to client: ClientID, document: DocumentID, name: String, mediaType: String, sha256: String, bytes: Int64,
                               at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.documentAttached(DocumentAttached(at: at, client: client, document: document, name: name, mediaType: mediaType, sha256: sha256, bytes: bytes)), actor: actor)
    }

    /// Records one event of one client (or of the salon) if the rules allow it: the path of every
    /// command that decides nothing beyond the event itself.
    ///
    /// With an `idempotencyKey`, a retry records nothing and returns what the first attempt
    /// recorded (see ``checkOut(_:visit:revenue:at:actor:idempotencyKey:)``); the event's instant is
    /// not part of the request, so a retry dated anew is still the same request.
    @discardableResult
    public func record(_ event: LedgerEvent, actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(event, actor: actor, idempotencyKey: idempotencyKey)
    }

    /// ``record(_:actor:idempotencyKey:)`` for command `command`: the calling method, by default.
    package func recording(_ event: LedgerEvent, actor: String?, idempotencyKey: String? = nil,
                           command: String = #function) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let identity = try CommandIdentity.make(key: idempotencyKey, client: event.client, request: event.requestDescription)
        var involved = event.client.map { [$0] } ?? []
        var registering = false
        if case .clientRegistered(let registration) = event {
            registering = true
            if let referrer = registration.referredBy { involved.append(referrer) }
        }
        return try await execute(involving: involved, requiringRegistered: !registering, identity: identity, actor: actor, command: command) { (decision) throws(LedgerError) in
            try decision.record(event)
        }
    }
}

extension LedgerEvent {
    /// The event as a request: its interchange form without its instant.
    var requestDescription: String {
        let line = InterchangeCodec.encode(self)
        // The encoder writes `{"type":…,"at":"…",…}`; an instant holds no quote.
        guard let start = line.range(of: #","at":""#), let end = line[start.upperBound...].firstIndex(of: "\"") else { return line }
        return String(line[..<start.lowerBound] + line[line.index(after: end)...])
    }
}
