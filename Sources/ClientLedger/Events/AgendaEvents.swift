import EventLog

/// An appointment booked.
public struct AppointmentBooked: Hashable, Sendable {
    /// When it was booked.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The appointment.
    public var appointment: AppointmentID
    /// When it starts.
    public var start: Timestamp
    /// How long it lasts, in minutes (more than zero).
    public var minutes: Int
    /// The service, such as "cut and blow-dry".
    public var service: String

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, appointment: AppointmentID, start: Timestamp, minutes: Int, service: String) {
        self.at = at; self.client = client; self.appointment = appointment; self.start = start
        self.minutes = minutes; self.service = service
    }
}

/// An appointment moved to another start.
public struct AppointmentRescheduled: Hashable, Sendable {
    /// When it was moved.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The appointment.
    public var appointment: AppointmentID
    /// The new start.
    public var start: Timestamp

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, appointment: AppointmentID, start: Timestamp) {
        self.at = at; self.client = client; self.appointment = appointment; self.start = start
    }
}

/// An appointment cancelled.
public struct AppointmentCancelled: Hashable, Sendable {
    /// When it was cancelled.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The appointment.
    public var appointment: AppointmentID

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, appointment: AppointmentID) {
        self.at = at; self.client = client; self.appointment = appointment
    }
}

/// A reminder for an appointment scheduled to be sent.
public struct ReminderScheduled: Hashable, Sendable {
    /// When it was scheduled.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The appointment.
    public var appointment: AppointmentID
    /// How it will be sent.
    public var channel: Channel
    /// When it will be sent.
    public var sendAt: Timestamp

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, appointment: AppointmentID, channel: Channel, sendAt: Timestamp) {
        self.at = at; self.client = client; self.appointment = appointment; self.channel = channel; self.sendAt = sendAt
    }
}

/// A reminder for an appointment sent.
public struct ReminderSent: Hashable, Sendable {
    /// When it was sent.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The appointment.
    public var appointment: AppointmentID
    /// How it was sent.
    public var channel: Channel

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, appointment: AppointmentID, channel: Channel) {
        self.at = at; self.client = client; self.appointment = appointment; self.channel = channel
    }
}

/// A visit nudge ("time for your next visit?") sent.
public struct VisitNudgeSent: Hashable, Sendable {
    /// When it was sent.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// How it was sent.
    public var channel: Channel

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, channel: Channel) {
        self.at = at; self.client = client; self.channel = channel
    }
}
