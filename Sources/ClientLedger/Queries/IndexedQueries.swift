import EventLog

/// The daily queries read from the ``QueryIndex`` when it answers — at or after its watermark, as
/// for a query as of now — and so read what they return: coverage the appointments of its 14 days,
/// residual value the subscriptions still open, nudges the clients who may be due. Each returns
/// `nil` when the index does not answer (an instant before the watermark), and the query reads
/// every card instead.
extension SalonLedger {
    /// The index's watermark in `state`: the latest `at` of any event; `nil` for an empty ledger.
    private static func watermark(_ state: ProjectionState) throws -> Int64? {
        try state.withValue(forKey: QueryIndex.watermarkKey) { bytes -> Int64? in
            guard let bytes else { return nil }
            guard bytes.count == 8 else { throw QueryIndex.damaged("the watermark") }
            return QueryIndex.readInstant(bytes, at: 0)
        }
    }

    /// Runs `body` with the card state if the index answers as of `instant`; `nil` otherwise.
    private func withIndex<T>(asOf instant: Timestamp, _ what: String, _ body: (ProjectionState) throws -> T) throws(LedgerError) -> T? {
        do {
            return try readCards { state -> T? in
                if let watermark = try Self.watermark(state), instant.microsecondsSinceEpoch < watermark { return nil }
                return try body(state)
            }
        } catch {
            throw LedgerError.wrapping(error, what)
        }
    }

    private static func clientEntry(_ client: ClientID, _ state: ProjectionState) throws -> QueryIndex.ClientEntry? {
        try state.withValue(forKey: QueryIndex.clientKey(client)) { bytes throws -> QueryIndex.ClientEntry? in
            try bytes.map { (bytes) throws(LedgerError) in try QueryIndex.ClientEntry(decoding: bytes) }
        }
    }

    /// Reminder coverage at `now` from the agenda index: the appointments starting in
    /// `[now − 7 days, now + 7 days)`, each with its client's consent.
    package func indexedReminderCoverage(now: Timestamp, pastStart: Timestamp, nextEnd: Timestamp) throws(LedgerError) -> ReminderCoverage? {
        try withIndex(asOf: now, "reading the reminder coverage") { state -> ReminderCoverage in
            var past = ReminderCoverage.Window(), next = ReminderCoverage.Window()
            var uncovered: [ReminderCoverage.Uncovered] = []
            var consents: [ClientID: Bool] = [:]
            let prefix = [QueryIndex.marker, QueryIndex.Tag.agenda.rawValue]
            try state.forEach(prefix: prefix, from: prefix + QueryIndex.instant(pastStart.microsecondsSinceEpoch)) { key, value in
                guard key.count >= 10 else { throw QueryIndex.damaged("an agenda key") }
                let start = QueryIndex.readInstant(key, at: 2)
                guard start < nextEnd.microsecondsSinceEpoch else { return false }
                var offset = 10
                guard let clientText = QueryIndex.readID(key, &offset), let appointment = QueryIndex.readID(key, &offset),
                      offset == key.count, value.count == 1 else { throw QueryIndex.damaged("an agenda key") }
                let client = ClientID(unchecked: clientText)
                let agrees: Bool
                if let known = consents[client] {
                    agrees = known
                } else {
                    agrees = try Self.clientEntry(client, state)?.reminders ?? false
                    consents[client] = agrees
                }
                let isPast = start < now.microsecondsSinceEpoch
                let covered = isPast ? value[0] & 2 != 0 : value[0] != 0
                func count(_ window: inout ReminderCoverage.Window) {
                    window.appointments += 1
                    if covered { window.covered += 1 } else if agrees { window.missing += 1 } else { window.noConsent += 1 }
                }
                if isPast { count(&past) } else { count(&next) }
                if !covered {
                    uncovered.append(.init(appointment: AppointmentID(unchecked: appointment), client: client,
                                           start: Timestamp(microsecondsSinceEpoch: start),
                                           reason: agrees ? "missing" : "noConsent", window: isPast ? "past" : "next"))
                }
                return true
            }
            return ReminderCoverage(now: now, past: past, next: next, uncovered: uncovered)
        }
    }

    /// The subscriptions with a residual value above zero as of `asOf`, from the subscription index.
    package func indexedResidualLines(asOf: Timestamp) throws(LedgerError) -> [ResidualReport.Line]? {
        try withIndex(asOf: asOf, "reading the residual value") { state -> [ResidualReport.Line] in
            var lines: [ResidualReport.Line] = []
            try state.forEach(prefix: [QueryIndex.marker, QueryIndex.Tag.subscription.rawValue]) { key, value in
                var offset = 2
                guard let client = QueryIndex.readID(key, &offset), let subscription = QueryIndex.readID(key, &offset),
                      offset == key.count else { throw QueryIndex.damaged("a subscription key") }
                let entry = try QueryIndex.SubscriptionEntry(decoding: value)
                let residual = Money.proportion(entry.price, entry.remaining, of: entry.total)
                guard residual > 0 else { return true }
                lines.append(.init(client: ClientID(unchecked: client), subscription: SubscriptionID(unchecked: subscription), plan: entry.plan,
                                   kind: entry.credit ? "credit" : "sessions", remaining: entry.remaining, residualValue: residual,
                                   purchasedAt: Timestamp(microsecondsSinceEpoch: entry.purchasedAt)))
                return true
            }
            return lines
        }
    }

    /// The clients a visit nudge is due for at `now` (last checkout at or before `cutoff`), from the
    /// nudge index: only clients who may be due are filed there.
    package func indexedVisitNudgesDue(now: Timestamp, cutoff: Timestamp) throws(LedgerError) -> [DueNudge]? {
        try withIndex(asOf: now, "reading the visit nudges due") { state -> [DueNudge] in
            var due: [DueNudge] = []
            let prefix = [QueryIndex.marker, QueryIndex.Tag.nudge.rawValue]
            try state.forEach(prefix: prefix) { key, _ in
                guard key.count >= 10 else { throw QueryIndex.damaged("a nudge key") }
                let lastVisit = QueryIndex.readInstant(key, at: 2)
                guard lastVisit <= cutoff.microsecondsSinceEpoch else { return false }
                var offset = 10
                guard let clientText = QueryIndex.readID(key, &offset), offset == key.count else { throw QueryIndex.damaged("a nudge key") }
                let client = ClientID(unchecked: clientText)
                guard let entry = try Self.clientEntry(client, state) else { throw QueryIndex.damaged("the entry of a client filed for nudges") }
                guard !entry.upcoming.contains(where: { $0.start > now.microsecondsSinceEpoch }) else { return true }
                due.append(DueNudge(client: client, lastVisit: Timestamp(microsecondsSinceEpoch: lastVisit)))
                return true
            }
            return due
        }
    }
}
