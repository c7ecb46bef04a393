import EventLog

/// Every event of the salon ledger: the events of a client's life (in the client's stream) and the
/// salon's settings (in the salon stream). See `docs/events.md` for the catalogue and the layouts.
///
/// An enum of concrete values, not a protocol: decoding, replay and projections switch over it
/// without boxing.
public enum LedgerEvent: Hashable, Sendable {
    /// A ``ClientRegistered`` event.
    case clientRegistered(ClientRegistered)
    /// A ``ClientDetailsChanged`` event.
    case clientDetailsChanged(ClientDetailsChanged)
    /// A ``ConsentChanged`` event.
    case consentChanged(ConsentChanged)
    /// A ``ClientArchived`` event.
    case clientArchived(ClientArchived)
    /// A ``ClientReactivated`` event.
    case clientReactivated(ClientReactivated)
    /// A ``ClientErased`` event.
    case clientErased(ClientErased)
    /// A ``NoteAdded`` event.
    case noteAdded(NoteAdded)
    /// A ``NoteRemoved`` event.
    case noteRemoved(NoteRemoved)
    /// A ``IntakeRecorded`` event.
    case intakeRecorded(IntakeRecorded)
    /// A ``DocumentAttached`` event.
    case documentAttached(DocumentAttached)
    /// A ``CheckedOut`` event.
    case checkedOut(CheckedOut)
    /// A ``PointsAccrued`` event.
    case pointsAccrued(PointsAccrued)
    /// A ``PointsAdjusted`` event.
    case pointsAdjusted(PointsAdjusted)
    /// A ``DiscountRedeemed`` event.
    case discountRedeemed(DiscountRedeemed)
    /// A ``SubscriptionPurchased`` event.
    case subscriptionPurchased(SubscriptionPurchased)
    /// A ``SubscriptionUsed`` event.
    case subscriptionUsed(SubscriptionUsed)
    /// A ``SubscriptionExpired`` event.
    case subscriptionExpired(SubscriptionExpired)
    /// A ``SubscriptionRefunded`` event.
    case subscriptionRefunded(SubscriptionRefunded)
    /// A ``AppointmentBooked`` event.
    case appointmentBooked(AppointmentBooked)
    /// A ``AppointmentRescheduled`` event.
    case appointmentRescheduled(AppointmentRescheduled)
    /// A ``AppointmentCancelled`` event.
    case appointmentCancelled(AppointmentCancelled)
    /// A ``ReminderScheduled`` event.
    case reminderScheduled(ReminderScheduled)
    /// A ``ReminderSent`` event.
    case reminderSent(ReminderSent)
    /// A ``VisitNudgeSent`` event.
    case visitNudgeSent(VisitNudgeSent)
    /// A ``SalonSettingsChanged`` event.
    case salonSettingsChanged(SalonSettingsChanged)
    /// A ``LoyaltyProgrammeChanged`` event.
    case loyaltyProgrammeChanged(LoyaltyProgrammeChanged)

    /// The event's type name: the `type` of the interchange contract and of the log.
    public var type: LedgerEventType {
        switch self {
        case .clientRegistered: .clientRegistered
        case .clientDetailsChanged: .clientDetailsChanged
        case .consentChanged: .consentChanged
        case .clientArchived: .clientArchived
        case .clientReactivated: .clientReactivated
        case .clientErased: .clientErased
        case .noteAdded: .noteAdded
        case .noteRemoved: .noteRemoved
        case .intakeRecorded: .intakeRecorded
        case .documentAttached: .documentAttached
        case .checkedOut: .checkedOut
        case .pointsAccrued: .pointsAccrued
        case .pointsAdjusted: .pointsAdjusted
        case .discountRedeemed: .discountRedeemed
        case .subscriptionPurchased: .subscriptionPurchased
        case .subscriptionUsed: .subscriptionUsed
        case .subscriptionExpired: .subscriptionExpired
        case .subscriptionRefunded: .subscriptionRefunded
        case .appointmentBooked: .appointmentBooked
        case .appointmentRescheduled: .appointmentRescheduled
        case .appointmentCancelled: .appointmentCancelled
        case .reminderScheduled: .reminderScheduled
        case .reminderSent: .reminderSent
        case .visitNudgeSent: .visitNudgeSent
        case .salonSettingsChanged: .salonSettingsChanged
        case .loyaltyProgrammeChanged: .loyaltyProgrammeChanged
        }
    }

    /// When it happened in the salon.
    public var at: Timestamp {
        switch self {
        case .clientRegistered(let e): e.at
        case .clientDetailsChanged(let e): e.at
        case .consentChanged(let e): e.at
        case .clientArchived(let e): e.at
        case .clientReactivated(let e): e.at
        case .clientErased(let e): e.at
        case .noteAdded(let e): e.at
        case .noteRemoved(let e): e.at
        case .intakeRecorded(let e): e.at
        case .documentAttached(let e): e.at
        case .checkedOut(let e): e.at
        case .pointsAccrued(let e): e.at
        case .pointsAdjusted(let e): e.at
        case .discountRedeemed(let e): e.at
        case .subscriptionPurchased(let e): e.at
        case .subscriptionUsed(let e): e.at
        case .subscriptionExpired(let e): e.at
        case .subscriptionRefunded(let e): e.at
        case .appointmentBooked(let e): e.at
        case .appointmentRescheduled(let e): e.at
        case .appointmentCancelled(let e): e.at
        case .reminderScheduled(let e): e.at
        case .reminderSent(let e): e.at
        case .visitNudgeSent(let e): e.at
        case .salonSettingsChanged(let e): e.at
        case .loyaltyProgrammeChanged(let e): e.at
        }
    }

    /// The client the event belongs to; `nil` for salon-level settings.
    public var client: ClientID? {
        switch self {
        case .clientRegistered(let e): e.client
        case .clientDetailsChanged(let e): e.client
        case .consentChanged(let e): e.client
        case .clientArchived(let e): e.client
        case .clientReactivated(let e): e.client
        case .clientErased(let e): e.client
        case .noteAdded(let e): e.client
        case .noteRemoved(let e): e.client
        case .intakeRecorded(let e): e.client
        case .documentAttached(let e): e.client
        case .checkedOut(let e): e.client
        case .pointsAccrued(let e): e.client
        case .pointsAdjusted(let e): e.client
        case .discountRedeemed(let e): e.client
        case .subscriptionPurchased(let e): e.client
        case .subscriptionUsed(let e): e.client
        case .subscriptionExpired(let e): e.client
        case .subscriptionRefunded(let e): e.client
        case .appointmentBooked(let e): e.client
        case .appointmentRescheduled(let e): e.client
        case .appointmentCancelled(let e): e.client
        case .reminderScheduled(let e): e.client
        case .reminderSent(let e): e.client
        case .visitNudgeSent(let e): e.client
        case .salonSettingsChanged, .loyaltyProgrammeChanged: nil
        }
    }
}

/// The type names of ``LedgerEvent``, exactly as the interchange contract spells them.
public enum LedgerEventType: String, CaseIterable, Hashable, Sendable {
    /// `ClientRegistered`.
    case clientRegistered = "ClientRegistered"
    /// `ClientDetailsChanged`.
    case clientDetailsChanged = "ClientDetailsChanged"
    /// `ConsentChanged`.
    case consentChanged = "ConsentChanged"
    /// `ClientArchived`.
    case clientArchived = "ClientArchived"
    /// `ClientReactivated`.
    case clientReactivated = "ClientReactivated"
    /// `ClientErased`.
    case clientErased = "ClientErased"
    /// `NoteAdded`.
    case noteAdded = "NoteAdded"
    /// `NoteRemoved`.
    case noteRemoved = "NoteRemoved"
    /// `IntakeRecorded`.
    case intakeRecorded = "IntakeRecorded"
    /// `DocumentAttached`.
    case documentAttached = "DocumentAttached"
    /// `CheckedOut`.
    case checkedOut = "CheckedOut"
    /// `PointsAccrued`.
    case pointsAccrued = "PointsAccrued"
    /// `PointsAdjusted`.
    case pointsAdjusted = "PointsAdjusted"
    /// `DiscountRedeemed`.
    case discountRedeemed = "DiscountRedeemed"
    /// `SubscriptionPurchased`.
    case subscriptionPurchased = "SubscriptionPurchased"
    /// `SubscriptionUsed`.
    case subscriptionUsed = "SubscriptionUsed"
    /// `SubscriptionExpired`.
    case subscriptionExpired = "SubscriptionExpired"
    /// `SubscriptionRefunded`.
    case subscriptionRefunded = "SubscriptionRefunded"
    /// `AppointmentBooked`.
    case appointmentBooked = "AppointmentBooked"
    /// `AppointmentRescheduled`.
    case appointmentRescheduled = "AppointmentRescheduled"
    /// `AppointmentCancelled`.
    case appointmentCancelled = "AppointmentCancelled"
    /// `ReminderScheduled`.
    case reminderScheduled = "ReminderScheduled"
    /// `ReminderSent`.
    case reminderSent = "ReminderSent"
    /// `VisitNudgeSent`.
    case visitNudgeSent = "VisitNudgeSent"
    /// `SalonSettingsChanged`.
    case salonSettingsChanged = "SalonSettingsChanged"
    /// `LoyaltyProgrammeChanged`.
    case loyaltyProgrammeChanged = "LoyaltyProgrammeChanged"

    /// Whether events of this type carry personal data, sealed with the client's key.
    public var carriesPersonalData: Bool {
        switch self {
        case .clientRegistered, .clientDetailsChanged, .noteAdded, .intakeRecorded, .documentAttached: true
        default: false
        }
    }
}
