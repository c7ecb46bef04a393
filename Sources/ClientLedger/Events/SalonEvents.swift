import EventLog

/// How the salon works: recorded as an event in the salon stream, so that a replay applies the
/// settings that were in force at the time.
public struct SalonSettingsChanged: Hashable, Sendable {
    /// When the settings took effect.
    public var at: Timestamp
    /// ISO 4217 code of the ledger's currency (default `EUR`); amounts are in its minor units.
    public var currency: String
    /// The salon's IANA time zone, such as `Europe/Berlin` (default `UTC`).
    public var timeZone: String
    /// How long before an appointment a reminder is sent, in minutes (default 1440: 24 hours).
    public var reminderLeadMinutes: Int
    /// After how many weeks without a visit a nudge is due (default 6).
    public var visitNudgeWeeks: Int

    /// Creates the event.
    public init(at: Timestamp, currency: String = "EUR", timeZone: String = "UTC", reminderLeadMinutes: Int = 1440, visitNudgeWeeks: Int = 6) {
        self.at = at; self.currency = currency; self.timeZone = timeZone
        self.reminderLeadMinutes = reminderLeadMinutes; self.visitNudgeWeeks = visitNudgeWeeks
    }

    /// The settings of a salon that never changed them.
    public static let defaults = SalonSettingsChanged(at: Timestamp(microsecondsSinceEpoch: 0))
}

/// A loyalty programme, as Belbo and Phorest offer them: points by revenue, a minimum balance to
/// redeem, rewards as a fixed amount or a percentage, an optional expiry, a referral bonus.
public struct LoyaltyProgramme: Hashable, Sendable {
    /// What a redemption gives.
    public enum Reward: Hashable, Sendable {
        /// Each point is worth this many cents of discount.
        case amountPerPoint(Cents)
        /// Spending `points` points gives `percent` percent off the visit's amount, rounded half
        /// away from zero to the cent.
        case percentage(points: Int64, percent: Int)
    }

    /// Points earned per ``revenueStep`` of revenue (for example 1).
    public var pointsPerStep: Int64
    /// The revenue, in cents, that earns ``pointsPerStep`` points (for example 100: one point per
    /// euro). Points are whole: revenue is divided by the step and rounded down.
    public var revenueStep: Cents
    /// The smallest balance from which points may be redeemed.
    public var minimumBalanceToRedeem: Int64
    /// The most points one redemption may spend, if capped.
    public var maximumPointsPerRedemption: Int64?
    /// What a redemption gives.
    public var reward: Reward
    /// Points expire this many months after they were earned, if they expire at all. The expiry is
    /// recorded as a `PointsAdjusted` event when it happens; the rule never rewrites history.
    public var expiryMonths: Int?
    /// Points given to the referrer when a referred client checks out for the first time.
    public var referralBonusPoints: Int64

    /// Creates a programme.
    public init(pointsPerStep: Int64 = 1, revenueStep: Cents = 100, minimumBalanceToRedeem: Int64 = 0,
                maximumPointsPerRedemption: Int64? = nil, reward: Reward = .amountPerPoint(5),
                expiryMonths: Int? = nil, referralBonusPoints: Int64 = 100) {
        self.pointsPerStep = pointsPerStep; self.revenueStep = revenueStep
        self.minimumBalanceToRedeem = minimumBalanceToRedeem; self.maximumPointsPerRedemption = maximumPointsPerRedemption
        self.reward = reward; self.expiryMonths = expiryMonths; self.referralBonusPoints = referralBonusPoints
    }
}

/// The salon's loyalty programme changed. Points already earned are never recomputed.
public struct LoyaltyProgrammeChanged: Hashable, Sendable {
    /// When the programme took effect.
    public var at: Timestamp
    /// The programme from then on; `nil` ends the programme (no more points are earned).
    public var programme: LoyaltyProgramme?

    /// Creates the event.
    public init(at: Timestamp, programme: LoyaltyProgramme?) {
        self.at = at; self.programme = programme
    }
}
