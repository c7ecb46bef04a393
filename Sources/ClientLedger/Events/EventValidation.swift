import EventLog
import Foundation

extension LedgerEvent {
    /// Checks the event's own fields against the interchange contract: no negative money, counts
    /// that must be positive are, texts that are required are there, formats (E.164 phone, SHA-256
    /// hex, ISO 4217 currency) hold. Throws ``LedgerError`` naming the field. Rules that need the
    /// client's history (a balance, what remains) are the commands' business.
    public func validate() throws(LedgerError) {
        switch self {
        case .clientRegistered(let e):
            try Check.text(e.name, "name")
            try Check.email(e.email); try Check.phone(e.phone)
            if e.referredBy == e.client { throw LedgerError(.invalidField, "a client cannot refer themselves", field: "referredBy") }
        case .clientDetailsChanged(let e):
            guard e.name != nil || e.email != nil || e.phone != nil || e.birthDate != nil else {
                throw LedgerError(.invalidField, "ClientDetailsChanged must change at least one of name, email, phone, birthDate", field: "name")
            }
            if let name = e.name { try Check.text(name, "name") }
            try Check.email(e.email); try Check.phone(e.phone)
        case .consentChanged(let e):
            try Check.optionalText(e.source, "source")
        case .clientArchived(let e):
            try Check.optionalText(e.reason, "reason")
        case .clientReactivated(let e):
            try Check.optionalText(e.reason, "reason")
        case .clientErased(let e):
            try Check.optionalText(e.reason, "reason")
        case .noteAdded(let e):
            try Check.text(e.text, "text")
        case .intakeRecorded(let e):
            guard !e.answers.isEmpty else { throw LedgerError(.invalidField, "an intake form needs at least one answer", field: "answers") }
            guard e.answers.count <= 100 else { throw LedgerError(.invalidField, "an intake form holds at most 100 answers; got \(e.answers.count)", field: "answers") }
            for (question, answer) in e.answers {
                try Check.text(question, "answers")
                try Check.optionalText(answer, "answers")
            }
        case .documentAttached(let e):
            try Check.text(e.name, "name")
            guard e.mediaType.contains("/"), e.mediaType.utf8.count <= 255 else {
                throw LedgerError(.invalidField, "mediaType \(e.mediaType) is not a media type such as application/pdf", field: "mediaType")
            }
            guard e.sha256.utf8.count == 64, e.sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw LedgerError(.invalidField, "sha256 must be 64 lower-case hexadecimal digits", field: "sha256")
            }
            try Check.notNegative(e.bytes, "bytes")
        case .checkedOut(let e):
            try Check.notNegative(e.revenue, "revenue")
        case .pointsAccrued(let e):
            try Check.positive(e.points, "points")
        case .pointsAdjusted(let e):
            guard e.points != 0 else { throw LedgerError(.invalidAmount, "a points adjustment cannot be zero", field: "points") }
            try Check.positive(e.points.magnitude > UInt64(Int64.max) ? Int64.max : Int64(e.points.magnitude), "points")
            try Check.text(e.reason, "reason")
        case .discountRedeemed(let e):
            try Check.positive(e.points, "points"); try Check.notNegative(e.discount, "discount")
        case .subscriptionPurchased(let e):
            try Check.text(e.plan, "plan"); try Check.notNegative(e.price, "price")
            switch e.allowance {
            case .sessions(let count): try Check.positive(Int64(count), "sessions")
            case .credit(let cents): try Check.positive(cents, "credit")
            }
            if let validUntil = e.validUntil, validUntil < e.at {
                throw LedgerError(.invalidField, "validUntil \(validUntil) is before the purchase at \(e.at)", field: "validUntil")
            }
        case .subscriptionUsed(let e):
            switch e.usage {
            case .sessions(let count): try Check.positive(Int64(count), "sessions")
            case .amount(let cents): try Check.positive(cents, "amount")
            }
        case .subscriptionRefunded(let e):
            try Check.notNegative(e.refund, "refund")
        case .appointmentBooked(let e):
            try Check.positive(Int64(e.minutes), "minutes"); try Check.atMost(Int64(e.minutes), 60 * 24 * 7, "minutes")
            try Check.text(e.service, "service")
        case .salonSettingsChanged(let e):
            guard e.currency.utf8.count == 3, e.currency.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
                throw LedgerError(.invalidField, "currency \(e.currency) is not an ISO 4217 code such as EUR", field: "currency")
            }
            try Check.text(e.timeZone, "timeZone")
            // A zone this machine does not know would break every query that places a plain date.
            guard TimeZone(identifier: e.timeZone) != nil else {
                throw LedgerError(.invalidField, "timeZone \(e.timeZone) is not a time zone this machine knows (an IANA name such as Europe/Berlin)", field: "timeZone")
            }
            try Check.notNegative(Int64(e.reminderLeadMinutes), "reminderLeadMinutes")
            try Check.atMost(Int64(e.reminderLeadMinutes), 60 * 24 * 365, "reminderLeadMinutes")
            try Check.positive(Int64(e.visitNudgeWeeks), "visitNudgeWeeks")
            try Check.atMost(Int64(e.visitNudgeWeeks), 520, "visitNudgeWeeks")
        case .loyaltyProgrammeChanged(let e):
            guard let p = e.programme else { return }
            try Check.positive(p.pointsPerStep, "pointsPerStep"); try Check.positive(p.revenueStep, "revenueStep")
            try Check.notNegative(p.minimumBalanceToRedeem, "minimumBalanceToRedeem")
            if let cap = p.maximumPointsPerRedemption { try Check.positive(cap, "maximumPointsPerRedemption") }
            switch p.reward {
            case .amountPerPoint(let cents): try Check.positive(cents, "centsPerPoint")
            case .percentage(let points, let percent):
                try Check.positive(points, "rewardPoints")
                guard (1...100).contains(percent) else { throw LedgerError(.invalidAmount, "percent must be 1 to 100; got \(percent)", field: "percent") }
            }
            if let months = p.expiryMonths { try Check.positive(Int64(months), "expiryMonths"); try Check.atMost(Int64(months), 1_200, "expiryMonths") }
            try Check.notNegative(p.referralBonusPoints, "referralBonusPoints")
        case .noteRemoved,
             .subscriptionExpired, .appointmentRescheduled, .appointmentCancelled,
             .reminderScheduled, .reminderSent, .visitNudgeSent:
            break
        }
    }
}

/// Field checks shared by validation and the interchange codec.
package enum Check {
    package static func text(_ value: String, _ field: String) throws(LedgerError) {
        guard !value.allSatisfy(\.isWhitespace) else { throw LedgerError(.invalidField, "\(field) must not be empty", field: field) }
        try optionalText(value, field)
    }

    /// A text that may be empty, at most 4096 UTF-8 bytes.
    package static func optionalText(_ value: String?, _ field: String) throws(LedgerError) {
        guard let value else { return }
        guard value.utf8.count <= 4096 else { throw LedgerError(.invalidField, "\(field) is longer than 4096 UTF-8 bytes", field: field) }
    }

    /// Not negative, and at most ``Money/maximumAmount`` (so no sum or product overflows).
    package static func notNegative(_ value: Int64, _ field: String) throws(LedgerError) {
        guard value >= 0 else { throw LedgerError(.invalidAmount, "\(field) must not be negative; got \(value)", field: field) }
        guard value <= Money.maximumAmount else { throw LedgerError(.invalidAmount, "\(field) is beyond what the ledger holds; got \(value)", field: field) }
    }

    /// More than zero, and at most ``Money/maximumAmount``.
    package static func positive(_ value: Int64, _ field: String) throws(LedgerError) {
        guard value > 0 else { throw LedgerError(.invalidAmount, "\(field) must be more than zero; got \(value)", field: field) }
        guard value <= Money.maximumAmount else { throw LedgerError(.invalidAmount, "\(field) is beyond what the ledger holds; got \(value)", field: field) }
    }

    package static func atMost(_ value: Int64, _ limit: Int64, _ field: String) throws(LedgerError) {
        guard value <= limit else { throw LedgerError(.invalidAmount, "\(field) may be at most \(limit); got \(value)", field: field) }
    }

    package static func email(_ value: String?) throws(LedgerError) {
        guard let value else { return }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(" "), value.utf8.count <= 254 else {
            throw LedgerError(.invalidField, "email \(value) is not an e-mail address", field: "email")
        }
    }

    /// E.164: a `+`, then 8 to 15 digits, the first not zero.
    package static func phone(_ value: String?) throws(LedgerError) {
        guard let value else { return }
        let digits = value.utf8.dropFirst()
        guard value.utf8.first == UInt8(ascii: "+"), (8...15).contains(digits.count), digits.first != UInt8(ascii: "0"),
              digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw LedgerError(.invalidField, "phone \(value) is not in E.164 form (+ and 8 to 15 digits)", field: "phone")
        }
    }
}
