import EventLog

/// Money in minor units (cents) of the ledger's currency. Never a floating-point number.
public typealias Cents = Int64

/// A calendar date without a time or a time zone (a birth date), `YYYY-MM-DD`.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year, 1 to 9999.
    public let year: Int
    /// The month, 1 to 12.
    public let month: Int
    /// The day of the month, 1 to 28…31.
    public let day: Int

    /// Validates and creates a date; throws ``LedgerError/Code/invalidField`` for an impossible one.
    public init(year: Int, month: Int, day: Int) throws(LedgerError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= Int(Timestamp.daysIn(month: Int64(month), year: Int64(year))) else {
            throw LedgerError(.invalidField, "\(year)-\(month)-\(day) is not a date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init(_ text: String) throws(LedgerError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            throw LedgerError(.invalidField, "\(text) is not a date in the form YYYY-MM-DD")
        }
        try self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01.
    package var daysSinceEpoch: Int64 {
        Timestamp.daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day))
    }

    package init(daysSinceEpoch days: Int64) throws(LedgerError) {
        let civil = Timestamp.civil(fromDays: days)
        try self.init(year: Int(civil.year), month: Int(civil.month), day: Int(civil.day))
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// The three consents a client can give or withdraw, each with its own purpose.
public enum Consent: String, CaseIterable, Hashable, Sendable {
    /// Appointment reminders.
    case reminders
    /// Marketing e-mail (newsletters, offers).
    case marketing
    /// Visit nudges: a message N weeks after the last visit when nothing is booked (advertising,
    /// so it needs its own consent).
    case visitNudges
}

/// How a reminder or nudge is sent.
public enum Channel: String, CaseIterable, Hashable, Sendable {
    /// A text message.
    case sms
    /// An e-mail.
    case email
}

/// Why points were accrued.
public enum AccrualReason: String, CaseIterable, Hashable, Sendable {
    /// Earned on a visit's revenue by the loyalty programme.
    case revenue
    /// A referral bonus: a client this one referred checked out for the first time.
    case referral
    /// Granted by hand.
    case manual
}

/// What a subscription holds: sessions or value credit.
public enum SubscriptionAllowance: Hashable, Sendable {
    /// A bundle of sessions (10 blow-dries).
    case sessions(Int)
    /// Value credit in cents (EUR 200 of credit).
    case credit(Cents)

    /// The amount in the allowance's own unit (sessions or cents).
    public var units: Int64 {
        switch self {
        case .sessions(let count): Int64(count)
        case .credit(let cents): cents
        }
    }

    /// `"sessions"` or `"credit"`, as the interchange contract names the kinds.
    public var kind: String {
        switch self {
        case .sessions: "sessions"
        case .credit: "credit"
        }
    }
}

/// What a subscription use takes: sessions or an amount of credit, matching the subscription's kind.
public enum SubscriptionUsage: Hashable, Sendable {
    /// Sessions taken from a bundle.
    case sessions(Int)
    /// Credit taken, in cents.
    case amount(Cents)

    /// The amount in its own unit (sessions or cents).
    public var units: Int64 {
        switch self {
        case .sessions(let count): Int64(count)
        case .amount(let cents): cents
        }
    }
}
