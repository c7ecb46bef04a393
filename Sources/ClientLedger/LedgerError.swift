import EventLog

/// What went wrong in the salon ledger: a machine-readable ``code`` that names the rule or the
/// input at fault, a sentence for people, and the client and underlying cause where they apply.
///
/// A command that throws records nothing.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare with the static members.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code.
        public let rawValue: String
        /// Creates a code from its stable name.
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An identifier that is empty or longer than 64 UTF-8 bytes.
        public static let malformedIdentifier = Code(rawValue: "malformedIdentifier")
        /// A negative amount of money, or a count that must be positive and is not.
        public static let invalidAmount = Code(rawValue: "invalidAmount")
        /// A value outside its enumeration (a consent, channel, reason or kind that does not exist).
        public static let unknownEnumValue = Code(rawValue: "unknownEnumValue")
        /// A field that is required, malformed, or not allowed with the others.
        public static let invalidField = Code(rawValue: "invalidField")
        /// A stored payload that cannot be decoded.
        public static let corruptPayload = Code(rawValue: "corruptPayload")
        /// A payload written by a newer version of this library.
        public static let newerPayloadVersion = Code(rawValue: "newerPayloadVersion")
        /// The underlying event log failed; ``LedgerError/cause`` is the ``EventLogError``.
        public static let storage = Code(rawValue: "storage")
        /// The personal-data key store failed or is damaged.
        public static let keyStore = Code(rawValue: "keyStore")

        // Rules of the salon: each refuses a command and records nothing.

        /// The client is not registered.
        public static let unknownClient = Code(rawValue: "unknownClient")
        /// The client is registered already.
        public static let clientExists = Code(rawValue: "clientExists")
        /// The client was erased: nothing about them may change any more.
        public static let clientErased = Code(rawValue: "clientErased")
        /// The client is archived: no bookings, checkouts or points until reactivated.
        public static let clientArchived = Code(rawValue: "clientArchived")
        /// The client is not archived (reactivating an active client).
        public static let clientNotArchived = Code(rawValue: "clientNotArchived")
        /// Redeeming more points than the balance, or spending a balance below the programme's minimum.
        public static let insufficientPoints = Code(rawValue: "insufficientPoints")
        /// A redemption beyond what the loyalty programme allows (its cap, or no programme at all).
        public static let redemptionNotAllowed = Code(rawValue: "redemptionNotAllowed")
        /// Using more sessions or credit than remain.
        public static let subscriptionExhausted = Code(rawValue: "subscriptionExhausted")
        /// Using, expiring or refunding a subscription that expired, was used up or was refunded.
        public static let subscriptionEnded = Code(rawValue: "subscriptionEnded")
        /// A reminder for a client who does not agree to reminders.
        public static let remindersDeclined = Code(rawValue: "remindersDeclined")
        /// A visit nudge for a client who did not agree to visit nudges.
        public static let visitNudgesDeclined = Code(rawValue: "visitNudgesDeclined")
        /// An event dated before what it refers to (a use before its purchase, anything before the
        /// client's registration).
        public static let datedBeforeReference = Code(rawValue: "datedBeforeReference")
        /// A subscription, appointment or note that the client does not have.
        public static let unknownReference = Code(rawValue: "unknownReference")
        /// A visit, subscription, appointment, note, form or document id used a second time.
        public static let duplicateIdentifier = Code(rawValue: "duplicateIdentifier")
        /// An appointment that was cancelled.
        public static let appointmentCancelled = Code(rawValue: "appointmentCancelled")
        /// The client's stream kept changing under the command; it gave up after several attempts.
        public static let concurrentChange = Code(rawValue: "concurrentChange")
    }

    /// The kind of failure.
    public let code: Code
    /// One sentence that says what was wrong and with which input.
    public let message: String
    /// The client concerned, where there is one.
    public let client: String?
    /// The field at fault, as the interchange contract names it, where there is one.
    public var field: String?
    /// The line of a JSON Lines input, from 1, where the error came from one.
    public var line: Int?
    /// The lower-level error, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error. The library creates these; tests and wrappers may too.
    public init(_ code: Code, _ message: String, client: String? = nil, field: String? = nil, line: Int? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.client = client
        self.field = field
        self.line = line
        self.cause = cause
    }

    public var description: String {
        var text = "\(code): " + (line.map { "line \($0): " } ?? "") + message
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
