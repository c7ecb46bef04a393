import EventLog

/// A new client. Personal: `name`, `email`, `phone`, `birthDate` (encrypted with the client's key).
public struct ClientRegistered: Hashable, Sendable {
    /// When it happened in the salon.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The client's name (personal).
    public var name: String
    /// E-mail address (personal).
    public var email: String?
    /// Phone number in E.164 form, `+` and digits (personal).
    public var phone: String?
    /// Birth date (personal).
    public var birthDate: CalendarDate?
    /// The existing client who referred this one, if any.
    public var referredBy: ClientID?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, name: String, email: String? = nil, phone: String? = nil,
                birthDate: CalendarDate? = nil, referredBy: ClientID? = nil) {
        self.at = at; self.client = client; self.name = name; self.email = email
        self.phone = phone; self.birthDate = birthDate; self.referredBy = referredBy
    }
}

/// Changed contact details; at least one field is set. Personal: every field.
public struct ClientDetailsChanged: Hashable, Sendable {
    /// When it happened in the salon.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// New name (personal).
    public var name: String?
    /// New e-mail address (personal).
    public var email: String?
    /// New phone number, E.164 (personal).
    public var phone: String?
    /// New birth date (personal).
    public var birthDate: CalendarDate?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, name: String? = nil, email: String? = nil, phone: String? = nil, birthDate: CalendarDate? = nil) {
        self.at = at; self.client = client; self.name = name; self.email = email; self.phone = phone; self.birthDate = birthDate
    }
}

/// A consent given or withdrawn, with how (for proof under GDPR).
public struct ConsentChanged: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Which consent.
    public var consent: Consent
    /// Given (`true`) or withdrawn (`false`).
    public var granted: Bool
    /// How it was given or withdrawn, such as "intake form" or "phone call".
    public var source: String?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, consent: Consent, granted: Bool, source: String? = nil) {
        self.at = at; self.client = client; self.consent = consent; self.granted = granted; self.source = source
    }
}

/// The client is no longer a client of the salon (kept for the records).
public struct ClientArchived: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Why, if said.
    public var reason: String?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, reason: String? = nil) {
        self.at = at; self.client = client; self.reason = reason
    }
}

/// An archived client is a client again.
public struct ClientReactivated: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Why, if said (recorded since this field exists; older events have none).
    public var reason: String?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, reason: String? = nil) {
        self.at = at; self.client = client; self.reason = reason
    }
}

/// The client asked to be forgotten: their key is destroyed, so their personal data can no longer
/// be read. Amounts, points and dates stay.
public struct ClientErased: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// Why, if said — the request it answers, say; not sealed, so it must hold nothing personal
    /// (recorded since this field exists; older events have none).
    public var reason: String?

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, reason: String? = nil) {
        self.at = at; self.client = client; self.reason = reason
    }
}
