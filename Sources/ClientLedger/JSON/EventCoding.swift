import EventLog

/// An event as one object of the interchange contract (`shared/interchange.md`): what
/// `ledger export` writes on a line, `type` and `at` first. Decoding is as strict as
/// `ledger import`: an unknown field, a missing one or a value the ledger would refuse is a
/// `DecodingError` whose underlying error is the ``LedgerError`` naming the field.
extension LedgerEvent: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        do {
            self = try InterchangeCodec.decode(value)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        let line = InterchangeCodec.encode(self)
        do {
            try JSONValue.parse(line).encode(to: encoder)
        } catch {
            // The codec's own output always parses; say so plainly if it ever does not.
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "the interchange form \(line) is not JSON: \(error)"))
        }
    }
}

/// `position`, `recordedAt`, `personalDataErased`, and `event` (the event as ``LedgerEvent``
/// encodes it).
extension RecordedLedgerEvent: Codable {
    private enum CodingKeys: String, CodingKey { case position, recordedAt, personalDataErased, event }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(position: try c.decode(UInt64.self, forKey: .position), recordedAt: try c.decode(Timestamp.self, forKey: .recordedAt),
                  event: try c.decode(LedgerEvent.self, forKey: .event),
                  personalDataErased: try c.decodeIfPresent(Bool.self, forKey: .personalDataErased) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(position, forKey: .position)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(personalDataErased, forKey: .personalDataErased)
        try c.encode(event, forKey: .event)
    }
}
