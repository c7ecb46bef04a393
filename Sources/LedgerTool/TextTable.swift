import ClientLedger
import EventLog
import Foundation

/// Rows printed as aligned columns (numbers right-aligned), or as CSV, written the way the
/// command's ``Presentation`` says: money with the currency in a table, as a plain number in CSV
/// (the header then names the currency), instants in the salon's time zone, headers and labels in the locale's language.
struct TextTable {
    /// One cell: its value, not yet written.
    enum Cell {
        case text(String)
        /// Words written in the locale's language.
        case label(ToolText)
        /// Cents.
        case money(Int128)
        case instant(Timestamp?)
        case count(Int64)

        static func money(_ cents: Int64) -> Cell { .money(Int128(cents)) }
        static func count(_ value: Int) -> Cell { .count(Int64(value)) }
        static func count(_ value: UInt64) -> Cell { .count(Int64(clamping: value)) }

        var isNumber: Bool {
            switch self {
            case .money, .count: true
            case .text, .label, .instant: false
            }
        }
    }

    let headers: [ToolText]
    var rows: [[Cell]] = []

    init(_ headers: ToolText...) {
        self.headers = headers
    }

    mutating func add(_ cells: Cell...) {
        rows.append(cells)
    }

    /// Aligned columns with a header line, for a terminal.
    func rendered(_ presentation: Presentation = Presentation.current.withLock { $0 }) -> String {
        let texts = rows.map { $0.map { Self.text($0, presentation, csv: false) } }
        let headers = headers.map(presentation.say)
        var widths = headers.map(\.count)
        for row in texts {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String], numbers: [Bool]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index < numbers.count && numbers[index] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(headers, numbers: []) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for (row, cells) in zip(texts, rows) { out += line(row, numbers: cells.map(\.isNumber)) + "\n" }
        return out
    }

    /// CSV as the locale's spreadsheet opens it: a UTF-8 byte order mark (so that names keep their
    /// accents), the locale's separator (`;` where the decimal mark is a comma), a header line in
    /// which money columns name the currency, plain numbers, CR LF line ends; fields with the
    /// separator, quotes or line breaks are quoted (RFC 4180).
    func csv(_ presentation: Presentation = Presentation.current.withLock { $0 }) -> String {
        let separator = presentation.csvSeparator
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let moneyColumns = Set(rows.flatMap { $0.enumerated().compactMap { index, cell in if case .money = cell { index } else { nil } } })
        let header = headers.map(presentation.say).enumerated().map { index, name in
            moneyColumns.contains(index) ? "\(name) (\(presentation.currency))" : name
        }
        let lines = [header] + rows.map { $0.map { Self.text($0, presentation, csv: true) } }
        return "\u{FEFF}" + lines.map { $0.map(field).joined(separator: String(separator)) }.joined(separator: "\r\n") + "\r\n"
    }

    private static func text(_ cell: Cell, _ presentation: Presentation, csv: Bool) -> String {
        switch cell {
        case .text(let text): text
        case .label(let words): presentation.say(words)
        case .money(let cents): csv ? presentation.amount(cents, grouped: false) : presentation.money(cents)
        case .instant(let value): presentation.instant(value)
        case .count(let value): String(value)
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
