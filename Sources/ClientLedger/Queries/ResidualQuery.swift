import EventLog

/// What the prepaid subscriptions are still worth as of an instant: the contract liability.
public struct ResidualReport: Hashable, Sendable {
    /// One subscription with a residual value above zero.
    public struct Line: Hashable, Sendable, Codable {
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
    public struct Figures: Hashable, Sendable, Codable {
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

        /// Whether opening + sold − used − expired − refunded equals closing (computed in 128 bits).
        public var addsUp: Bool {
            Int128(opening) + Int128(sold) - Int128(used) - Int128(expired) - Int128(refunded) == Int128(closing)
        }

        /// Figures as given; all zero by default.
        public init(opening: Cents = 0, sold: Cents = 0, used: Cents = 0, expired: Cents = 0, refunded: Cents = 0,
                    closing: Cents = 0, refundedCash: Cents = 0) {
            self.opening = opening; self.sold = sold; self.used = used; self.expired = expired
            self.refunded = refunded; self.closing = closing; self.refundedCash = refundedCash
        }

        /// These figures plus `other`'s (to sum years of sale, or periods); throws
        /// ``LedgerError/Code/amountOutOfRange`` if a sum does not fit.
        public func adding(_ other: Figures) throws(LedgerError) -> Figures {
            var wide = WideFigures()
            wide.add(self)
            wide.add(other)
            return try wide.figures("the sum of two roll-forwards")
        }
    }

    /// Roll-forward figures summed in 128 bits: no number of subscriptions can overflow the sums;
    /// converted back to ``Figures`` (and checked) once at the end.
    package struct WideFigures {
        var opening: Int128 = 0, sold: Int128 = 0, used: Int128 = 0, expired: Int128 = 0
        var refunded: Int128 = 0, closing: Int128 = 0, refundedCash: Int128 = 0

        package init() {}

        package mutating func add(_ figures: Figures) {
            opening += Int128(figures.opening); sold += Int128(figures.sold); used += Int128(figures.used)
            expired += Int128(figures.expired); refunded += Int128(figures.refunded); closing += Int128(figures.closing)
            refundedCash += Int128(figures.refundedCash)
        }

        package func figures(_ what: String) throws(LedgerError) -> Figures {
            Figures(opening: try Money.total(opening, "the opening residual value of \(what)"), sold: try Money.total(sold, "the residual value sold in \(what)"),
                    used: try Money.total(used, "the residual value used in \(what)"), expired: try Money.total(expired, "the residual value expired in \(what)"),
                    refunded: try Money.total(refunded, "the residual value refunded in \(what)"),
                    closing: try Money.total(closing, "the closing residual value of \(what)"),
                    refundedCash: try Money.total(refundedCash, "the cash refunded in \(what)"))
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
    /// Totals are added up in 128 bits; one that does not fit an `Int64` throws
    /// ``LedgerError/Code/amountOutOfRange``.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func residualValue(asOf: Timestamp = .now) async throws(LedgerError) -> ResidualReport {
        try await observation.query("residualValue") { () throws(LedgerError) -> ResidualReport in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> ResidualReport in try readResidualValue(asOf: asOf) }
        }
    }

    /// ``residualValue(asOf:)``, read on the calling thread: from the subscription index when it
    /// answers (see ``QueryIndex``), else from every card.
    package func readResidualValue(asOf: Timestamp) throws(LedgerError) -> ResidualReport {
        var lines: [ResidualReport.Line]
        if let indexed = try indexedResidualLines(asOf: asOf) {
            lines = indexed
        } else {
            lines = try scannedResidualLines(asOf: asOf)
        }
        lines.sort { ($0.client, $0.subscription) < ($1.client, $1.subscription) }
        var perClient: [ClientID: Int128] = [:]
        var total: Int128 = 0
        for line in lines {
            perClient[line.client, default: 0] += Int128(line.residualValue)
            total += Int128(line.residualValue)
        }
        var clients: [ClientID: Cents] = [:]
        for (client, value) in perClient { clients[client] = try Money.total(value, "the residual value of client \(client)") }
        return ResidualReport(asOf: asOf, total: try Money.total(total, "the residual value of all subscriptions"), subscriptions: lines, perClient: clients)
    }

    /// The subscriptions with a residual value above zero as of `asOf`, from every card.
    package func scannedResidualLines(asOf: Timestamp) throws(LedgerError) -> [ResidualReport.Line] {
        var lines: [ResidualReport.Line] = []
        try forEachCard { client, card in
            for subscription in card.subscriptions where subscription.purchasedAt <= asOf {
                let standing = subscription.standing(asOf: asOf)
                guard standing.residual > 0 else { continue }
                lines.append(.init(client: client, subscription: SubscriptionID(unchecked: subscription.id), plan: subscription.plan,
                                   kind: subscription.allowance.kind, remaining: standing.remaining, residualValue: standing.residual,
                                   purchasedAt: subscription.purchasedAt))
            }
        }
        return lines
    }

    /// The roll-forward of the residual value from `from` (exclusive) to `to` (inclusive): the state as
    /// of `from`, moved by the events with `from < at ≤ to` in log order, closing on the state as of `to`.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func rollForward(from: Timestamp, to: Timestamp) async throws(LedgerError) -> RollForward {
        try await observation.query("rollForward") { () throws(LedgerError) -> RollForward in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> RollForward in try readRollForward(from: from, to: to) }
        }
    }

    /// ``rollForward(from:to:)``, read on the calling thread.
    package func readRollForward(from: Timestamp, to: Timestamp) throws(LedgerError) -> RollForward {
        guard from <= to else { throw LedgerError(.invalidField, "the period starts at \(from), after its end \(to)", field: "from") }
        var total = RollForward.WideFigures()
        var byYear: [Int: RollForward.WideFigures] = [:]
        try forEachCard { _, card in
            for subscription in card.subscriptions where subscription.purchasedAt <= to {
                let figures = subscription.rollForward(from: from, to: to)
                total.add(figures)
                let year = Int(Timestamp.civil(fromDays: subscription.purchasedAt.daysSinceEpoch).year)
                byYear[year, default: .init()].add(figures)
            }
        }
        var years: [Int: RollForward.Figures] = [:]
        for (year, figures) in byYear { years[year] = try figures.figures("the subscriptions sold in \(year)") }
        return RollForward(from: from, to: to, total: try total.figures("all subscriptions"), byYearSold: years)
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
                if entry.kind == 1 { remaining = remaining.saturatingAdding(-entry.units) } else { ended = true }
            }
            figures.opening = residual(remaining: remaining, ended: ended)
        } else {
            figures.sold = price
        }
        // Moved by the entries dated in the period, in log order.
        for entry in history where entry.at > from && entry.at <= to {
            let before = residual(remaining: remaining, ended: ended)
            if entry.kind == 1 { remaining = remaining.saturatingAdding(-entry.units) } else { ended = true }
            // Within one subscription every figure is at most its price (the rules keep it so);
            // saturating, so that figures of a rewritten log are capped rather than trap.
            let released = before.saturatingAdding(-residual(remaining: remaining, ended: ended))
            switch entry.kind {
            case 1: figures.used = figures.used.saturatingAdding(released)
            case 2: figures.expired = figures.expired.saturatingAdding(released)
            default:
                figures.refunded = figures.refunded.saturatingAdding(released)
                figures.refundedCash = figures.refundedCash.saturatingAdding(entry.refund)
            }
        }
        figures.closing = residual(remaining: remaining, ended: ended)
        return figures
    }
}
