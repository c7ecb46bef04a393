import ClientLedger
import Foundation

/// A JSON value to print. Objects are printed with their keys sorted, whatever order they were built
/// in, as `docs/ledger-tool.md` and `docs/json.md` promise for every `--json` output: the same on
/// every run, and an object keyed by data (event types, client ids) in the order of its keys (by
/// UTF-8 bytes).
///
/// The library's results are printed in their `Codable` shape (``encoding(_:)``), the one shape
/// that the API, the example service and `shared/interchange.md` share; the tool builds only its
/// own outputs (import, backup, rebuild and stats summaries) by hand.
enum JSONOutput {
    case null
    case bool(Bool)
    case int(Int64)
    /// A number that is not an integer, as its JSON text.
    case number(String)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    /// A string, or `null`.
    static func optional(_ text: String?) -> JSONOutput { text.map(JSONOutput.string) ?? .null }

    /// `value` as its `Codable` form encodes it, keys in sorted order (Foundation's encoder keeps
    /// no order of its own; sorted, the output is the same on every run).
    static func encoding(_ value: some Encodable) throws -> JSONOutput {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return JSONOutput(try JSONValue.parse(utf8: Array(data)[...]))
    }

    /// An object with `members` added at its end (anything else as it is).
    func adding(_ members: [(String, JSONOutput)]) -> JSONOutput {
        guard case .object(let existing) = self else { return self }
        return .object(existing + members)
    }

    private init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .int(value)
        case .fraction(let text): self = .number(text)
        case .string(let value): self = .string(value)
        case .array(let items): self = .array(items.map(JSONOutput.init))
        case .object(let members): self = .object(members.map { ($0.0, JSONOutput($0.1)) })
        }
    }

    /// The value as pretty-printed JSON, two spaces per level.
    func rendered() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let text): out += text
        case .string(let value): JSONOutput.quote(value, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                item.write(to: &out, indent: indent + 1)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                JSONOutput.quote(key, into: &out)
                out += ": "
                value.write(to: &out, indent: indent + 1)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        }
    }

    /// `text` as a JSON string, escaped as the interchange codec escapes it.
    private static func quote(_ text: String, into out: inout String) {
        var writer = JSONWriter()
        writer.string(text)
        out += writer.text
    }
}
