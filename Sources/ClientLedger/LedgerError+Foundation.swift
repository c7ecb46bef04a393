import Foundation

extension LedgerError.Code {
    /// Every code the ledger defines, in the order their ``LedgerError/errorCode`` numbers them
    /// (from 1). Codes are only ever added at the end, so a number never changes meaning.
    public static let numbered: [LedgerError.Code] = [
        .malformedIdentifier, .invalidAmount, .amountOutOfRange, .unknownEnumValue, .invalidField,
        .corruptPayload, .newerPayloadVersion, .storage, .brokenChain, .damaged, .readOnly, .notALedger,
        .newerFormat, .closed, .keyStore, .unknownClient, .clientExists, .clientErased, .clientArchived,
        .clientNotArchived, .insufficientPoints, .redemptionNotAllowed, .subscriptionExhausted,
        .subscriptionEnded, .remindersDeclined, .visitNudgesDeclined, .datedBeforeReference,
        .unknownReference, .duplicateIdentifier, .appointmentCancelled, .concurrentChange,
        .idempotencyKeyReused, .cancelled,
    ]
}

/// A ``LedgerError`` as Foundation reports errors: its ``LedgerError/message`` (with the line of an
/// import) is the localized description, so `error.localizedDescription` says what was wrong.
extension LedgerError: LocalizedError {
    public var errorDescription: String? { (line.map { "line \($0): " } ?? "") + message }
    public var failureReason: String? { cause.map { String(describing: $0) } }
}

/// A ``LedgerError`` bridged to `NSError` (for logging and for frameworks that speak `NSError`):
///
/// - `domain` is ``errorDomain`` (`"ClientLedger.LedgerError"`);
/// - `code` is the position of ``LedgerError/code`` in ``LedgerError/Code/numbered``, from 1 (`0`
///   for a code made by a caller);
/// - `userInfo` holds `NSLocalizedDescriptionKey` (the message), `"code"` (the code's name),
///   `"client"`, `"field"`, `"line"` and `"position"` where they apply, and `NSUnderlyingErrorKey`
///   (the cause: an ``EventLogError`` bridges the same way).
extension LedgerError: CustomNSError {
    public static var errorDomain: String { "ClientLedger.LedgerError" }

    public var errorCode: Int {
        Code.numbered.firstIndex(of: code).map { $0 + 1 } ?? 0
    }

    public var errorUserInfo: [String: Any] {
        var info: [String: Any] = [NSLocalizedDescriptionKey: errorDescription ?? message, "code": code.rawValue]
        if let failureReason { info[NSLocalizedFailureReasonErrorKey] = failureReason }
        if let client { info["client"] = client }
        if let field { info["field"] = field }
        if let line { info["line"] = line }
        if let position { info["position"] = position }
        if let cause { info[NSUnderlyingErrorKey] = cause as NSError }
        return info
    }
}

/// A ``LedgerError`` in the one JSON shape every boundary uses (the `ledger` tool's `--json` error
/// output, the example service's error responses): `code`, `message`, and `client`, `field`, `line`,
/// `position` and `cause` (the underlying error's text) where they apply. Decoding keeps the cause
/// as its text.
extension LedgerError: Codable {
    private enum CodingKeys: String, CodingKey {
        case code, message, client, field, line, position, cause
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(Code(rawValue: try container.decode(String.self, forKey: .code)),
                  try container.decode(String.self, forKey: .message),
                  client: try container.decodeIfPresent(String.self, forKey: .client),
                  field: try container.decodeIfPresent(String.self, forKey: .field),
                  line: try container.decodeIfPresent(Int.self, forKey: .line),
                  position: try container.decodeIfPresent(UInt64.self, forKey: .position),
                  cause: try container.decodeIfPresent(String.self, forKey: .cause).map { DescribedCause($0) })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code.rawValue, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(client, forKey: .client)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(line, forKey: .line)
        try container.encodeIfPresent(position, forKey: .position)
        try container.encodeIfPresent(cause.map { String(describing: $0) }, forKey: .cause)
    }
}
