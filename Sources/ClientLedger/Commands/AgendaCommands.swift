import EventLog

extension SalonLedger {
    /// Books an appointment for an active client.
    @discardableResult
    public func bookAppointment(_ appointment: AppointmentID, for client: ClientID, start: Timestamp, minutes: Int, service: String,
                                at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.appointmentBooked(AppointmentBooked(at: at, client: client, appointment: appointment, start: start, minutes: minutes, service: service)), actor: actor)
    }

    /// Moves an appointment to another start.
    @discardableResult
    public func rescheduleAppointment(_ appointment: AppointmentID, of client: ClientID, to start: Timestamp,
                                      at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.appointmentRescheduled(AppointmentRescheduled(at: at, client: client, appointment: appointment, start: start)), actor: actor)
    }

    /// Cancels an appointment.
    @discardableResult
    public func cancelAppointment(_ appointment: AppointmentID, of client: ClientID, at: Timestamp = .now,
                                  actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.appointmentCancelled(AppointmentCancelled(at: at, client: client, appointment: appointment)), actor: actor)
    }

    /// Schedules a reminder for an appointment, by default the salon's lead time (in force at `at`)
    /// before the appointment's start. Refused for a client who does not agree to reminders.
    @discardableResult
    public func scheduleReminder(for appointment: AppointmentID, of client: ClientID, channel: Channel, sendAt: Timestamp? = nil,
                                 at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await execute(involving: [client], actor: actor) { (decision) throws(LedgerError) in
            let start = try decision.appointment(appointment, of: client)?.start
            let lead = Int64(decision.salon.settings(at: at).reminderLeadMinutes) * 60_000_000
            let when = sendAt ?? start.map { $0.adding(microseconds: -lead) } ?? at
            try decision.record(.reminderScheduled(ReminderScheduled(at: at, client: client, appointment: appointment, channel: channel, sendAt: when)))
        }
    }

    /// Records that a reminder was sent. Refused for a client who does not agree to reminders.
    @discardableResult
    public func recordReminderSent(for appointment: AppointmentID, of client: ClientID, channel: Channel,
                                   at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.reminderSent(ReminderSent(at: at, client: client, appointment: appointment, channel: channel)), actor: actor)
    }

    /// Records that a visit nudge was sent. Refused without the client's visit-nudge consent, or
    /// for an archived client.
    @discardableResult
    public func recordVisitNudgeSent(to client: ClientID, channel: Channel, at: Timestamp = .now,
                                     actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.visitNudgeSent(VisitNudgeSent(at: at, client: client, channel: channel)), actor: actor)
    }

    // MARK: Salon

    /// Changes the salon's settings from `settings.at` on (currency, time zone, reminder lead time,
    /// visit-nudge weeks). Decisions dated later use them; earlier records are never recomputed.
    @discardableResult
    public func changeSalonSettings(_ settings: SalonSettingsChanged, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.salonSettingsChanged(settings), actor: actor)
    }

    /// Puts a loyalty programme in force from `at` on (`nil` ends the programme). Points already
    /// earned are never recomputed.
    @discardableResult
    public func changeLoyaltyProgramme(_ programme: LoyaltyProgramme?, at: Timestamp = .now, actor: String? = nil) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await recording(.loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: at, programme: programme)), actor: actor)
    }
}
