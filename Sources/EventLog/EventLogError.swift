/// What went wrong in the event log: a machine-readable ``code``, a sentence for people, and the
/// stream, position and underlying cause where they apply.
///
/// Every failed operation leaves the log exactly as it was: an append that throws wrote nothing.
///
/// ```swift
/// do {
///     try await log.append([event], to: "client-42", expecting: .exactly(3))
/// } catch where error.code == .wrongExpectedVersion {
///     // someone else changed the stream: reload and decide again
/// }
/// ```
public struct EventLogError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Compare with the static members, e.g. `error.code == .corruptRecord`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, as printed in messages and logs.
        public let rawValue: String
        /// Creates a code from its stable name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's stable name.
        public var description: String { rawValue }

        /// The stream is not at the version the append expected; nothing was written.
        public static let wrongExpectedVersion = Code(rawValue: "wrongExpectedVersion")
        /// The stream does not exist (an append that expected it to, or a read of it).
        public static let streamNotFound = Code(rawValue: "streamNotFound")
        /// An event id stands at the place of the append already, with other content.
        public static let eventIDReused = Code(rawValue: "eventIDReused")
        /// One append names the same event id twice.
        public static let duplicateEventID = Code(rawValue: "duplicateEventID")
        /// An event id of all zero bytes: almost surely an id that was never set.
        public static let invalidEventID = Code(rawValue: "invalidEventID")
        /// An append of no events.
        public static let emptyAppend = Code(rawValue: "emptyAppend")
        /// An event with an empty payload.
        public static let emptyPayload = Code(rawValue: "emptyPayload")
        /// An event whose payload exceeds ``EventLog/maximumPayloadBytes``, or an append too large
        /// for one transaction.
        public static let eventTooLarge = Code(rawValue: "eventTooLarge")
        /// An event type that is empty or longer than 255 UTF-8 bytes.
        public static let invalidEventType = Code(rawValue: "invalidEventType")
        /// A stream name that is empty or longer than ``EventLog/maximumStreamNameBytes``.
        public static let invalidStreamName = Code(rawValue: "invalidStreamName")
        /// Metadata that does not fit the record (an actor longer than 255 UTF-8 bytes).
        public static let invalidMetadata = Code(rawValue: "invalidMetadata")
        /// The path holds something that is not an event log.
        public static let notALog = Code(rawValue: "notALog")
        /// The log was written by a newer version of this library, in a format this one cannot read.
        public static let newerFormat = Code(rawValue: "newerFormat")
        /// A stored record cannot be decoded; ``EventLogError/position`` names it.
        public static let corruptRecord = Code(rawValue: "corruptRecord")
        /// The hash chain does not hold at ``EventLogError/position``: a record does not match its
        /// hash or its predecessor's, a position is missing, or a record contradicts the log's
        /// invariants (its stream's versions and links, its names). The log was changed after it
        /// was written — or the file is damaged there. A pass that reads records stops at the first
        /// break; ``EventLog/verify(anchors:progress:)`` reports it without throwing.
        public static let brokenChain = Code(rawValue: "brokenChain")
        /// The log's data file is damaged where the storage engine must read it (a page it cannot
        /// read safely). Nothing was changed; restore the log from a backup
        /// (``EventLog/backup(to:progress:)``).
        public static let damaged = Code(rawValue: "damaged")
        /// The storage engine (LMDB) or the file system failed; ``EventLogError/cause`` has details.
        public static let storage = Code(rawValue: "storage")
        /// The log handle was closed (``EventLog/close()``).
        public static let closed = Code(rawValue: "closed")
        /// Long work (a projection rebuild) was stopped by its caller; what was committed stays.
        public static let cancelled = Code(rawValue: "cancelled")
        /// The API was used in a way it cannot serve, such as a write inside a read closure.
        public static let misuse = Code(rawValue: "misuse")
        /// A write to a log opened read-only (``EventLog/Options/readOnly``).
        public static let readOnly = Code(rawValue: "readOnly")
        /// A head hash (an anchor) that is not of the form `POSITION:64-HEX-DIGITS`.
        public static let invalidHeadHash = Code(rawValue: "invalidHeadHash")
        /// A log that replicates a shared one (a ledger in PostgreSQL) could not extend it with the
        /// write it had decided: the shared log had moved on (its lock was lost with a connection),
        /// the server session lacked what the write needed, or the shared log committed the write
        /// before this log could. The engine catches up and runs the write again by itself; a
        /// caller sees this only if that kept happening through every try.
        public static let replicaBehind = Code(rawValue: "replicaBehind")
    }

    /// The kind of failure.
    public let code: Code
    /// One sentence that says what was wrong and with which input.
    public let message: String
    /// The stream concerned, where there is one.
    public let stream: String?
    /// The global position concerned, where there is one.
    public let position: UInt64?
    /// The lower-level error that caused this one, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error. The library creates these; tests and wrappers may too.
    public init(_ code: Code, _ message: String, stream: String? = nil, position: UInt64? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.stream = stream
        self.position = position
        self.cause = cause
    }

    /// The code, the message and the cause: what a log line shows.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}

extension EventLogError {
    /// Wraps an error for an API that throws only ``EventLogError``: an ``EventLogError`` passes
    /// through; an LMDB error becomes ``Code/storage`` (``Code/damaged`` for a damaged data file,
    /// ``Code/eventTooLarge`` for a transaction LMDB cannot hold); anything else becomes
    /// ``Code/storage`` with its description as the cause. The closure APIs (`read`, `write`) wrap
    /// only LMDB's errors: they rethrow a caller's own errors unchanged.
    package static func wrap(_ error: any Error, _ what: @autoclosure () -> String) -> EventLogError {
        if let error = error as? EventLogError { return error }
        if let error = error as? LMDBError {
            if error.code == LMDBError.closedCode {
                return EventLogError(.closed, "\(what()): the log was closed", cause: error)
            }
            if error.isDamage {
                return EventLogError(.damaged, "\(what()): the data file data.mdb is damaged (\(error.description)); nothing was changed. Restore the log from a backup", cause: error)
            }
            if error.isTransactionFull {
                return EventLogError(.eventTooLarge, "\(what()): the transaction grew beyond what LMDB can hold in one commit; append in smaller parts", cause: error)
            }
            return EventLogError(.storage, "\(what()) failed in the storage engine", cause: error)
        }
        return EventLogError(.storage, "\(what()) failed", cause: DescribedError(String(describing: error)))
    }
}

/// A cause known only by its description (an error that is not `Sendable`, for instance).
package struct DescribedError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
