import EventLog

// The salon's values in JSON, as `shared/interchange.md` writes them: identifiers, dates and
// enumerations as strings. Decoding validates as the API does: an identifier that the API would
// refuse does not decode either.

/// An identifier as its string; decoding normalises and validates it as ``Identifier/init(_:)`` does.
extension Identifier: Codable {
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init, message: \.message)
    }

    public func encode(to encoder: any Encoder) throws { try encoder.encodeString(rawValue) }
}

/// A date as `"YYYY-MM-DD"`.
extension CalendarDate: Codable {
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init, message: \.message)
    }

    public func encode(to encoder: any Encoder) throws { try encoder.encodeString(description) }
}

/// A consent as its name: `"reminders"`, `"marketing"`, `"visitNudges"`.
extension Consent: Codable {}

/// A channel as its name: `"sms"`, `"email"`, ….
extension Channel: Codable {}

/// A coding key made at run time: for objects whose keys are data (client ids, years, questions).
package struct DynamicKey: CodingKey {
    package let stringValue: String
    package init(_ text: String) { stringValue = text }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package var intValue: Int? { nil }
    package init?(intValue: Int) { nil }
}

extension KeyedEncodingContainer {
    /// Encodes `values` under `key` as one object whose keys are `values`' keys, in sorted order
    /// (a dictionary's own order changes from run to run; printed JSON must not).
    package mutating func encodeSorted<Value: Encodable>(_ values: [String: Value], forKey key: Key) throws {
        var object = nestedContainer(keyedBy: DynamicKey.self, forKey: key)
        for (name, value) in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            try object.encode(value, forKey: DynamicKey(name))
        }
    }
}
