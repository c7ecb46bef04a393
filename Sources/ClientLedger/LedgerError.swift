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
        /// The code's stable name.
        public var description: String { rawValue }

        /// An identifier that is empty or longer than 64 UTF-8 bytes.
        public static let malformedIdentifier = Code(rawValue: "malformedIdentifier")
        /// A negative amount of money, a count that must be positive and is not, or an amount or
        /// balance beyond the ledger's limit (``Money/maximumAmount``).
        public static let invalidAmount = Code(rawValue: "invalidAmount")
        /// A total a report adds up (a residual value, points outstanding) beyond what an `Int64`
        /// holds: possible only with amounts near the ledger's limit on thousands of records.
        public static let amountOutOfRange = Code(rawValue: "amountOutOfRange")
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
        /// The hash chain does not hold at ``LedgerError/position``: a record there was changed
        /// after it was written (or the file is damaged there). Reading stopped before it; nothing
        /// was recorded. Run `ledger verify`, and restore from a backup.
        public static let brokenChain = Code(rawValue: "brokenChain")
        /// The ledger's data file is damaged where it had to be read. Nothing was changed; restore
        /// the ledger from a backup (``SalonLedger/backup(to:progress:)``).
        public static let damaged = Code(rawValue: "damaged")
        /// A change to a ledger opened read-only.
        public static let readOnly = Code(rawValue: "readOnly")
        /// The path holds no ledger, or something that is not a ledger.
        public static let notALedger = Code(rawValue: "notALedger")
        /// A newer version of this library wrote the ledger, in a format this one cannot read.
        public static let newerFormat = Code(rawValue: "newerFormat")
        /// The ledger was closed (``SalonLedger/close()``).
        public static let closed = Code(rawValue: "closed")
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
        /// An idempotency key given again with another request than the one it was first given with.
        public static let idempotencyKeyReused = Code(rawValue: "idempotencyKeyReused")
        /// The command's task was cancelled before it recorded anything; nothing was recorded.
        public static let cancelled = Code(rawValue: "cancelled")
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
    /// The position in the log concerned, where there is one (a break in the hash chain).
    public var position: UInt64?
    /// The lower-level error, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error. The library creates these; tests and wrappers may too.
    public init(_ code: Code, _ message: String, client: String? = nil, field: String? = nil, line: Int? = nil,
                position: UInt64? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.client = client
        self.field = field
        self.line = line
        self.position = position
        self.cause = cause
    }

    /// `error` as a ledger error, for a failure while `what` (a phrase such as "reading the client
    /// cards"): a ``LedgerError`` passes through; an ``EventLogError`` keeps its meaning (a broken
    /// chain, a damaged file, a read-only or missing ledger), its message and position, and is
    /// kept as the cause; anything else is ``Code/storage``.
    package static func wrapping(_ error: any Error, _ what: @autoclosure () -> String, client: ClientID? = nil) -> LedgerError {
        if let error = error as? LedgerError { return error }
        guard let error = error as? EventLogError else {
            return LedgerError(.storage, "\(what()) failed: \(error)", client: client?.rawValue, cause: DescribedCause("\(error)"))
        }
        let code: Code = switch error.code {
        case .brokenChain, .corruptRecord: .brokenChain
        case .damaged: .damaged
        case .readOnly: .readOnly
        case .notALog: .notALedger
        case .newerFormat: .newerFormat
        case .closed: .closed
        default: .storage
        }
        // The engine's own sentence says what is wrong and where; a storage failure is said with
        // what was being done.
        let message = code == .storage ? "\(what()) failed: \(error.message)" : error.message
        return LedgerError(code, message, client: client?.rawValue, position: error.position, cause: error)
    }

    /// The code, the input line (for an import's), the message and the cause: what a log line shows.
    public var description: String {
        var text = "\(code): " + (line.map { "line \($0): " } ?? "") + message
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
