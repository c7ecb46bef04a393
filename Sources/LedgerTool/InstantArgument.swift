import ClientLedger
import EventLog
import Foundation

/// An instant given on the command line: RFC 3339, or a plain date `YYYY-MM-DD` that means the start
/// or the end of that day in the salon's time zone.
struct InstantArgument {
    /// Which end of a plain date's day is meant.
    enum DayEnd {
        /// Midnight at the day's start (`--from`).
        case start
        /// The last microsecond of the day (`--as-of`, `--to`, `--now`): "as of the 31st" includes the 31st.
        case end
    }

    /// Parses `text`, or returns now if it is `nil`; plain dates are placed in the time zone of the
    /// salon's settings.
    static func parse(_ text: String?, option: String, dayEnd: DayEnd, ledger: SalonLedger) throws -> Timestamp {
        guard let text else { return .now }
        return try parse(text, option: option, dayEnd: dayEnd, timeZone: try ledger.salonSettings().timeZone)
    }

    /// Parses `text` with `timeZone` (an IANA name such as `Europe/Berlin`) for plain dates.
    /// `option` names the option in the error message.
    static func parse(_ text: String, option: String, dayEnd: DayEnd, timeZone: String) throws(ToolError) -> Timestamp {
        if let instant = Timestamp(rfc3339: text) { return instant }
        guard let date = try? CalendarDate(text) else {
            throw ToolError(.refused, "\(option) \(text) is neither an RFC 3339 instant (2026-11-22T10:00:00Z) nor a date (2026-11-22)")
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw ToolError(.refused, "the salon's time zone \(timeZone) is unknown to this machine, so \(option) \(text) cannot be placed; give an RFC 3339 instant")
        }
        let day = date.daysSinceEpoch + (dayEnd == .start ? 0 : 1)
        let midnight = localMidnight(day, in: zone)
        return dayEnd == .start ? midnight : midnight.adding(microseconds: -1)
    }

    /// The instant of midnight at the start of `day` (days since 1970-01-01) in `zone`, found from the zone's offset around it
    /// (twice, so a day that starts just after an offset change is placed right).
    private static func localMidnight(_ day: Int64, in zone: TimeZone) -> Timestamp {
        let utcMidnight = Timestamp(secondsSinceEpoch: day * 86_400)
        var guess = utcMidnight
        for _ in 0..<2 {
            let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(guess.microsecondsSinceEpoch) / 1_000_000)))
            guess = utcMidnight.adding(microseconds: -offset * 1_000_000)
        }
        return guess
    }
}
