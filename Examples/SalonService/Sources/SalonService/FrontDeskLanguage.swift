import ClientLedger
import Foundation
import Hummingbird

/// The front desk's languages, and how it writes dates and money for each: German, Dutch and
/// English, chosen by `?lang=`, then a `lang` cookie, then the browser's `Accept-Language`.
enum FrontDeskLanguage: String, CaseIterable, Sendable {
    case de, nl, en

    /// The locale whose conventions the pages follow.
    var locale: Locale {
        switch self {
        case .de: Locale(identifier: "de_DE")
        case .nl: Locale(identifier: "nl_NL")
        case .en: Locale(identifier: "en_GB")
        }
    }

    /// The language a request asks for.
    static func of(_ request: Request) -> FrontDeskLanguage {
        if let chosen = request.uri.queryParameters["lang"].flatMap({ FrontDeskLanguage(rawValue: String($0)) }) { return chosen }
        if let cookie = request.cookies["lang"].flatMap({ FrontDeskLanguage(rawValue: $0.value) }) { return cookie }
        let accepted = request.headers[.acceptLanguage] ?? ""
        for range in accepted.split(separator: ",") {
            let tag = range.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if let language = FrontDeskLanguage(rawValue: String(tag.prefix(2))) { return language }
        }
        return .en
    }

    /// A sentence of the pages in this language.
    func callAsFunction(_ text: FrontDeskText) -> String {
        switch self {
        case .de: text.german
        case .nl: text.dutch
        case .en: text.english
        }
    }
}

/// How a page writes instants and money: in the salon's time zone and currency, in the language's way.
struct FrontDeskFormat: Sendable {
    let language: FrontDeskLanguage
    let timeZone: TimeZone
    let currency: String

    init(_ language: FrontDeskLanguage, settings: SalonSettingsChanged?) {
        self.language = language
        timeZone = settings.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC") ?? .current
        currency = settings?.currency ?? "EUR"
    }

    private func date(_ instant: Timestamp) -> Date {
        Date(timeIntervalSince1970: Double(instant.microsecondsSinceEpoch) / 1_000_000)
    }

    /// `12. Dez. 2026, 17:45` (de), `12 dec 2026, 17:45` (nl), `12 Dec 2026 at 17:45` (en), in the salon's time zone.
    func instant(_ instant: Timestamp?) -> String {
        guard let instant else { return "–" }
        return date(instant).formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, locale: language.locale, timeZone: timeZone))
    }

    /// The day only.
    func day(_ instant: Timestamp?) -> String {
        guard let instant else { return "–" }
        return date(instant).formatted(Date.FormatStyle(date: .abbreviated, time: .omitted, locale: language.locale, timeZone: timeZone))
    }

    /// Cents in the salon's currency: `172,50 €` (de), `€ 172,50` (nl), `€172.50` (en). Exact:
    /// the cents become a decimal, never a binary fraction.
    func money(_ cents: Int64) -> String {
        (Decimal(cents) / 100).formatted(.currency(code: currency).locale(language.locale))
    }

    /// A whole number in the language's way (`1.234`).
    func number(_ value: Int64) -> String {
        value.formatted(.number.locale(language.locale))
    }

    /// A share in percent, rounded to a whole one: `42 %` (de, nl), `42%` (en).
    func percent(_ part: Int, of whole: Int) -> String {
        let share = whole == 0 ? 0 : Double(part) / Double(whole)
        return share.formatted(.percent.precision(.fractionLength(0)).locale(language.locale))
    }
}
