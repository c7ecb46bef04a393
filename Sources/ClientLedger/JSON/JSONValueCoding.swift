/// A parsed JSON value through `Codable`: object members keep their order when encoded.
///
/// Decoding takes what the decoder holds: integers that fit an `Int64` as integers, other numbers
/// as fractions (which every interchange field refuses), objects with their members in the
/// decoder's order (a dictionary's, for Foundation's decoder — the interchange reads members by
/// name, so order does not matter there).
extension JSONValue: Codable {
    package init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: DynamicKey.self) {
            self = .object(try object.allKeys.map { ($0.stringValue, try object.decode(JSONValue.self, forKey: $0)) })
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? single.decode(Double.self) {
            self = .fraction(String(value))
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .integer(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .fraction(let text):
            var single = encoder.singleValueContainer()
            try single.encode(Double(text) ?? .nan)
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let items):
            var array = encoder.unkeyedContainer()
            for item in items { try array.encode(item) }
        case .object(let members):
            var object = encoder.container(keyedBy: DynamicKey.self)
            for (key, value) in members { try object.encode(value, forKey: DynamicKey(key)) }
        }
    }
}
