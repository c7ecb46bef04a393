import Foundation

extension EventLogError.Code {
    /// Every code the engine defines, in the order their ``EventLogError/errorCode`` numbers them
    /// (from 1). Codes are only ever added at the end, so a number never changes meaning.
    public static let numbered: [EventLogError.Code] = [
        .wrongExpectedVersion, .streamNotFound, .eventIDReused, .duplicateEventID, .invalidEventID,
        .emptyAppend, .emptyPayload, .eventTooLarge, .invalidEventType, .invalidStreamName,
        .invalidMetadata, .notALog, .newerFormat, .corruptRecord, .brokenChain, .damaged, .storage,
        .closed, .cancelled, .misuse, .readOnly, .invalidHeadHash, .replicaBehind,
    ]
}

/// An ``EventLogError`` as Foundation reports errors: its ``EventLogError/message`` is the
/// localized description, so `error.localizedDescription` and a user-facing alert say what was
/// wrong rather than "The operation could not be completed".
extension EventLogError: LocalizedError {
    public var errorDescription: String? { message }
    public var failureReason: String? { cause.map { String(describing: $0) } }
}

/// An ``EventLogError`` bridged to `NSError` (for logging and for frameworks that speak `NSError`):
///
/// - `domain` is ``errorDomain`` (`"EventLog.EventLogError"`);
/// - `code` is the position of ``EventLogError/code`` in ``EventLogError/Code/numbered``, from 1
///   (`0` for a code made by a caller);
/// - `userInfo` holds `NSLocalizedDescriptionKey` (the message), `"code"` (the code's name),
///   `"stream"` and `"position"` where they apply, and `NSUnderlyingErrorKey` (the cause).
extension EventLogError: CustomNSError {
    public static var errorDomain: String { "EventLog.EventLogError" }

    public var errorCode: Int {
        Code.numbered.firstIndex(of: code).map { $0 + 1 } ?? 0
    }

    public var errorUserInfo: [String: Any] {
        var info: [String: Any] = [NSLocalizedDescriptionKey: message, "code": code.rawValue]
        if let failureReason { info[NSLocalizedFailureReasonErrorKey] = failureReason }
        if let stream { info["stream"] = stream }
        if let position { info["position"] = position }
        if let cause { info[NSUnderlyingErrorKey] = cause as NSError }
        return info
    }
}
