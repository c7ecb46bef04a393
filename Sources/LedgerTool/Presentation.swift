import ArgumentParser
import ClientLedger
import EventLog
import Foundation
import Synchronization

/// How the tool writes for people: its words in the locale's language (``ToolText``), instants in the salon's time zone, dates, numbers and money in a
/// locale's way, money with the salon's currency, CSV as that locale's spreadsheet reads it. JSON
/// is not touched: it keeps the library's one shape (UTC instants, cents).
struct Presentation: Sendable {
    /// The locales the tool writes (`--locale`).
    enum Language: String, CaseIterable, Sendable {
        case german = "de-DE"
        case dutch = "nl-NL"
        case english = "en-GB"

        /// The locale a `LANG`-style value names (`de_DE.UTF-8`, `nl`, `en_GB`); English otherwise.
        static func fromEnvironment(_ value: String?) -> Language {
            let language = (value ?? "").prefix(2).lowercased()
            return language == "de" ? .german : language == "nl" ? .dutch : .english
        }
    }

    var language: Language = .english
    var currency = "EUR"
    /// The Gregorian calendar in the salon's time zone, which every date is read with.
    private var calendar: Foundation.Calendar = {
        var calendar = Foundation.Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()

    /// The salon's time zone.
    var timeZone: TimeZone {
        get { calendar.timeZone }
        set { calendar.timeZone = newValue }
    }

    /// What the command that runs now writes with; set when it opens the ledger (``LedgerOptions``).
    static let current = Mutex(Presentation())

    // MARK: Words

    /// `text` in the locale's language.
    func say(_ text: ToolText) -> String {
        switch language {
        case .german: text.german
        case .dutch: text.dutch
        case .english: text.english
        }
    }

    // MARK: Instants and dates

    /// An instant as a date and time of day in the salon's time zone: `12.12.2026 17:45` (de),
    /// `12-12-2026 17:45` (nl), `12/12/2026 17:45` (en); a dash for none.
    func instant(_ value: Timestamp?) -> String {
        guard let value else { return "-" }
        let c = parts(value)
        return day(c.year, c.month, c.day) + " " + pad(c.hour) + ":" + pad(c.minute)
    }

    /// A calendar date (a birth date) as the locale writes it: `07.03.1985` (de).
    func date(_ value: CalendarDate) -> String {
        day(value.year, value.month, value.day)
    }

    /// What someone typed for an instant, as they meant it: a plain date (`2026-01-01`) as the
    /// locale writes that date, anything else as the instant it stands for.
    func typed(_ text: String, _ value: Timestamp) -> String {
        let fields = text.split(separator: "-")
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
              let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]) else { return instant(value) }
        return self.day(year, month, day)
    }

    /// The month of `value` in the salon's time zone: `01.2026` (de), `01-2026` (nl), `01/2026` (en).
    func month(_ value: Timestamp) -> String {
        let c = parts(value)
        return pad(c.month) + dateSeparator + String(c.year)
    }

    /// The most months `--monthly` reports: a century.
    static let maximumMonths = 1_200

    /// The last instant of every month, in the salon's time zone, that ends after `start` and at or
    /// before `end`; then `end` itself if it is not one of them. Stops after ``maximumMonths`` + 1,
    /// so that a caller can tell a century from more.
    func monthEnds(after start: Timestamp, through end: Timestamp) -> [Timestamp] {
        func date(_ t: Timestamp) -> Date { Date(timeIntervalSince1970: Double(t.microsecondsSinceEpoch / 1_000_000)) }
        guard var month = calendar.dateInterval(of: .month, for: date(start))?.start else { return [end] }
        var ends: [Timestamp] = []
        while let next = calendar.date(byAdding: .month, value: 1, to: month) {
            let last = Timestamp(microsecondsSinceEpoch: Int64(next.timeIntervalSince1970) * 1_000_000 - 1)
            guard last <= end else { break }
            if last > start { ends.append(last) }
            guard ends.count <= Self.maximumMonths else { return ends }
            month = next
        }
        if ends.last != end { ends.append(end) }
        return ends
    }

    /// The calendar date and time of day of `value` in the salon's time zone.
    private func parts(_ value: Timestamp) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let seconds = Double(value.microsecondsSinceEpoch / 1_000_000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: seconds))
        return (c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// A calendar date as the locale writes it: day, month, year, with its separator.
    private func day(_ year: Int, _ month: Int, _ day: Int) -> String {
        pad(day) + dateSeparator + pad(month) + dateSeparator + String(year)
    }

    private var dateSeparator: String {
        switch language {
        case .german: "."
        case .dutch: "-"
        case .english: "/"
        }
    }

    private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    // MARK: Numbers and money

    /// The decimal separator and the thousands separator of the locale.
    private var separators: (decimal: String, thousands: String) {
        language == .english ? (".", ",") : (",", ".")
    }

    /// Cents as a number with two decimals in the locale's way, grouped in thousands for a table
    /// (`1.234,56`), not for a spreadsheet (`1234,56`). Any width: sums are added in 128 bits.
    func amount<Amount: BinaryInteger>(_ cents: Amount, grouped: Bool = true) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        var units = String(magnitude / 100)
        if grouped {
            var index = units.count - 3
            while index > 0 {
                units.insert(contentsOf: separators.thousands, at: units.index(units.startIndex, offsetBy: index))
                index -= 3
            }
        }
        return sign + units + separators.decimal + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// A number of seconds with `digits` decimals, in the locale's way (`1,25` in de and nl).
    func seconds(_ value: Double, digits: Int) -> String {
        let text = String(format: "%.\(digits)f", value)
        return language == .english ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    /// Cents with the salon's currency, as the locale writes money: `1.234,56 €` (de), `€ 1.234,56`
    /// (nl), `€1,234.56` (en).
    func money<Amount: BinaryInteger>(_ cents: Amount) -> String {
        let number = amount(cents.magnitude)
        let sign = cents < 0 ? "-" : ""
        let symbol = Self.symbols[currency] ?? currency
        switch language {
        case .german: return sign + number + " " + symbol
        case .dutch: return symbol + " " + sign + number
        case .english: return sign + symbol + (symbol.count > 1 ? " " : "") + number
        }
    }

    private static let symbols = ["EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"]

    // MARK: CSV

    /// The field separator the locale's spreadsheet expects: `;` where the decimal mark is a comma.
    var csvSeparator: Character { language == .english ? "," : ";" }
}

/// `--locale`, shared by every command.
struct LocaleOption: ParsableArguments {
    @Option(name: .customLong("locale"),
            help: ArgumentHelp("The language of tables, reports and messages, and how they write dates, numbers and money: de-DE, nl-NL or en-GB (default: CLIENTLEDGER_LOCALE, else the language of LC_ALL or LANG).",
                               valueName: "LOCALE"))
    var localeArgument: String?

    func validate() throws {
        if let localeArgument, Presentation.Language(rawValue: localeArgument) == nil {
            throw ValidationError("--locale \(localeArgument) is not one the tool writes; use de-DE, nl-NL or en-GB")
        }
    }

    /// The locale chosen: `--locale`, else `CLIENTLEDGER_LOCALE`, else the language of `LC_ALL`,
    /// `LC_MESSAGES` or `LANG`.
    var language: Presentation.Language {
        if let localeArgument, let language = Presentation.Language(rawValue: localeArgument) { return language }
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["CLIENTLEDGER_LOCALE"], let language = Presentation.Language(rawValue: chosen) { return language }
        let system = [environment["LC_ALL"], environment["LC_MESSAGES"], environment["LANG"]].compactMap { $0 }.first { !$0.isEmpty }
        return Presentation.Language.fromEnvironment(system)
    }
}
