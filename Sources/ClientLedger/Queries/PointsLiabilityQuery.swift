import EventLog

/// The loyalty points as a liability over a period: the points the clients hold, what they earned,
/// redeemed, lost to expiry and had adjusted, in points and in money — the roll-forward an
/// accountant books the loyalty programme with (as Zenoti's loyalty-liability report does).
///
/// In points: `opening + earned − redeemed − expired + adjusted = closing`, always. In money, each
/// point is worth what the loyalty programme in force gives for it (an amount-per-point reward;
/// a percentage reward has no fixed value, and counts as 0): the opening balance at the
/// programme in force at `from`, each movement at the one in force on its date, the closing balance
/// at the one in force at `to`; ``revaluation`` is what a change of the point's value in the period
/// did to the balance, so that the money roll-forward adds up as well. No rounding: a point's value
/// is whole cents.
public struct PointsLiability: Hashable, Sendable {
    /// One roll-forward: in points, or in cents.
    public struct Figures: Hashable, Sendable, Codable {
        /// The balance at the start of the period (`from`, exclusive: everything dated at or before it).
        public let opening: Int64
        /// Points earned in the period (`PointsAccrued`: visits, referrals, bonuses).
        public let earned: Int64
        /// Points spent on discounts in the period (`DiscountRedeemed`), as a positive number.
        public let redeemed: Int64
        /// Points that expired in the period (`PointsAdjusted` with the reason `expired…`), positive.
        public let expired: Int64
        /// Every other correction in the period (`PointsAdjusted`), with its sign.
        public let adjusted: Int64
        /// The balance at the end (`to`, inclusive).
        public let closing: Int64
    }

    /// The period's start (exclusive).
    public let from: Timestamp
    /// The period's end (inclusive).
    public let to: Timestamp
    /// The roll-forward in points, every client's (erased ones' included: their points stay).
    public let points: Figures
    /// The roll-forward in cents, each figure valued as the type's doc says.
    public let money: Figures
    /// What a change in a point's value did to the balance in the period, in cents:
    /// `money.closing − (money.opening + earned − redeemed − expired + adjusted)`.
    public let revaluation: Int64
    /// A point's value in cents under the programme in force at `from` (`nil`: none, or a
    /// percentage reward).
    public let pointValueAtOpening: Cents?
    /// A point's value in cents under the programme in force at `to`.
    public let pointValueAtClosing: Cents?
}

extension SalonLedger {
    /// The loyalty points as a liability from `from` (exclusive) to `to` (inclusive): see
    /// ``PointsLiability``. From the client-card projection; the same log gives the same figures
    /// every time.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool.
    ///
    /// - Throws: ``LedgerError/Code/invalidField`` if `to` is before `from`;
    ///   ``LedgerError/Code/totalTooLarge`` if a sum leaves what an `Int64` holds.
    public func pointsLiability(from: Timestamp, to: Timestamp) async throws(LedgerError) -> PointsLiability {
        guard from <= to else { throw LedgerError(.invalidField, "the period ends (\(to)) before it starts (\(from))", field: "to") }
        return try await observation.query("pointsLiability") { () throws(LedgerError) -> PointsLiability in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> PointsLiability in try readPointsLiability(from: from, to: to) }
        }
    }

    /// ``pointsLiability(from:to:)``, read on the calling thread.
    package func readPointsLiability(from: Timestamp, to: Timestamp) throws(LedgerError) -> PointsLiability {
        let salon = try salonState()
        func value(at instant: Timestamp) -> Cents? {
            guard case .amountPerPoint(let cents)? = salon.programme(at: instant)?.reward else { return nil }
            return cents
        }
        // Added up in 128 bits: every balance is bounded, but their sum over a salon is not.
        var points = (opening: Int128(0), earned: Int128(0), redeemed: Int128(0), expired: Int128(0), adjusted: Int128(0))
        var money = (earned: Int128(0), redeemed: Int128(0), expired: Int128(0), adjusted: Int128(0))
        try forEachCard { _, record in
            for entry in record.pointsHistory where entry.at <= to {
                let amount = Int128(entry.points)
                guard entry.at > from else {
                    points.opening += amount
                    continue
                }
                let worth = amount * Int128(value(at: entry.at) ?? 0)
                switch entry.kind {
                case CardRecord.PointsEntry.redeemed:
                    points.redeemed -= amount; money.redeemed -= worth
                case CardRecord.PointsEntry.adjusted where entry.points < 0 && entry.text?.hasPrefix(Self.expiredPointsReason) == true:
                    points.expired -= amount; money.expired -= worth
                case CardRecord.PointsEntry.adjusted:
                    points.adjusted += amount; money.adjusted += worth
                default:
                    points.earned += amount; money.earned += worth
                }
            }
        }
        let closing = points.opening + points.earned - points.redeemed - points.expired + points.adjusted
        let (opening, final) = (value(at: from), value(at: to))
        let openingMoney = points.opening * Int128(opening ?? 0), closingMoney = closing * Int128(final ?? 0)
        let revaluation = closingMoney - (openingMoney + money.earned - money.redeemed - money.expired + money.adjusted)
        func total(_ sum: Int128, _ what: String) throws(LedgerError) -> Int64 { try Money.total(sum, what) }
        return PointsLiability(
            from: from, to: to,
            points: .init(opening: try total(points.opening, "the opening points"), earned: try total(points.earned, "the points earned"),
                          redeemed: try total(points.redeemed, "the points redeemed"), expired: try total(points.expired, "the points expired"),
                          adjusted: try total(points.adjusted, "the points adjusted"), closing: try total(closing, "the closing points")),
            money: .init(opening: try total(openingMoney, "the opening liability"), earned: try total(money.earned, "the liability earned"),
                         redeemed: try total(money.redeemed, "the liability redeemed"), expired: try total(money.expired, "the liability expired"),
                         adjusted: try total(money.adjusted, "the liability adjusted"), closing: try total(closingMoney, "the closing liability")),
            revaluation: try total(revaluation, "the revaluation"), pointValueAtOpening: opening, pointValueAtClosing: final)
    }
}
