import EventLog

/// What an accountant needs for a period: the roll-forward of the subscriptions' residual value,
/// the loyalty figures, and the proof that the log was not rewritten.
public struct AuditReport: Sendable {
    /// The period's start (exclusive).
    public let from: Timestamp
    /// The period's end (inclusive).
    public let to: Timestamp
    /// The roll-forward of the residual value over the period, in total and by year of sale.
    public let rollForward: RollForward
    /// The sum of every client's points balance as of ``to``, erased clients included.
    public let pointsOutstanding: Int64
    /// The sum of the discounts of the redemptions dated in the period.
    public let discountsGranted: Cents
    /// How many events are dated in the period (`from < at ≤ to`).
    public let events: Int
    /// The walk of the whole log, with the head hash it ends on and the anchors it checked. Keep
    /// the head hash with the report: it proves later that the log the figures came from was not
    /// changed or cut short since.
    public let verification: ChainVerification
}

extension SalonLedger {
    /// The audit of the period from `from` (exclusive) to `to` (inclusive), as
    /// `shared/interchange.md` defines it: the roll-forward (``rollForward(from:to:)``), the points
    /// outstanding as of `to`, the discounts granted and the events dated in the period, and a
    /// verification of the whole log — with `anchors`, head hashes written down at earlier audits,
    /// which the log must still hold (a log cut short passes every other check).
    ///
    /// The roll-forward and the points come from the client-card projection; counting the events
    /// and verifying the chain read the whole log, so the audit takes time in proportion to it.
    /// Replaying the same log gives the same figures every time.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func audit(from: Timestamp, to: Timestamp, anchors: [HeadHash] = []) async throws(LedgerError) -> AuditReport {
        try await observation.query("audit") { () throws(LedgerError) -> AuditReport in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> AuditReport in try readAudit(from: from, to: to, anchors: anchors) }
        }
    }

    /// ``audit(from:to:anchors:)``, read on the calling thread.
    package func readAudit(from: Timestamp, to: Timestamp, anchors: [HeadHash]) throws(LedgerError) -> AuditReport {
        let rollForward = try readRollForward(from: from, to: to)
        // Added up in 128 bits: every balance is bounded, but their sum over a salon is not.
        var points: Int128 = 0
        var discounts: Int128 = 0
        try forEachCard { _, record in
            for entry in record.pointsHistory where entry.at <= to {
                points += Int128(entry.points)
                if entry.kind == CardRecord.PointsEntry.redeemed, entry.at > from { discounts += Int128(entry.discount) }
            }
        }
        let verification: ChainVerification
        let events: Int
        do {
            verification = try log.verify(anchors: anchors)
            events = try log.read { snapshot in
                var count = 0
                // Up to the break, if the chain breaks: nothing past it is trusted (the report says where).
                let through = verification.firstBrokenPosition.map { $0 - 1 }
                try snapshot.forEachEvent(through: through) { event in
                    guard let type = LedgerEventType(rawValue: event.type) else { return }
                    let at = try BinaryCodec.instant(of: type, payload: event.payload)
                    if at > from && at <= to { count += 1 }
                }
                return count
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the log for the audit")
        }
        return AuditReport(from: from, to: to, rollForward: rollForward, pointsOutstanding: try Money.total(points, "the points outstanding"),
                           discountsGranted: try Money.total(discounts, "the discounts granted"), events: events, verification: verification)
    }
}
