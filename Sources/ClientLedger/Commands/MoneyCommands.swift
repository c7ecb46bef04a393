import EventLog

extension SalonLedger {
    /// Checks out a visit: records the revenue, the points it earns by the loyalty programme in force
    /// at `at`, and — on a referred client's first checkout — the referral bonus for the referrer.
    ///
    /// Points are whole: `revenue / revenueStep` rounded down, times `pointsPerStep`. The referral
    /// bonus goes to the referrer only while they are an active client (not archived or erased);
    /// both clients' events are recorded in one transaction.
    ///
    /// With an `idempotencyKey` (any string of 1 to 255 bytes the caller chooses per request), a
    /// retry after a lost reply records nothing and returns what the first attempt recorded; the
    /// same holds for every command that moves money, points or sessions. See ``CommandIdentity``.
    @discardableResult
    public func checkOut(_ client: ClientID, visit: VisitID, revenue: Cents, at: Timestamp = .now,
                         actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let identity = try CommandIdentity.make(key: idempotencyKey, client: client, request: "checkOut|\(visit)|\(revenue)")
        return try await execute(involving: [client], identity: identity, actor: actor) { (decision) throws(LedgerError) in
            let firstCheckout = decision.state(of: client).checkouts == 0
            let referrer = decision.state(of: client).referredBy
            try decision.record(.checkedOut(CheckedOut(at: at, client: client, visit: visit, revenue: revenue)))
            guard let programme = decision.salon.programme(at: at) else { return }
            let points = try Money.product(revenue / programme.revenueStep, programme.pointsPerStep, "points")
            if points > 0 {
                try decision.record(.pointsAccrued(PointsAccrued(at: at, client: client, points: points, reason: .revenue, visit: visit)))
            }
            if firstCheckout, let referrer, programme.referralBonusPoints > 0 {
                try decision.include(referrer) // read in the same snapshot, only when a bonus may be due
                let state = decision.state(of: referrer)
                if state.exists, !state.erased, !state.archived {
                    try decision.record(.pointsAccrued(PointsAccrued(at: at, client: referrer, points: programme.referralBonusPoints, reason: .referral)))
                }
            }
        }
    }

    /// Spends points on a discount, by the loyalty programme in force at `at`.
    ///
    /// With a reward of an amount per point, the discount is `points × amount`. With a percentage
    /// reward, exactly the programme's points are spent and the discount is that percentage of
    /// `ticketAmount`, rounded half away from zero to the cent.
    ///
    /// Throws ``LedgerError/Code/insufficientPoints`` (more than the balance, or a balance below the
    /// programme's minimum) or ``LedgerError/Code/redemptionNotAllowed`` (no programme, over its cap,
    /// or not the points a percentage reward takes).
    @discardableResult
    public func redeemPoints(_ client: ClientID, points: Int64, ticketAmount: Cents? = nil, visit: VisitID? = nil,
                             at: Timestamp = .now, actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let identity = try CommandIdentity.make(key: idempotencyKey, client: client,
                                                request: "redeemPoints|\(points)|\(ticketAmount.map(String.init) ?? "-")|\(visit?.rawValue ?? "-")")
        return try await execute(involving: [client], identity: identity, actor: actor) { (decision) throws(LedgerError) in
            let who = client.rawValue
            guard let programme = decision.salon.programme(at: at) else {
                throw LedgerError(.redemptionNotAllowed, "the salon has no loyalty programme in force at \(at)", client: who)
            }
            let balance = decision.state(of: client).points
            guard balance >= programme.minimumBalanceToRedeem else {
                throw LedgerError(.insufficientPoints, "a balance of \(balance) is below the \(programme.minimumBalanceToRedeem) points from which points can be redeemed", client: who, field: "points")
            }
            if let cap = programme.maximumPointsPerRedemption, points > cap {
                throw LedgerError(.redemptionNotAllowed, "one redemption may spend at most \(cap) points; asked for \(points)", client: who, field: "points")
            }
            let discount: Cents
            switch programme.reward {
            case .amountPerPoint(let cents):
                try Check.positive(points, "points")
                discount = try Money.product(points, cents, "discount")
            case .percentage(let cost, let percent):
                guard points == cost else {
                    throw LedgerError(.redemptionNotAllowed, "this programme's reward takes exactly \(cost) points; asked for \(points)", client: who, field: "points")
                }
                guard let ticketAmount else {
                    throw LedgerError(.invalidField, "a percentage reward needs the visit's ticket amount", client: who, field: "ticketAmount")
                }
                try Check.notNegative(ticketAmount, "ticketAmount")
                guard ticketAmount <= Money.maximumAmount else {
                    throw LedgerError(.invalidAmount, "ticketAmount \(ticketAmount) is beyond any ticket", client: who, field: "ticketAmount")
                }
                discount = Money.percentage(percent, of: ticketAmount)
            }
            try decision.record(.discountRedeemed(DiscountRedeemed(at: at, client: client, points: points, discount: discount, visit: visit)))
        }
    }

    /// Adds or takes points by hand, always with a reason. A balance never goes below zero.
    @discardableResult
    public func adjustPoints(of client: ClientID, by points: Int64, reason: String, at: Timestamp = .now,
                             actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.pointsAdjusted(PointsAdjusted(at: at, client: client, points: points, reason: reason)), actor: actor, idempotencyKey: idempotencyKey)
    }

    /// Expires the points that the loyalty programme in force at `at` says have expired: those
    /// earned more than `expiryMonths` calendar months before `at` and not spent yet (the oldest
    /// points are spent first). Records the outcome as a negative `PointsAdjusted` with the reason
    /// `expired`, so a replay never depends on the rule; records nothing when nothing expires or the
    /// programme has no expiry.
    @discardableResult
    public func expirePoints(of client: ClientID, at: Timestamp = .now, actor: String? = nil,
                             idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let identity = try CommandIdentity.make(key: idempotencyKey, client: client, request: "expirePoints")
        return try await execute(involving: [client], identity: identity, actor: actor) { (decision) throws(LedgerError) in
            guard let months = decision.salon.programme(at: at)?.expiryMonths else { return }
            let cutoff = Calendar.subtractingMonths(months, from: at)
            let expiring = try decision.pointsExpiring(of: client, creditedAtOrBefore: cutoff)
            guard expiring > 0 else { return }
            try decision.record(.pointsAdjusted(PointsAdjusted(at: at, client: client, points: -expiring,
                                                               reason: "\(Self.expiredPointsReason): earned on or before \(cutoff)")))
        }
    }

    /// How the reason of the `PointsAdjusted` that ``expirePoints(of:at:actor:idempotencyKey:)``
    /// records begins: what tells an expiry from other adjustments (the points liability).
    package static let expiredPointsReason = "expired"

    /// Sells a prepaid subscription: value credit or a bundle of sessions, optionally valid until an instant.
    @discardableResult
    public func sellSubscription(to client: ClientID, subscription: SubscriptionID, plan: String, price: Cents,
                                 allowance: SubscriptionAllowance, validUntil: Timestamp? = nil,
                                 at: Timestamp = .now, actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.subscriptionPurchased(SubscriptionPurchased(at: at, client: client, subscription: subscription, plan: plan, price: price,
                                                                      allowance: allowance, validUntil: validUntil)), actor: actor, idempotencyKey: idempotencyKey)
    }

    /// Takes sessions or credit from a subscription: at most what remains, not after it expired,
    /// was used up or refunded, and never dated before its purchase.
    @discardableResult
    public func useSubscription(_ subscription: SubscriptionID, of client: ClientID, _ usage: SubscriptionUsage, visit: VisitID? = nil,
                                at: Timestamp = .now, actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.subscriptionUsed(SubscriptionUsed(at: at, client: client, subscription: subscription, usage: usage, visit: visit)),
                         actor: actor, idempotencyKey: idempotencyKey)
    }

    /// Records that a subscription expired; what was left becomes breakage.
    @discardableResult
    public func expireSubscription(_ subscription: SubscriptionID, of client: ClientID, at: Timestamp = .now,
                                   actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.subscriptionExpired(SubscriptionExpired(at: at, client: client, subscription: subscription)), actor: actor, idempotencyKey: idempotencyKey)
    }

    /// Ends a subscription with money paid back.
    @discardableResult
    public func refundSubscription(_ subscription: SubscriptionID, of client: ClientID, refund: Cents, at: Timestamp = .now,
                                   actor: String? = nil, idempotencyKey: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.subscriptionRefunded(SubscriptionRefunded(at: at, client: client, subscription: subscription, refund: refund)),
                         actor: actor, idempotencyKey: idempotencyKey)
    }
}
