import EventLog

/// The log's binary payloads for every ``LedgerEvent`` (see `docs/events.md` for each layout).
///
/// Every payload starts with its layout version (1 for every type so far), then the fields in a
/// fixed order: integers as (zig-zag) varints, strings and identifiers as length-prefixed UTF-8,
/// optional fields behind a presence byte, instants as microseconds since the epoch. The client id
/// is not in the payload: it is the stream's name. Personal fields of a type are written together
/// into one section, sealed with the client's key (``ClientKey``) and stored as length-prefixed
/// `nonce ‖ ciphertext ‖ tag`; the event type and client id are authenticated with it.
package enum BinaryCodec {
    /// The newest payload layout this library writes; it reads every layout up to this one.
    package static let layoutVersion: UInt8 = 1

    // MARK: Encoding

    /// Encodes `event`; `key` is the client's key, required for types that carry personal data.
    package static func encode(_ event: LedgerEvent, key: ClientKey?) throws(LedgerError) -> [UInt8] {
        var w = PayloadWriter()
        w.byte(layoutVersion)
        w.timestamp(event.at)
        func sealed(_ client: ClientID, _ build: (inout PayloadWriter) -> Void) throws(LedgerError) {
            guard let key else {
                throw LedgerError(.keyStore, "client \(client) has no key to seal the personal data of \(event.type.rawValue)", client: client.rawValue)
            }
            var personal = PayloadWriter()
            build(&personal)
            w.data(try key.seal(personal.bytes, context: SealingContext(event.type, client)))
        }
        switch event {
        case .clientRegistered(let e):
            try sealed(e.client) { p in
                p.string(e.name)
                p.optional(e.email) { $0.string($1) }
                p.optional(e.phone) { $0.string($1) }
                p.optional(e.birthDate) { $0.signed($1.daysSinceEpoch) }
            }
            w.optional(e.referredBy) { $0.string($1.rawValue) }
        case .clientDetailsChanged(let e):
            try sealed(e.client) { p in
                p.optional(e.name) { $0.string($1) }
                p.optional(e.email) { $0.string($1) }
                p.optional(e.phone) { $0.string($1) }
                p.optional(e.birthDate) { $0.signed($1.daysSinceEpoch) }
            }
        case .consentChanged(let e):
            w.byte(consentCode(e.consent)); w.bool(e.granted); w.optional(e.source) { $0.string($1) }
        case .clientArchived(let e):
            w.optional(e.reason) { $0.string($1) }
        case .clientReactivated(let e):
            // Written only when there is one: the payload without it is the one of before.
            if let reason = e.reason { w.optional(reason) { $0.string($1) } }
        case .clientErased(let e):
            if let reason = e.reason { w.optional(reason) { $0.string($1) } }
        case .noteAdded(let e):
            w.string(e.note.rawValue); w.bool(e.alert)
            try sealed(e.client) { $0.string(e.text) }
        case .noteRemoved(let e):
            w.string(e.note.rawValue)
        case .intakeRecorded(let e):
            w.string(e.form.rawValue)
            try sealed(e.client) { p in
                p.unsigned(UInt64(e.answers.count))
                for (question, answer) in e.answers.sorted(by: { $0.key < $1.key }) { p.string(question); p.string(answer) }
            }
        case .documentAttached(let e):
            w.string(e.document.rawValue); w.string(e.mediaType); w.string(e.sha256); w.signed(e.bytes)
            try sealed(e.client) { $0.string(e.name) }
        case .checkedOut(let e):
            w.string(e.visit.rawValue); w.signed(e.revenue)
        case .pointsAccrued(let e):
            w.signed(e.points); w.byte(accrualCode(e.reason)); w.optional(e.visit) { $0.string($1.rawValue) }
        case .pointsAdjusted(let e):
            w.signed(e.points); w.string(e.reason)
        case .discountRedeemed(let e):
            w.signed(e.points); w.signed(e.discount); w.optional(e.visit) { $0.string($1.rawValue) }
        case .subscriptionPurchased(let e):
            w.string(e.subscription.rawValue); w.string(e.plan); w.signed(e.price)
            switch e.allowance {
            case .sessions(let count): w.byte(1); w.signed(Int64(count))
            case .credit(let cents): w.byte(2); w.signed(cents)
            }
            w.optional(e.validUntil) { $0.timestamp($1) }
        case .subscriptionUsed(let e):
            w.string(e.subscription.rawValue)
            switch e.usage {
            case .sessions(let count): w.byte(1); w.signed(Int64(count))
            case .amount(let cents): w.byte(2); w.signed(cents)
            }
            w.optional(e.visit) { $0.string($1.rawValue) }
        case .subscriptionExpired(let e):
            w.string(e.subscription.rawValue)
        case .subscriptionRefunded(let e):
            w.string(e.subscription.rawValue); w.signed(e.refund)
        case .appointmentBooked(let e):
            w.string(e.appointment.rawValue); w.timestamp(e.start); w.signed(Int64(e.minutes)); w.string(e.service)
        case .appointmentRescheduled(let e):
            w.string(e.appointment.rawValue); w.timestamp(e.start)
        case .appointmentCancelled(let e):
            w.string(e.appointment.rawValue)
        case .reminderScheduled(let e):
            w.string(e.appointment.rawValue); w.byte(channelCode(e.channel)); w.timestamp(e.sendAt)
        case .reminderSent(let e):
            w.string(e.appointment.rawValue); w.byte(channelCode(e.channel))
        case .visitNudgeSent(let e):
            w.byte(channelCode(e.channel))
        case .salonSettingsChanged(let e):
            w.string(e.currency); w.string(e.timeZone); w.signed(Int64(e.reminderLeadMinutes)); w.signed(Int64(e.visitNudgeWeeks))
        case .loyaltyProgrammeChanged(let e):
            w.optional(e.programme) { w, p in
                w.signed(p.pointsPerStep); w.signed(p.revenueStep); w.signed(p.minimumBalanceToRedeem)
                w.optional(p.maximumPointsPerRedemption) { $0.signed($1) }
                switch p.reward {
                case .amountPerPoint(let cents): w.byte(1); w.signed(cents)
                case .percentage(let points, let percent): w.byte(2); w.signed(points); w.signed(Int64(percent))
                }
                w.optional(p.expiryMonths) { $0.signed(Int64($1)) }
                w.signed(p.referralBonusPoints)
            }
        }
        return w.bytes
    }

    // MARK: Decoding

    /// A decoded event and whether its personal fields could not be read (the client was erased):
    /// then they hold empty strings and `nil`s.
    package struct Decoded: Hashable, Sendable {
        package var event: LedgerEvent
        package var personalDataErased: Bool
        /// The sealed personal section as stored, when asked for with `keepSealed`.
        package var sealed: [UInt8]? = nil
    }

    /// When the event in `payload` happened (its `at`), read without decoding the rest: every
    /// layout begins with its version byte and `at`.
    package static func instant(of type: LedgerEventType, payload: UnsafeRawBufferPointer) throws(LedgerError) -> Timestamp {
        var r = PayloadReader(payload, .event(type))
        return try prelude(&r, type)
    }

    /// Reads what every layout begins with: its version, checked (``LedgerError/Code/newerPayloadVersion``
    /// for a layout newer than this library's), and the event's `at`.
    package static func prelude(_ r: inout PayloadReader, _ type: LedgerEventType) throws(LedgerError) -> Timestamp {
        let version = try r.byte()
        guard version >= 1 else { throw LedgerError(.corruptPayload, "a \(type.rawValue) payload has layout version 0") }
        guard version <= layoutVersion else {
            throw LedgerError(.newerPayloadVersion, "a \(type.rawValue) payload has layout version \(version); this library reads up to \(layoutVersion)")
        }
        return try r.timestamp()
    }

    /// Decodes a payload of `type` in the stream of `client` (`nil` for the salon stream).
    /// `key` is the client's key, or `nil` if it was destroyed.
    package static func decode(_ type: LedgerEventType, client: ClientID?, payload: UnsafeRawBufferPointer, key: ClientKey?,
                               keepSealed: Bool = false) throws(LedgerError) -> Decoded {
        var r = PayloadReader(payload, .event(type))
        let at = try prelude(&r, type)
        var erased = false
        var keptSealed: [UInt8]?
        func clientID() throws(LedgerError) -> ClientID {
            guard let client else { throw LedgerError(.corruptPayload, "a \(type.rawValue) event stands outside a client stream") }
            return client
        }
        /// The personal section opened, or `nil` when the key is gone.
        func personal() throws(LedgerError) -> [UInt8]? {
            let sealed = try r.data()
            if keepSealed { keptSealed = Array(sealed) }
            guard let key else { erased = true; return nil }
            return try key.open(sealed, context: SealingContext(type, try clientID()))
        }
        func withPersonal<T>(_ body: (inout PayloadReader) throws(LedgerError) -> T, otherwise: T) throws(LedgerError) -> T {
            guard let bytes = try personal() else { return otherwise }
            let result = bytes.withUnsafeBytes { raw -> Result<T, LedgerError> in
                var p = PayloadReader(raw, .event(type))
                do {
                    let value = try body(&p)
                    try p.finish()
                    return .success(value)
                } catch let error as LedgerError {
                    return .failure(error)
                } catch {
                    return .failure(LedgerError(.corruptPayload, "\(error)"))
                }
            }
            return try result.get()
        }
        let event: LedgerEvent
        switch type {
        case .clientRegistered:
            let client = try clientID()
            let fields = try withPersonal({ (p) throws(LedgerError) in
                (try p.string(), try p.optional { (p) throws(LedgerError) in try p.string() },
                 try p.optional { (p) throws(LedgerError) in try p.string() },
                 try p.optional { (p) throws(LedgerError) in try CalendarDate(daysSinceEpoch: try p.signed()) })
            }, otherwise: ("", nil, nil, nil))
            let referredBy: ClientID? = try r.optional { (r) throws(LedgerError) in try r.identifier() }
            event = .clientRegistered(ClientRegistered(at: at, client: client, name: fields.0, email: fields.1, phone: fields.2, birthDate: fields.3, referredBy: referredBy))
        case .clientDetailsChanged:
            let client = try clientID()
            let fields = try withPersonal({ (p) throws(LedgerError) in
                (try p.optional { (p) throws(LedgerError) in try p.string() }, try p.optional { (p) throws(LedgerError) in try p.string() },
                 try p.optional { (p) throws(LedgerError) in try p.string() },
                 try p.optional { (p) throws(LedgerError) in try CalendarDate(daysSinceEpoch: try p.signed()) })
            }, otherwise: (nil, nil, nil, nil))
            event = .clientDetailsChanged(ClientDetailsChanged(at: at, client: client, name: fields.0, email: fields.1, phone: fields.2, birthDate: fields.3))
        case .consentChanged:
            event = .consentChanged(ConsentChanged(at: at, client: try clientID(), consent: try consent(try r.byte()), granted: try r.bool(),
                                                   source: try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .clientArchived:
            event = .clientArchived(ClientArchived(at: at, client: try clientID(), reason: try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .clientReactivated:
            let client = try clientID()
            event = .clientReactivated(ClientReactivated(at: at, client: client, reason: r.isAtEnd ? nil : try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .clientErased:
            let client = try clientID()
            event = .clientErased(ClientErased(at: at, client: client, reason: r.isAtEnd ? nil : try r.optional { (r) throws(LedgerError) in try r.string() }))
        case .noteAdded:
            let client = try clientID()
            let note: NoteID = try r.identifier()
            let alert = try r.bool()
            let text = try withPersonal({ (p) throws(LedgerError) in try p.string() }, otherwise: "")
            event = .noteAdded(NoteAdded(at: at, client: client, note: note, text: text, alert: alert))
        case .noteRemoved:
            event = .noteRemoved(NoteRemoved(at: at, client: try clientID(), note: try r.identifier()))
        case .intakeRecorded:
            let client = try clientID()
            let form: FormID = try r.identifier()
            let answers = try withPersonal({ (p) throws(LedgerError) -> [String: String] in
                let count = try p.unsigned()
                var answers: [String: String] = [:]
                for _ in 0..<count { answers[try p.string()] = try p.string() }
                return answers
            }, otherwise: [:])
            event = .intakeRecorded(IntakeRecorded(at: at, client: client, form: form, answers: answers))
        case .documentAttached:
            let client = try clientID()
            let document: DocumentID = try r.identifier()
            let mediaType = try r.string(), sha256 = try r.string(), bytes = try r.signed()
            let name = try withPersonal({ (p) throws(LedgerError) in try p.string() }, otherwise: "")
            event = .documentAttached(DocumentAttached(at: at, client: client, document: document, name: name, mediaType: mediaType, sha256: sha256, bytes: bytes))
        case .checkedOut:
            event = .checkedOut(CheckedOut(at: at, client: try clientID(), visit: try r.identifier(), revenue: try r.signed()))
        case .pointsAccrued:
            event = .pointsAccrued(PointsAccrued(at: at, client: try clientID(), points: try r.signed(), reason: try accrual(try r.byte()),
                                                 visit: try r.optional { (r) throws(LedgerError) in try r.identifier() }))
        case .pointsAdjusted:
            event = .pointsAdjusted(PointsAdjusted(at: at, client: try clientID(), points: try r.signed(), reason: try r.string()))
        case .discountRedeemed:
            event = .discountRedeemed(DiscountRedeemed(at: at, client: try clientID(), points: try r.signed(), discount: try r.signed(),
                                                       visit: try r.optional { (r) throws(LedgerError) in try r.identifier() }))
        case .subscriptionPurchased:
            let client = try clientID()
            let subscription: SubscriptionID = try r.identifier()
            let plan = try r.string(), price = try r.signed()
            let allowance: SubscriptionAllowance
            switch try r.byte() {
            case 1: allowance = .sessions(try r.int())
            case 2: allowance = .credit(try r.signed())
            case let other: throw LedgerError(.corruptPayload, "a SubscriptionPurchased payload has allowance kind \(other)")
            }
            let validUntil: Timestamp? = try r.optional { (r) throws(LedgerError) in try r.timestamp() }
            event = .subscriptionPurchased(SubscriptionPurchased(at: at, client: client, subscription: subscription, plan: plan, price: price, allowance: allowance, validUntil: validUntil))
        case .subscriptionUsed:
            let client = try clientID()
            let subscription: SubscriptionID = try r.identifier()
            let usage: SubscriptionUsage
            switch try r.byte() {
            case 1: usage = .sessions(try r.int())
            case 2: usage = .amount(try r.signed())
            case let other: throw LedgerError(.corruptPayload, "a SubscriptionUsed payload has usage kind \(other)")
            }
            event = .subscriptionUsed(SubscriptionUsed(at: at, client: client, subscription: subscription, usage: usage,
                                                       visit: try r.optional { (r) throws(LedgerError) in try r.identifier() }))
        case .subscriptionExpired:
            event = .subscriptionExpired(SubscriptionExpired(at: at, client: try clientID(), subscription: try r.identifier()))
        case .subscriptionRefunded:
            event = .subscriptionRefunded(SubscriptionRefunded(at: at, client: try clientID(), subscription: try r.identifier(), refund: try r.signed()))
        case .appointmentBooked:
            event = .appointmentBooked(AppointmentBooked(at: at, client: try clientID(), appointment: try r.identifier(), start: try r.timestamp(),
                                                         minutes: try r.int(), service: try r.string()))
        case .appointmentRescheduled:
            event = .appointmentRescheduled(AppointmentRescheduled(at: at, client: try clientID(), appointment: try r.identifier(), start: try r.timestamp()))
        case .appointmentCancelled:
            event = .appointmentCancelled(AppointmentCancelled(at: at, client: try clientID(), appointment: try r.identifier()))
        case .reminderScheduled:
            event = .reminderScheduled(ReminderScheduled(at: at, client: try clientID(), appointment: try r.identifier(), channel: try channel(try r.byte()), sendAt: try r.timestamp()))
        case .reminderSent:
            event = .reminderSent(ReminderSent(at: at, client: try clientID(), appointment: try r.identifier(), channel: try channel(try r.byte())))
        case .visitNudgeSent:
            event = .visitNudgeSent(VisitNudgeSent(at: at, client: try clientID(), channel: try channel(try r.byte())))
        case .salonSettingsChanged:
            event = .salonSettingsChanged(SalonSettingsChanged(at: at, currency: try r.string(), timeZone: try r.string(),
                                                               reminderLeadMinutes: try r.int(), visitNudgeWeeks: try r.int()))
        case .loyaltyProgrammeChanged:
            let programme: LoyaltyProgramme? = try r.optional { (r) throws(LedgerError) -> LoyaltyProgramme in
                let pointsPerStep = try r.signed(), revenueStep = try r.signed(), minimum = try r.signed()
                let cap: Int64? = try r.optional { (r) throws(LedgerError) in try r.signed() }
                let reward: LoyaltyProgramme.Reward
                switch try r.byte() {
                case 1: reward = .amountPerPoint(try r.signed())
                case 2: reward = .percentage(points: try r.signed(), percent: try r.int())
                case let other: throw LedgerError(.corruptPayload, "a LoyaltyProgrammeChanged payload has reward kind \(other)")
                }
                let expiry: Int? = try r.optional { (r) throws(LedgerError) in try r.int() }
                return LoyaltyProgramme(pointsPerStep: pointsPerStep, revenueStep: revenueStep, minimumBalanceToRedeem: minimum,
                                        maximumPointsPerRedemption: cap, reward: reward, expiryMonths: expiry, referralBonusPoints: try r.signed())
            }
            event = .loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: at, programme: programme))
        }
        try r.finish()
        return Decoded(event: event, personalDataErased: erased, sealed: keptSealed)
    }

    /// The personal fields of one sealed section.
    package enum PersonalSection: Sendable {
        case details(name: String?, email: String?, phone: String?, birthDate: CalendarDate?)
        case text(String)
        case answers([String: String])
    }

    /// Opens a sealed section that `keepSealed` kept, with the client's key.
    package static func open(_ sealed: [UInt8], type: LedgerEventType, client: ClientID, key: ClientKey) throws(LedgerError) -> PersonalSection {
        var failure: LedgerError?
        // Closures that return optionals and keep the error aside: no `Result` to build and unwrap.
        let plain = sealed.withUnsafeBytes { raw -> [UInt8]? in
            do throws(LedgerError) { return try key.open(raw, context: SealingContext(type, client)) } catch { failure = error; return nil }
        }
        guard let plain else { throw failure ?? LedgerError(.corruptPayload, "a sealed \(type.rawValue) section does not open") }
        let section = plain.withUnsafeBytes { raw -> PersonalSection? in
            do throws(LedgerError) { return try personalSection(type, raw) } catch { failure = error; return nil }
        }
        guard let section else { throw failure ?? LedgerError(.corruptPayload, "a \(type.rawValue) personal section is damaged") }
        return section
    }

    /// Reads the opened personal section of an event of `type`.
    private static func personalSection(_ type: LedgerEventType, _ plain: UnsafeRawBufferPointer) throws(LedgerError) -> PersonalSection {
        var p = PayloadReader(plain, .event(type))
        let section: PersonalSection
        switch type {
        case .clientRegistered, .clientDetailsChanged:
            let name: String? = type == .clientRegistered ? try p.string() : try p.optional { (p) throws(LedgerError) in try p.string() }
            section = .details(name: name, email: try p.optional { (p) throws(LedgerError) in try p.string() },
                               phone: try p.optional { (p) throws(LedgerError) in try p.string() },
                               birthDate: try p.optional { (p) throws(LedgerError) in try CalendarDate(daysSinceEpoch: try p.signed()) })
        case .noteAdded, .documentAttached:
            section = .text(try p.string())
        case .intakeRecorded:
            let count = try p.unsigned()
            var answers: [String: String] = [:]
            for _ in 0..<count { answers[try p.string()] = try p.string() }
            section = .answers(answers)
        default:
            throw LedgerError(.corruptPayload, "\(type.rawValue) has no personal section")
        }
        try p.finish()
        return section
    }

    // MARK: Enumeration codes (stable: never renumber; the client cards use them too)

    package static func consentCode(_ consent: Consent) -> UInt8 {
        switch consent { case .reminders: 1; case .marketing: 2; case .visitNudges: 3 }
    }
    package static func consent(_ code: UInt8) throws(LedgerError) -> Consent {
        switch code {
        case 1: .reminders
        case 2: .marketing
        case 3: .visitNudges
        default: throw LedgerError(.corruptPayload, "a ConsentChanged payload has consent code \(code)")
        }
    }
    package static func channelCode(_ channel: Channel) -> UInt8 {
        switch channel { case .sms: 1; case .email: 2 }
    }
    package static func channel(_ code: UInt8) throws(LedgerError) -> Channel {
        switch code {
        case 1: .sms
        case 2: .email
        default: throw LedgerError(.corruptPayload, "a payload has channel code \(code)")
        }
    }
    private static func accrualCode(_ reason: AccrualReason) -> UInt8 {
        switch reason { case .revenue: 1; case .referral: 2; case .manual: 3 }
    }
    package static func accrual(_ code: UInt8) throws(LedgerError) -> AccrualReason {
        switch code {
        case 1: .revenue
        case 2: .referral
        case 3: .manual
        default: throw LedgerError(.corruptPayload, "a PointsAccrued payload has reason code \(code)")
        }
    }
}
