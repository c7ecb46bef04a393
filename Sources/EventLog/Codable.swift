// The engine's values in JSON, as every boundary prints them (`ledger --json`, the example
// service, `shared/interchange.md`): instants and head hashes as the strings their `description`
// prints, results with the keys the interchange contract names. An absent value is `null`, never a
// missing key: the contract's keys are always present.

extension Decoder {
    /// One string, made a value by `parse`; if `parse` throws, a `DecodingError.dataCorrupted` at
    /// this coding path that says `message(error)`: what every value written as a string decodes by.
    package func decodeString<T, Failure: Error>(_ parse: (String) throws(Failure) -> T, message: (Failure) -> String) throws -> T {
        let text = try singleValueContainer().decode(String.self)
        do throws(Failure) {
            return try parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: message(error), underlyingError: error))
        }
    }
}

extension Encoder {
    /// `text` as the single value.
    package func encodeString(_ text: String) throws {
        var container = singleValueContainer()
        try container.encode(text)
    }
}

/// An instant as an RFC 3339 string in UTC (`"2026-11-22T10:02:56.123456Z"`); decoding accepts
/// what ``Timestamp/init(rfc3339:)`` accepts.
extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an RFC 3339 instant"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws { try encoder.encodeString(description) }
}

/// A head hash as the string its ``HeadHash/description`` prints: `"POSITION:64-HEX-DIGITS"`.
extension HeadHash: Codable {
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(HeadHash.init, message: \.message)
    }

    public func encode(to encoder: any Encoder) throws { try encoder.encodeString(description) }
}

/// `verified` (``ChainVerification/isIntact``), `events` (records checked), `headHash`,
/// `firstBrokenPosition`, `problem`, `anchorMatches`, `anchors` and `recordsWithoutNames` — what
/// `ledger verify --json` prints. `verified` and `anchorMatches` follow from the others and are not
/// read back.
extension ChainVerification: Codable {
    private enum CodingKeys: String, CodingKey {
        case verified, events, headHash, firstBrokenPosition, problem, anchorMatches, anchors, recordsWithoutNames
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(eventsChecked: try container.decode(UInt64.self, forKey: .events),
                  head: try container.decodeIfPresent(HeadHash.self, forKey: .headHash),
                  firstBrokenPosition: try container.decodeIfPresent(UInt64.self, forKey: .firstBrokenPosition),
                  problem: try container.decodeIfPresent(String.self, forKey: .problem),
                  anchors: try container.decodeIfPresent([AnchorCheck].self, forKey: .anchors) ?? [],
                  recordsWithoutNames: try container.decodeIfPresent(UInt64.self, forKey: .recordsWithoutNames) ?? 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isIntact, forKey: .verified)
        try container.encode(eventsChecked, forKey: .events)
        try container.encode(head, forKey: .headHash)
        try container.encode(firstBrokenPosition, forKey: .firstBrokenPosition)
        try container.encode(problem, forKey: .problem)
        try container.encode(anchorMatches, forKey: .anchorMatches)
        try container.encode(anchors, forKey: .anchors)
        try container.encode(recordsWithoutNames, forKey: .recordsWithoutNames)
    }
}

/// `anchor` (a head hash string), `holds`, and `problem` (`null` when it holds).
extension AnchorCheck: Codable {
    private enum CodingKeys: String, CodingKey {
        case anchor, holds, problem
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(anchor: try container.decode(HeadHash.self, forKey: .anchor), holds: try container.decode(Bool.self, forKey: .holds),
                  problem: try container.decodeIfPresent(String.self, forKey: .problem))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(anchor, forKey: .anchor)
        try container.encode(holds, forKey: .holds)
        try container.encode(problem, forKey: .problem)
    }
}
