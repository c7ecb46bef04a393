import EventLog

/// The JSON Lines form of events that crosses the project's boundary (`ledger import`/`export`),
/// exactly as `shared/interchange.md` names types and fields.
///
/// Decoding is strict: an unknown field, a missing required one, a wrong kind of value, a negative
/// amount or an unknown enumeration value is a ``LedgerError`` that names the line and the field, so
/// a typo never silently loses data. Every decoded event has passed ``LedgerEvent/validate()``.
public enum InterchangeCodec {
    /// Decodes one line (`lineNumber` from 1, for messages). Blank lines are the caller's to skip.
    public static func decode(line text: String, lineNumber: Int) throws(LedgerError) -> LedgerEvent {
        try decode(utf8: Array(text.utf8)[...], lineNumber: lineNumber)
    }

    /// Decodes one line from its bytes, which must be UTF-8 (else the error names the byte).
    package static func decode(utf8 line: ArraySlice<UInt8>, lineNumber: Int) throws(LedgerError) -> LedgerEvent {
        do throws(LedgerError) {
            if let bad = invalidUTF8Offset(line) {
                throw LedgerError(.invalidField, "the line is not UTF-8 text (byte \(bad + 1) is not part of a UTF-8 character)")
            }
            let value: JSONValue
            do { value = try JSONValue.parse(utf8: line) } catch { throw LedgerError(.invalidField, "not JSON: \(error.message)") }
            return try decode(value)
        } catch {
            var located = error
            located.line = lineNumber
            throw located
        }
    }

    /// Decodes one event from its parsed JSON object (what a line holds).
    package static func decode(_ value: JSONValue) throws(LedgerError) -> LedgerEvent {
        guard case .object(let members) = value else { throw LedgerError(.invalidField, "a line must be one JSON object") }
        var fields = Fields(members)
        let typeName = try fields.string("type")
        guard let type = LedgerEventType(rawValue: typeName) else {
            throw LedgerError(.unknownEnumValue, "unknown event type \(typeName)", field: "type")
        }
        let event = try decode(type, &fields)
        try fields.finish()
        try event.validate()
        return event
    }

    /// The offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 character
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or `nil`.
    package static func invalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int, lower: UInt8, upper: UInt8
            switch lead {
            case 0xC2...0xDF: (length, lower, upper) = (2, 0x80, 0xBF)
            case 0xE0: (length, lower, upper) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, lower, upper) = (3, 0x80, 0xBF)
            case 0xED: (length, lower, upper) = (3, 0x80, 0x9F)
            case 0xF0: (length, lower, upper) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, lower, upper) = (4, 0x80, 0xBF)
            case 0xF4: (length, lower, upper) = (4, 0x80, 0x8F)
            default: return index - bytes.startIndex
            }
            guard bytes.endIndex - index >= length, (lower...upper).contains(bytes[index + 1]) else { return index - bytes.startIndex }
            for next in (index + 2)..<(index + length) where !(0x80...0xBF).contains(bytes[next]) { return index - bytes.startIndex }
            index += length
        }
        return nil
    }

    private static func decode(_ type: LedgerEventType, _ f: inout Fields) throws(LedgerError) -> LedgerEvent {
        let at = try f.instant("at")
        if type == .salonSettingsChanged {
            let defaults = SalonSettingsChanged.defaults
            return .salonSettingsChanged(SalonSettingsChanged(
                at: at, currency: try f.optionalString("currency") ?? defaults.currency,
                timeZone: try f.optionalString("timeZone") ?? defaults.timeZone,
                reminderLeadMinutes: try f.optionalInt("reminderLeadMinutes").map(Int.init) ?? defaults.reminderLeadMinutes,
                visitNudgeWeeks: try f.optionalInt("visitNudgeWeeks").map(Int.init) ?? defaults.visitNudgeWeeks))
        }
        if type == .loyaltyProgrammeChanged {
            return .loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: at, programme: try f.programme("programme")))
        }
        let client: ClientID = try f.identifier("client")
        switch type {
        case .clientRegistered:
            return .clientRegistered(ClientRegistered(at: at, client: client, name: try f.string("name"), email: try f.optionalString("email"),
                                                      phone: try f.optionalString("phone"), birthDate: try f.optionalDate("birthDate"),
                                                      referredBy: try f.optionalIdentifier("referredBy")))
        case .clientDetailsChanged:
            return .clientDetailsChanged(ClientDetailsChanged(at: at, client: client, name: try f.optionalString("name"), email: try f.optionalString("email"),
                                                              phone: try f.optionalString("phone"), birthDate: try f.optionalDate("birthDate")))
        case .consentChanged:
            let name = try f.string("consent")
            guard let consent = Consent(rawValue: name) else { throw LedgerError(.unknownEnumValue, "unknown consent \(name); known: reminders, marketing, visitNudges", field: "consent") }
            return .consentChanged(ConsentChanged(at: at, client: client, consent: consent, granted: try f.bool("granted"), source: try f.optionalString("source")))
        case .clientArchived:
            return .clientArchived(ClientArchived(at: at, client: client, reason: try f.optionalString("reason")))
        case .clientReactivated:
            return .clientReactivated(ClientReactivated(at: at, client: client, reason: try f.optionalString("reason")))
        case .clientErased:
            return .clientErased(ClientErased(at: at, client: client, reason: try f.optionalString("reason")))
        case .noteAdded:
            return .noteAdded(NoteAdded(at: at, client: client, note: try f.identifier("note"), text: try f.string("text"), alert: try f.bool("alert")))
        case .noteRemoved:
            return .noteRemoved(NoteRemoved(at: at, client: client, note: try f.identifier("note")))
        case .intakeRecorded:
            return .intakeRecorded(IntakeRecorded(at: at, client: client, form: try f.identifier("form"), answers: try f.stringMap("answers")))
        case .documentAttached:
            return .documentAttached(DocumentAttached(at: at, client: client, document: try f.identifier("document"), name: try f.string("name"),
                                                      mediaType: try f.string("mediaType"), sha256: try f.string("sha256"), bytes: try f.int("bytes")))
        case .checkedOut:
            return .checkedOut(CheckedOut(at: at, client: client, visit: try f.identifier("visit"), revenue: try f.int("revenue")))
        case .pointsAccrued:
            let name = try f.string("reason")
            guard let reason = AccrualReason(rawValue: name) else { throw LedgerError(.unknownEnumValue, "unknown reason \(name); known: revenue, referral, manual", field: "reason") }
            return .pointsAccrued(PointsAccrued(at: at, client: client, points: try f.int("points"), reason: reason, visit: try f.optionalIdentifier("visit")))
        case .pointsAdjusted:
            return .pointsAdjusted(PointsAdjusted(at: at, client: client, points: try f.int("points"), reason: try f.string("reason")))
        case .discountRedeemed:
            return .discountRedeemed(DiscountRedeemed(at: at, client: client, points: try f.int("points"), discount: try f.int("discount"), visit: try f.optionalIdentifier("visit")))
        case .subscriptionPurchased:
            let sessions = try f.optionalInt("sessions"), credit = try f.optionalInt("credit")
            let allowance: SubscriptionAllowance
            switch (sessions, credit) {
            case (let count?, nil):
                guard let count = Int(exactly: count) else { throw LedgerError(.invalidAmount, "sessions is out of range", field: "sessions") }
                allowance = .sessions(count)
            case (nil, let cents?): allowance = .credit(cents)
            default: throw LedgerError(.invalidField, "a subscription has exactly one of sessions and credit", field: sessions == nil ? "sessions" : "credit")
            }
            return .subscriptionPurchased(SubscriptionPurchased(at: at, client: client, subscription: try f.identifier("subscription"), plan: try f.string("plan"),
                                                                price: try f.int("price"), allowance: allowance, validUntil: try f.optionalInstant("validUntil")))
        case .subscriptionUsed:
            let sessions = try f.optionalInt("sessions"), amount = try f.optionalInt("amount")
            let usage: SubscriptionUsage
            switch (sessions, amount) {
            case (let count?, nil):
                guard let count = Int(exactly: count) else { throw LedgerError(.invalidAmount, "sessions is out of range", field: "sessions") }
                usage = .sessions(count)
            case (nil, let cents?): usage = .amount(cents)
            default: throw LedgerError(.invalidField, "a use has exactly one of sessions and amount", field: sessions == nil ? "sessions" : "amount")
            }
            return .subscriptionUsed(SubscriptionUsed(at: at, client: client, subscription: try f.identifier("subscription"), usage: usage, visit: try f.optionalIdentifier("visit")))
        case .subscriptionExpired:
            return .subscriptionExpired(SubscriptionExpired(at: at, client: client, subscription: try f.identifier("subscription")))
        case .subscriptionRefunded:
            return .subscriptionRefunded(SubscriptionRefunded(at: at, client: client, subscription: try f.identifier("subscription"), refund: try f.int("refund")))
        case .appointmentBooked:
            let minutes = try f.int("minutes")
            guard let whole = Int(exactly: minutes) else { throw LedgerError(.invalidAmount, "minutes is out of range", field: "minutes") }
            return .appointmentBooked(AppointmentBooked(at: at, client: client, appointment: try f.identifier("appointment"), start: try f.instant("start"),
                                                        minutes: whole, service: try f.string("service")))
        case .appointmentRescheduled:
            return .appointmentRescheduled(AppointmentRescheduled(at: at, client: client, appointment: try f.identifier("appointment"), start: try f.instant("start")))
        case .appointmentCancelled:
            return .appointmentCancelled(AppointmentCancelled(at: at, client: client, appointment: try f.identifier("appointment")))
        case .reminderScheduled:
            return .reminderScheduled(ReminderScheduled(at: at, client: client, appointment: try f.identifier("appointment"), channel: try f.channel("channel"), sendAt: try f.instant("sendAt")))
        case .reminderSent:
            return .reminderSent(ReminderSent(at: at, client: client, appointment: try f.identifier("appointment"), channel: try f.channel("channel")))
        case .visitNudgeSent:
            return .visitNudgeSent(VisitNudgeSent(at: at, client: client, channel: try f.channel("channel")))
        case .salonSettingsChanged, .loyaltyProgrammeChanged:
            throw LedgerError(.invalidField, "unreachable")
        }
    }

    /// Encodes `event` as one line of JSON (no trailing newline), fields in the contract's order.
    public static func encode(_ event: LedgerEvent) -> String {
        var writer = JSONWriter()
        encode(event, to: &writer)
        return writer.text
    }

    /// Appends `event`'s line (no trailing newline) to `writer`: what an export writes, without a
    /// string per line.
    package static func encode(_ event: LedgerEvent, to writer: inout JSONWriter) {
        var o = ObjectWriter(continuing: writer)
        defer { writer = o.finish() }
        o.string("type", event.type.rawValue)
        o.timestamp("at", event.at)
        if let client = event.client { o.string("client", client.rawValue) }
        switch event {
        case .clientRegistered(let e):
            o.string("name", e.name); o.optionalString("email", e.email); o.optionalString("phone", e.phone)
            o.optionalString("birthDate", e.birthDate?.description); o.optionalString("referredBy", e.referredBy?.rawValue)
        case .clientDetailsChanged(let e):
            o.optionalString("name", e.name); o.optionalString("email", e.email); o.optionalString("phone", e.phone)
            o.optionalString("birthDate", e.birthDate?.description)
        case .consentChanged(let e):
            o.string("consent", e.consent.rawValue); o.bool("granted", e.granted); o.optionalString("source", e.source)
        case .clientArchived(let e):
            o.optionalString("reason", e.reason)
        case .clientReactivated(let e):
            o.optionalString("reason", e.reason)
        case .clientErased(let e):
            o.optionalString("reason", e.reason)
        case .noteAdded(let e):
            o.string("note", e.note.rawValue); o.string("text", e.text); o.bool("alert", e.alert)
        case .noteRemoved(let e):
            o.string("note", e.note.rawValue)
        case .intakeRecorded(let e):
            o.string("form", e.form.rawValue)
            var answers = ObjectWriter()
            for (question, answer) in e.answers.sorted(by: { $0.key < $1.key }) { answers.member(named: question, answer) }
            o.raw("answers", answers.finished)
        case .documentAttached(let e):
            o.string("document", e.document.rawValue); o.string("name", e.name); o.string("mediaType", e.mediaType)
            o.string("sha256", e.sha256); o.int("bytes", e.bytes)
        case .checkedOut(let e):
            o.string("visit", e.visit.rawValue); o.int("revenue", e.revenue)
        case .pointsAccrued(let e):
            o.int("points", e.points); o.string("reason", e.reason.rawValue); o.optionalString("visit", e.visit?.rawValue)
        case .pointsAdjusted(let e):
            o.int("points", e.points); o.string("reason", e.reason)
        case .discountRedeemed(let e):
            o.int("points", e.points); o.int("discount", e.discount); o.optionalString("visit", e.visit?.rawValue)
        case .subscriptionPurchased(let e):
            o.string("subscription", e.subscription.rawValue); o.string("plan", e.plan); o.int("price", e.price)
            switch e.allowance {
            case .sessions(let count): o.int("sessions", Int64(count))
            case .credit(let cents): o.int("credit", cents)
            }
            o.optionalString("validUntil", e.validUntil?.description)
        case .subscriptionUsed(let e):
            o.string("subscription", e.subscription.rawValue)
            switch e.usage {
            case .sessions(let count): o.int("sessions", Int64(count))
            case .amount(let cents): o.int("amount", cents)
            }
            o.optionalString("visit", e.visit?.rawValue)
        case .subscriptionExpired(let e):
            o.string("subscription", e.subscription.rawValue)
        case .subscriptionRefunded(let e):
            o.string("subscription", e.subscription.rawValue); o.int("refund", e.refund)
        case .appointmentBooked(let e):
            o.string("appointment", e.appointment.rawValue); o.string("start", e.start.description)
            o.int("minutes", Int64(e.minutes)); o.string("service", e.service)
        case .appointmentRescheduled(let e):
            o.string("appointment", e.appointment.rawValue); o.string("start", e.start.description)
        case .appointmentCancelled(let e):
            o.string("appointment", e.appointment.rawValue)
        case .reminderScheduled(let e):
            o.string("appointment", e.appointment.rawValue); o.string("channel", e.channel.rawValue); o.string("sendAt", e.sendAt.description)
        case .reminderSent(let e):
            o.string("appointment", e.appointment.rawValue); o.string("channel", e.channel.rawValue)
        case .visitNudgeSent(let e):
            o.string("channel", e.channel.rawValue)
        case .salonSettingsChanged(let e):
            o.string("currency", e.currency); o.string("timeZone", e.timeZone)
            o.int("reminderLeadMinutes", Int64(e.reminderLeadMinutes)); o.int("visitNudgeWeeks", Int64(e.visitNudgeWeeks))
        case .loyaltyProgrammeChanged(let e):
            guard let p = e.programme else { o.raw("programme", "null"); break }
            var programme = ObjectWriter()
            programme.int("pointsPerStep", p.pointsPerStep); programme.int("revenueStep", p.revenueStep)
            programme.int("minimumBalanceToRedeem", p.minimumBalanceToRedeem)
            if let cap = p.maximumPointsPerRedemption { programme.int("maximumPointsPerRedemption", cap) }
            var reward = ObjectWriter()
            switch p.reward {
            case .amountPerPoint(let cents): reward.string("kind", "amountPerPoint"); reward.int("centsPerPoint", cents)
            case .percentage(let points, let percent): reward.string("kind", "percentage"); reward.int("points", points); reward.int("percent", Int64(percent))
            }
            programme.raw("reward", reward.finished)
            if let months = p.expiryMonths { programme.int("expiryMonths", Int64(months)) }
            programme.int("referralBonusPoints", p.referralBonusPoints)
            o.raw("programme", programme.finished)
        }
    }
}

/// Writes one JSON object, member by member.
private struct ObjectWriter {
    private var writer: JSONWriter
    private var first = true

    init() { self.init(continuing: JSONWriter()) }

    /// An object written after what `writer` holds.
    init(continuing writer: JSONWriter) {
        self.writer = writer
        self.writer.raw(UInt8(ascii: "{"))
    }

    /// Closes the object; returns the writer with it.
    mutating func finish() -> JSONWriter {
        writer.raw(UInt8(ascii: "}"))
        return writer
    }

    /// A member's name: one of the contract's, which need no escaping, copied as they are.
    mutating func key(_ name: StaticString) {
        writer.raw(first ? UInt8(ascii: "\"") : UInt8(ascii: ","))
        if !first { writer.raw(UInt8(ascii: "\"")) }
        first = false
        name.withUTF8Buffer { writer.raw($0) }
        writer.raw(UInt8(ascii: "\""))
        writer.raw(UInt8(ascii: ":"))
    }
    mutating func string(_ name: StaticString, _ value: String) { key(name); writer.string(value) }
    mutating func optionalString(_ name: StaticString, _ value: String?) { if let value { string(name, value) } }
    mutating func int(_ name: StaticString, _ value: Int64) { key(name); writer.raw(String(value)) }
    mutating func bool(_ name: StaticString, _ value: Bool) { key(name); writer.raw(value ? "true" : "false") }
    mutating func raw(_ name: StaticString, _ json: String) { key(name); writer.raw(json) }
    mutating func timestamp(_ name: StaticString, _ value: Timestamp) {
        key(name)
        writer.raw(UInt8(ascii: "\""))
        writer.raw(value)
        writer.raw(UInt8(ascii: "\""))
    }
    /// A member whose name is data (an intake form's question), escaped as a string.
    mutating func member(named name: String, _ value: String) {
        if !first { writer.raw(UInt8(ascii: ",")) }
        first = false
        writer.string(name)
        writer.raw(UInt8(ascii: ":"))
        writer.string(value)
    }
    var finished: String { writer.text + "}" }
}

/// The members of one JSON object, read by name; whatever is left unread at the end is an unknown field.
private struct Fields {
    /// In the line's order; a member's value is `nil` once read. A line has a few members: looking
    /// one up in a list costs less than hashing each name into a dictionary. (The JSON parser has
    /// refused a name given twice.)
    private var members: [(name: String, value: JSONValue?)]

    init(_ list: [(String, JSONValue)]) {
        members = list.map { ($0.0, $0.1) }
    }

    private mutating func take(_ name: String) -> JSONValue? {
        guard let index = members.firstIndex(where: { $0.value != nil && $0.name == name }) else { return nil }
        defer { members[index].value = nil }
        return members[index].value
    }

    /// The first member nobody read, the names sorted.
    private var firstUnread: String? {
        members.lazy.filter { $0.value != nil }.map(\.name).min()
    }

    private func wrongKind(_ name: String, _ expected: String) -> LedgerError {
        LedgerError(.invalidField, "field \(name) must be \(expected)", field: name)
    }

    private func missing(_ name: String) -> LedgerError {
        // A required field that is missing beside one nobody knows is most likely a typo of it.
        if let unknown = firstUnread {
            return LedgerError(.invalidField, "unknown field \(unknown) (and field \(name), which this event needs, is missing)", field: unknown)
        }
        return LedgerError(.invalidField, "field \(name) is required", field: name)
    }

    mutating func optionalString(_ name: String) throws(LedgerError) -> String? {
        switch take(name) {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw wrongKind(name, "a string")
        }
    }
    mutating func string(_ name: String) throws(LedgerError) -> String {
        guard let value = try optionalString(name) else { throw missing(name) }
        return value
    }
    mutating func optionalInt(_ name: String) throws(LedgerError) -> Int64? {
        switch take(name) {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        case .fraction(let text)?: throw LedgerError(.invalidAmount, "field \(name) must be a whole number (cents, points, sessions); got \(text)", field: name)
        default: throw wrongKind(name, "a whole number")
        }
    }
    mutating func int(_ name: String) throws(LedgerError) -> Int64 {
        guard let value = try optionalInt(name) else { throw missing(name) }
        return value
    }
    mutating func bool(_ name: String) throws(LedgerError) -> Bool {
        switch take(name) {
        case nil, .null?: throw missing(name)
        case .bool(let value)?: return value
        default: throw wrongKind(name, "true or false")
        }
    }
    mutating func optionalInstant(_ name: String) throws(LedgerError) -> Timestamp? {
        guard let text = try optionalString(name) else { return nil }
        guard text.hasSuffix("Z"), let instant = Timestamp(rfc3339: text) else {
            throw LedgerError(.invalidField, "field \(name) must be an RFC 3339 instant in UTC ending in Z; got \(text)", field: name)
        }
        return instant
    }
    mutating func instant(_ name: String) throws(LedgerError) -> Timestamp {
        guard let value = try optionalInstant(name) else { throw missing(name) }
        return value
    }
    mutating func optionalDate(_ name: String) throws(LedgerError) -> CalendarDate? {
        guard let text = try optionalString(name) else { return nil }
        do { return try CalendarDate(text) } catch {
            var located = error
            located.field = name
            throw located
        }
    }
    mutating func optionalIdentifier<Kind>(_ name: String) throws(LedgerError) -> Identifier<Kind>? {
        guard let text = try optionalString(name) else { return nil }
        do { return try Identifier<Kind>(text) } catch {
            var located = error
            located.field = name
            throw located
        }
    }
    mutating func identifier<Kind>(_ name: String) throws(LedgerError) -> Identifier<Kind> {
        guard let value: Identifier<Kind> = try optionalIdentifier(name) else { throw missing(name) }
        return value
    }
    mutating func channel(_ name: String) throws(LedgerError) -> Channel {
        let text = try string(name)
        guard let channel = Channel(rawValue: text) else { throw LedgerError(.unknownEnumValue, "unknown channel \(text); known: sms, email", field: name) }
        return channel
    }
    mutating func stringMap(_ name: String) throws(LedgerError) -> [String: String] {
        guard let value = take(name) else { throw missing(name) }
        guard case .object(let list) = value else { throw wrongKind(name, "an object of strings") }
        var map: [String: String] = [:]
        for (key, item) in list {
            guard case .string(let text) = item else { throw wrongKind("\(name).\(key)", "a string") }
            map[key] = text
        }
        return map
    }
    mutating func programme(_ name: String) throws(LedgerError) -> LoyaltyProgramme? {
        guard let value = take(name) else { throw missing(name) }
        if value == .null { return nil }
        guard case .object(let list) = value else { throw wrongKind(name, "an object or null") }
        var p = Fields(list)
        let rewardValue = p.take("reward")
        guard case .object(let rewardList)? = rewardValue else { throw wrongKind("reward", "an object with kind") }
        var r = Fields(rewardList)
        let kind = try r.string("kind")
        let reward: LoyaltyProgramme.Reward
        switch kind {
        case "amountPerPoint": reward = .amountPerPoint(try r.int("centsPerPoint"))
        case "percentage":
            let percent = try r.int("percent")
            guard let whole = Int(exactly: percent) else { throw LedgerError(.invalidAmount, "percent is out of range", field: "percent") }
            reward = .percentage(points: try r.int("points"), percent: whole)
        default: throw LedgerError(.unknownEnumValue, "unknown reward kind \(kind); known: amountPerPoint, percentage", field: "reward.kind")
        }
        try r.finish()
        let programme = LoyaltyProgramme(
            pointsPerStep: try p.int("pointsPerStep"), revenueStep: try p.int("revenueStep"),
            minimumBalanceToRedeem: try p.int("minimumBalanceToRedeem"), maximumPointsPerRedemption: try p.optionalInt("maximumPointsPerRedemption"),
            reward: reward, expiryMonths: try p.optionalInt("expiryMonths").flatMap { Int(exactly: $0) },
            referralBonusPoints: try p.int("referralBonusPoints"))
        try p.finish()
        return programme
    }

    /// Throws for the first field nobody read: a field this event type does not have.
    func finish() throws(LedgerError) {
        if let unknown = firstUnread {
            throw LedgerError(.invalidField, "unknown field \(unknown)", field: unknown)
        }
    }
}
