import EventLog

/// One client's appointment: an appointment id is the client's own, so it takes both to name one
/// in the salon.
public struct ClientAppointment: Hashable, Sendable, Codable {
    /// The client.
    public let client: ClientID
    /// Their appointment.
    public let appointment: AppointmentID

    /// Names `client`'s `appointment`.
    public init(client: ClientID, appointment: AppointmentID) {
        self.client = client
        self.appointment = appointment
    }
}

/// Of the appointments of the last and the next 7 days, how many had a reminder — Belbo's
/// reminder overview — and which did not, and why.
public struct ReminderCoverage: Hashable, Sendable, Codable {
    /// The counts of one window.
    public struct Window: Hashable, Sendable, Codable {
        /// Appointments starting in the window (cancelled ones left out).
        public var appointments = 0
        /// Those with a reminder (past: sent; next: scheduled or sent).
        public var covered = 0
        /// Those without one, whose client agrees to reminders.
        public var missing = 0
        /// Those without one, whose client does not agree to reminders.
        public var noConsent = 0
    }

    /// An appointment without a reminder.
    public struct Uncovered: Hashable, Sendable, Codable {
        /// The appointment.
        public let appointment: AppointmentID
        /// Its client.
        public let client: ClientID
        /// Its start (the latest, as of `now`).
        public let start: Timestamp
        /// `"missing"` or `"noConsent"`.
        public let reason: String
        /// `"past"` or `"next"`.
        public let window: String
    }

    /// The instant the windows are around.
    public let now: Timestamp
    /// Appointments starting in `[now − 7 days, now)`.
    public let past: Window
    /// Appointments starting in `[now, now + 7 days)`.
    public let next: Window
    /// The appointments of both windows without a reminder, by start.
    public let uncovered: [Uncovered]
}

/// A client a visit nudge is due for.
public struct DueNudge: Hashable, Sendable, Codable {
    /// The client.
    public let client: ClientID
    /// Their last checkout.
    public let lastVisit: Timestamp
}

extension SalonLedger {
    private static let week: Int64 = 7 * Timestamp.microsecondsPerDay

    /// Reminder coverage at `now`, as `shared/interchange.md` defines it: every event dated at or
    /// before `now` counts (a rescheduled appointment at its latest start then, consent as it stood then).
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func reminderCoverage(now: Timestamp = .now) async throws(LedgerError) -> ReminderCoverage {
        try await observation.query("reminderCoverage") { () throws(LedgerError) -> ReminderCoverage in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> ReminderCoverage in try readReminderCoverage(now: now) }
        }
    }

    /// ``reminderCoverage(now:)``, read on the calling thread: from the agenda index when it
    /// answers (see ``QueryIndex``), else from every card.
    package func readReminderCoverage(now: Timestamp) throws(LedgerError) -> ReminderCoverage {
        let pastStart = now.adding(microseconds: -Self.week), nextEnd = now.adding(microseconds: Self.week)
        let coverage: ReminderCoverage
        if let indexed = try indexedReminderCoverage(now: now, pastStart: pastStart, nextEnd: nextEnd) {
            coverage = indexed
        } else {
            coverage = try scannedReminderCoverage(now: now)
        }
        let uncovered = coverage.uncovered.sorted { ($0.start, $0.client, $0.appointment) < ($1.start, $1.client, $1.appointment) }
        return ReminderCoverage(now: now, past: coverage.past, next: coverage.next, uncovered: uncovered)
    }

    /// Reminder coverage at `now` from every card, each event dated after `now` left out.
    package func scannedReminderCoverage(now: Timestamp) throws(LedgerError) -> ReminderCoverage {
        let pastStart = now.adding(microseconds: -Self.week), nextEnd = now.adding(microseconds: Self.week)
        var past = ReminderCoverage.Window(), next = ReminderCoverage.Window()
        var uncovered: [ReminderCoverage.Uncovered] = []
        try forEachCard { client, card in
            let consents = card.consents.filter { $0.consent == .reminders && $0.at <= now }
            let agrees = consents.last?.granted ?? false
            for appointment in card.appointments where appointment.bookedAt <= now && !appointment.cancelled(asOf: now) {
                let start = appointment.start(asOf: now)
                let isPast = start >= pastStart && start < now
                guard isPast || (start >= now && start < nextEnd) else { continue }
                let reminders = appointment.reminders.filter { $0.at <= now }
                let covered = isPast ? reminders.contains { $0.kind == 2 } : !reminders.isEmpty
                let reason = agrees ? "missing" : "noConsent"
                func count(_ window: inout ReminderCoverage.Window) {
                    window.appointments += 1
                    if covered { window.covered += 1 } else if agrees { window.missing += 1 } else { window.noConsent += 1 }
                }
                if isPast { count(&past) } else { count(&next) }
                if !covered {
                    uncovered.append(.init(appointment: AppointmentID(unchecked: appointment.id), client: client, start: start,
                                           reason: reason, window: isPast ? "past" : "next"))
                }
            }
        }
        return ReminderCoverage(now: now, past: past, next: next, uncovered: uncovered)
    }

    /// Schedules a reminder for every appointment of the next 7 days that misses one and whose client
    /// agrees to reminders (never for one who does not), sent the salon's lead time before the start
    /// — or at once if that moment has passed. Returns the events recorded; an appointment that a rule
    /// refuses meanwhile (cancelled, consent withdrawn) is skipped.
    ///
    /// `at` is when the reminders are scheduled — it dates the events, like every command's `at` —
    /// and the coverage is taken as of it. A what-if question about another instant is a query:
    /// ``reminderCoverage(now:)``, which records nothing.
    ///
    /// `only`: just these appointments (the ones a receptionist ticked), of those that miss a
    /// reminder; `nil`, all of them. One that does not miss one is left alone.
    @discardableResult
    public func scheduleMissingReminders(at: Timestamp = .now, channel: Channel = .sms, actor: String? = nil,
                                         only: Set<ClientAppointment>? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let coverage = try await reminderCoverage(now: at)
        var recorded: [RecordedLedgerEvent] = []
        let lead = Int64(try salonState().settings(at: at).reminderLeadMinutes) * 60_000_000
        for item in coverage.uncovered where item.window == "next" && item.reason == "missing"
            && only.map({ $0.contains(ClientAppointment(client: item.client, appointment: item.appointment)) }) ?? true {
            do {
                recorded += try await scheduleReminder(for: item.appointment, of: item.client, channel: channel,
                                                       sendAt: max(at, item.start.adding(microseconds: -lead)), at: at, actor: actor)
            } catch {
                switch error.code {
                case .remindersDeclined, .appointmentCancelled, .unknownReference, .clientErased: continue
                default: throw error
                }
            }
        }
        return recorded
    }

    /// The clients a visit nudge is due for at `now`: not archived or erased, agreeing to visit
    /// nudges, with at least one checkout, no appointment starting after `now`, a last checkout at
    /// least the salon's visit-nudge weeks (in force at `now`) before `now`, and no nudge since that
    /// checkout. Ordered by last visit, oldest first.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func visitNudgesDue(now: Timestamp = .now) async throws(LedgerError) -> [DueNudge] {
        try await observation.query("visitNudgesDue") { () throws(LedgerError) -> [DueNudge] in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> [DueNudge] in try readVisitNudgesDue(now: now) }
        }
    }

    /// ``visitNudgesDue(now:)``, read on the calling thread: from the nudge index when it answers
    /// (see ``QueryIndex``), else from every card.
    package func readVisitNudgesDue(now: Timestamp) throws(LedgerError) -> [DueNudge] {
        let weeks = Int64(try salonState().settings(at: now).visitNudgeWeeks)
        let cutoff = now.adding(microseconds: -weeks * Self.week)
        let due: [DueNudge]
        if let indexed = try indexedVisitNudgesDue(now: now, cutoff: cutoff) {
            due = indexed
        } else {
            due = try scannedVisitNudgesDue(now: now, cutoff: cutoff)
        }
        return due.sorted { ($0.lastVisit, $0.client) < ($1.lastVisit, $1.client) }
    }

    /// The visit nudges due at `now` from every card, each event dated after `now` left out.
    package func scannedVisitNudgesDue(now: Timestamp, cutoff: Timestamp) throws(LedgerError) -> [DueNudge] {
        var due: [DueNudge] = []
        try forEachCard { client, card in
            guard !card.archived, !card.erased else { return }
            guard card.consents.last(where: { $0.consent == .visitNudges && $0.at <= now })?.granted == true else { return }
            guard let lastVisit = card.visits.filter({ $0.at <= now }).map(\.at).max(), lastVisit <= cutoff else { return }
            let booked = card.appointments.contains { $0.bookedAt <= now && !$0.cancelled(asOf: now) && $0.start(asOf: now) > now }
            guard !booked else { return }
            guard !card.nudges.contains(where: { $0.at > lastVisit && $0.at <= now }) else { return }
            due.append(DueNudge(client: client, lastVisit: lastVisit))
        }
        return due
    }
}

