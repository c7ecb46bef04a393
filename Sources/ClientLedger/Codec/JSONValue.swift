/// A parsed JSON value. Numbers are kept as integers when they are integers (cents must be exact)
/// and as their text otherwise, so nothing is lost to floating point.
package enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case fraction(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.fraction(let a), .fraction(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    package func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .fraction(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): for (key, item) in value { hasher.combine(key); hasher.combine(item) }
        }
    }

    /// Parses one JSON text (RFC 8259), in time linear in its length. Throws a message saying what
    /// is wrong and where.
    package static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(utf8: Array(text.utf8)[...])
    }

    /// Parses one JSON text from its UTF-8 bytes (valid UTF-8: the caller checks).
    package static func parse(utf8 bytes: ArraySlice<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = Parser(bytes: bytes, index: bytes.startIndex)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.endIndex else { throw parser.error("text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: ArraySlice<UInt8>
        var index: Int

        func error(_ what: String) -> JSONSyntaxError {
            JSONSyntaxError(message: "\(what) at byte \(index - bytes.startIndex + 1)")
        }

        mutating func skipSpace() {
            while index < bytes.endIndex {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
            let count = word.utf8CodeUnitCount
            guard bytes.endIndex - index >= count,
                  word.withUTF8Buffer({ bytes[index..<index + count].elementsEqual($0) }) else { throw error("unexpected character") }
            index += count
            return value
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth < 64 else { throw error("nesting too deep") }
            guard index < bytes.endIndex else { throw error("the line ends before a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, JSONValue)] = []
                // Names seen, to refuse one given twice in one pass (a list search alone made a line
                // of 80,000 names take seconds): filled once an object has 16 members.
                var names = Set<String>()
                skipSpace()
                if index < bytes.endIndex, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a field name") }
                    let key = try string()
                    // A short object is searched (no hashing); a long one keeps a set of its names.
                    let repeated: Bool
                    if members.count < 16 {
                        repeated = members.contains { $0.0 == key }
                    } else {
                        if names.isEmpty { names = Set(members.map(\.0)) }
                        repeated = !names.insert(key).inserted
                    }
                    guard !repeated else { throw error("field \"\(key)\" appears twice") }
                    skipSpace()
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    index += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard index < bytes.endIndex else { throw error("the object is not closed") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [JSONValue] = []
                skipSpace()
                if index < bytes.endIndex, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.endIndex else { throw error("the array is not closed") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return try number()
            }
        }

        mutating func number() throws(JSONSyntaxError) -> JSONValue {
            let start = index
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let firstDigit = index
            var digits = 0
            while index < bytes.endIndex, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1; digits += 1 }
            guard digits > 0 else { throw error("unexpected character") }
            // RFC 8259: an integer part is 0 or starts with 1 to 9 ("0100" is not JSON).
            guard digits == 1 || bytes[firstDigit] != UInt8(ascii: "0") else {
                index = firstDigit
                throw error("a number with a leading zero (not JSON)")
            }
            var integral = true
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
                integral = false; index += 1
                var fractionDigits = 0
                while index < bytes.endIndex, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1; fractionDigits += 1 }
                guard fractionDigits > 0 else { throw error("a number ends in '.'") }
            }
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false; index += 1
                if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                var exponentDigits = 0
                while index < bytes.endIndex, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1; exponentDigits += 1 }
                guard exponentDigits > 0 else { throw error("a number has an empty exponent") }
            }
            if integral {
                // Accumulated as a negative number, which reaches Int64.min as the positive side cannot reach it.
                var value: Int64 = 0
                var fits = true
                for byte in bytes[firstDigit..<index] {
                    let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
                    let (next, overflowB) = times.subtractingReportingOverflow(Int64(byte - 0x30))
                    if overflowA || overflowB { fits = false; break }
                    value = next
                }
                if fits, firstDigit > start {
                    return .integer(value)
                } else if fits, value != .min {
                    return .integer(-value)
                }
                throw error("the number \(String(decoding: bytes[start..<index], as: UTF8.self)) is too large")
            }
            return .fraction(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        mutating func string() throws(JSONSyntaxError) -> String {
            index += 1
            // Most strings hold no escape: made from their bytes at once.
            let start = index
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: bytes[start..<index - 1], as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while true {
                guard index < bytes.endIndex else { throw error("a string is not closed") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.endIndex else { throw error("a string ends in an escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard bytes.endIndex - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw error("a lone surrogate in a string")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate in a string") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                        UTF8.encode(unicode) { out.append($0) }
                    default: throw error("an unknown escape \\\(Character(Unicode.Scalar(escape)))")
                    }
                case 0x00..<0x20: throw error("a control character in a string")
                default: out.append(byte)
                }
            }
        }

        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            guard bytes.endIndex - index >= 4 else { throw error("an invalid \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("an invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
    }
}

/// A JSON text that does not parse: what is wrong and at which character.
package struct JSONSyntaxError: Error, Sendable {
    package let message: String
}

/// Writes JSON text: strings escaped per RFC 8259, integers exact.
///
/// It writes UTF-8 bytes, copying each run of characters that need no escape at once: an export
/// writes every event of the log through it.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {
        bytes.reserveCapacity(256)
    }

    /// A writer that goes on after `bytes`.
    package init(continuing bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Empties the writer, keeping its capacity.
    package mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// The text written so far.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    package mutating func raw(_ fragment: String) { bytes.append(contentsOf: fragment.utf8) }

    package mutating func raw(_ byte: UInt8) { bytes.append(byte) }

    /// A timestamp as RFC 3339 (``Timestamp/description``), without its quotes: nothing in it needs escaping.
    package mutating func raw(_ timestamp: Timestamp) { timestamp.writeRFC3339(to: &bytes) }

    package mutating func raw(_ fragment: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: fragment) }

    package mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                // Bytes of multi-byte characters are 0x80 and above: copied as they are.
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
                case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
                case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
                case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: #"\u00"#.utf8)
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
