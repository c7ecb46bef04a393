import EventLog

/// A visit paid at the till.
public struct CheckedOut: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The visit.
    public var visit: VisitID
    /// Revenue in cents, after discounts.
    public var revenue: Cents

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, visit: VisitID, revenue: Cents) {
        self.at = at; self.client = client; self.visit = visit; self.revenue = revenue
    }
}

/// Loyalty points earned: the outcome, not the formula.
public struct PointsAccrued: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Points earned, more than zero.
    public var points: Int64
    /// Why.
    public var reason: AccrualReason
    /// The visit that earned them, if any.
    public var visit: VisitID?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, points: Int64, reason: AccrualReason, visit: VisitID? = nil) {
        self.at = at; self.client = client; self.points = points; self.reason = reason; self.visit = visit
    }
}

/// Points corrected by hand, always with a reason.
public struct PointsAdjusted: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Points added (positive) or taken (negative); never zero.
    public var points: Int64
    /// Why, in words (required).
    public var reason: String

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, points: Int64, reason: String) {
        self.at = at; self.client = client; self.points = points; self.reason = reason
    }
}

/// Points spent on a discount.
public struct DiscountRedeemed: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Points spent, more than zero and at most the balance.
    public var points: Int64
    /// The discount granted, in cents.
    public var discount: Cents
    /// The visit it was granted on, if any.
    public var visit: VisitID?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, points: Int64, discount: Cents, visit: VisitID? = nil) {
        self.at = at; self.client = client; self.points = points; self.discount = discount; self.visit = visit
    }
}

/// A prepaid subscription sold: value credit or a bundle of sessions.
public struct SubscriptionPurchased: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The subscription.
    public var subscription: SubscriptionID
    /// The plan's name, such as "10 blow-dries".
    public var plan: String
    /// The price paid, in cents.
    public var price: Cents
    /// What it holds.
    public var allowance: SubscriptionAllowance
    /// The last instant it may be used, if it expires.
    public var validUntil: Timestamp?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, subscription: SubscriptionID, plan: String, price: Cents,
                allowance: SubscriptionAllowance, validUntil: Timestamp? = nil) {
        self.at = at; self.client = client; self.subscription = subscription; self.plan = plan
        self.price = price; self.allowance = allowance; self.validUntil = validUntil
    }
}

/// Sessions or credit taken from a subscription.
public struct SubscriptionUsed: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The subscription.
    public var subscription: SubscriptionID
    /// What was taken; at most what remains.
    public var usage: SubscriptionUsage
    /// The visit it paid for, if any.
    public var visit: VisitID?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, subscription: SubscriptionID, usage: SubscriptionUsage, visit: VisitID? = nil) {
        self.at = at; self.client = client; self.subscription = subscription; self.usage = usage; self.visit = visit
    }
}

/// A subscription expired; what was left is breakage.
public struct SubscriptionExpired: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The subscription.
    public var subscription: SubscriptionID

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, subscription: SubscriptionID) {
        self.at = at; self.client = client; self.subscription = subscription
    }
}

/// A subscription ended with money paid back.
public struct SubscriptionRefunded: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The subscription.
    public var subscription: SubscriptionID
    /// Cash paid back, in cents.
    public var refund: Cents

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, subscription: SubscriptionID, refund: Cents) {
        self.at = at; self.client = client; self.subscription = subscription; self.refund = refund
    }
}
