import EventLog

/// What the prepaid subscriptions are still worth as of an instant: the contract liability.
public struct ResidualReport: Hashable, Sendable {
    /// One subscription with a residual value above zero.
    public struct Line: Hashable, Sendable {
        /// The client.
        public let client: ClientID
        /// The subscription.
        public let subscription: SubscriptionID
        /// Its plan.
        public let plan: String
        /// `"sessions"` or `"credit"`.
        public let kind: String
        /// Sessions or credit cents left as of the instant.
        public let remaining: Int64
        /// `price × remaining / total`, rounded half away from zero to the cent.
        public let residualValue: Cents
        /// When it was bought.
        public let purchasedAt: Timestamp
    }

    /// The instant: every event with `at` at or before it counts, in log order.
    public let asOf: Timestamp
    /// The sum of every subscription's residual value.
    public let total: Cents
    /// The subscriptions with a residual value above zero, by client then subscription.
    public let subscriptions: [Line]
    /// The residual value per client (clients with a value above zero).
    public let perClient: [ClientID: Cents]
}

/// How the liability moved from one instant to another, to the cent:
/// `opening + sold − used − expired − refunded = closing`.
public struct RollForward: Hashable, Sendable {
    /// The figures of a roll-forward (of all subscriptions, or of those sold in one year).
    public struct Figures: Hashable, Sendable {
        /// Residual value as of `from`.
        public var opening: Cents = 0
        /// Prices of the subscriptions bought after `from`, up to `to`.
        public var sold: Cents = 0
        /// Residual released by uses (residual before − residual after each use).
        public var used: Cents = 0
        /// Residual released by expiries (breakage).
        public var expired: Cents = 0
        /// Residual released by refunds.
        public var refunded: Cents = 0
        /// Residual value as of `to`.
        public var closing: Cents = 0
        /// The cash paid back by those refunds (reported beside `refunded`).
        public var refundedCash: Cents = 0

        /// Whether opening + sold − used − expired − refunded equals closing.
        public var addsUp: Bool { opening + sold - used - expired - refunded == closing }

        /// Figures as given; all zero by default.
        public init(opening: Cents = 0, sold: Cents = 0, used: Cents = 0, expired: Cents = 0, refunded: Cents = 0,
                    closing: Cents = 0, refundedCash: Cents = 0) {
            self.opening = opening; self.sold = sold; self.used = used; self.expired = expired
            self.refunded = refunded; self.closing = closing; self.refundedCash = refundedCash
        }

        /// Adds `other`'s figures to these (to sum years of sale, or periods).
        public mutating func add(_ other: Figures) {
            opening += other.opening; sold += other.sold; used += other.used; expired += other.expired
            refunded += other.refunded; closing += other.closing; refundedCash += other.refundedCash
        }
    }

    /// The start of the period (exclusive): the opening is the state as of it.
    public let from: Timestamp
    /// The end of the period (inclusive).
    public let to: Timestamp
    /// All subscriptions.
    public let total: Figures
    /// Split by the calendar year (UTC) in which each subscription was sold.
    public let byYearSold: [Int: Figures]
}

extension SalonLedger {
    /// The residual value of every subscription as of `asOf`, per client and in total.
    public func residualValue(asOf: Timestamp = .now) throws(LedgerError) -> ResidualReport {
        var lines: [ResidualReport.Line] = []
        var perClient: [ClientID: Cents] = [:]
        try forEachCard { client, card in
            for subscription in card.subscriptions where subscription.purchasedAt <= asOf {
                let standing = subscription.standing(asOf: asOf)
                guard standing.residual > 0 else { continue }
                lines.append(.init(client: client, subscription: SubscriptionID(unchecked: subscription.id), plan: subscription.plan,
                                   kind: subscription.allowance.kind, remaining: standing.remaining, residualValue: standing.residual,
                                   purchasedAt: subscription.purchasedAt))
                perClient[client, default: 0] += standing.residual
            }
        }
        return ResidualReport(asOf: asOf, total: lines.reduce(0) { $0 + $1.residualValue }, subscriptions: lines, perClient: perClient)
    }

    /// The roll-forward of the residual value from `from` (exclusive) to `to` (inclusive): the state as
    /// of `from`, moved by the events with `from < at ≤ to` in log order, closing on the state as of `to`.
    public func rollForward(from: Timestamp, to: Timestamp) throws(LedgerError) -> RollForward {
        guard from <= to else { throw LedgerError(.invalidField, "the period starts at \(from), after its end \(to)", field: "from") }
        var total = RollForward.Figures()
        var byYear: [Int: RollForward.Figures] = [:]
        try forEachCard { _, card in
            for subscription in card.subscriptions where subscription.purchasedAt <= to {
                let figures = subscription.rollForward(from: from, to: to)
                total.add(figures)
                let year = Int(Timestamp.civil(fromDays: subscription.purchasedAt.daysSinceEpoch).year)
                byYear[year, default: .init()].add(figures)
            }
        }
        return RollForward(from: from, to: to, total: total, byYearSold: byYear)
    }
}

extension CardRecord.Subscription {
    /// This subscription's share of a roll-forward from `from` to `to`.
    package func rollForward(from: Timestamp, to: Timestamp) -> RollForward.Figures {
        var figures = RollForward.Figures()
        let total = allowance.units
        // The state as of `from`: the purchase and every entry dated at or before it, in log order.
        var remaining = total
        var ended = false
        let boughtBefore = purchasedAt <= from
        if boughtBefore {
            for entry in history where entry.at <= from {
                if entry.kind == 1 { remaining -= entry.units } else { ended = true }
            }
            figures.opening = residual(remaining: remaining, ended: ended)
        } else {
            figures.sold = price
        }
        // Moved by the entries dated in the period, in log order.
        for entry in history where entry.at > from && entry.at <= to {
            let before = residual(remaining: remaining, ended: ended)
            if entry.kind == 1 { remaining -= entry.units } else { ended = true }
            let released = before - residual(remaining: remaining, ended: ended)
            switch entry.kind {
            case 1: figures.used += released
            case 2: figures.expired += released
            default: figures.refunded += released; figures.refundedCash += entry.refund
            }
        }
        figures.closing = residual(remaining: remaining, ended: ended)
        return figures
    }
}
