#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An instant as whole microseconds since 1970-01-01T00:00:00Z, ignoring leap seconds (Unix time).
///
/// The log stores instants in this form (a signed 64-bit integer), which sorts, compares and
/// subtracts with no calendar work and no Foundation. ``description`` prints RFC 3339 in UTC
/// (`2026-11-22T10:02:56.123456Z`); ``init(rfc3339:)`` parses it without Foundation's date parser.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since the Unix epoch (negative before 1970).
    public var microsecondsSinceEpoch: Int64

    /// Creates an instant from microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Creates an instant from whole seconds since the Unix epoch (clamped to the range of
    /// microseconds an `Int64` holds, about ±292,000 years).
    public init(secondsSinceEpoch: Int64) {
        let (micros, overflow) = secondsSinceEpoch.multipliedReportingOverflow(by: 1_000_000)
        self.microsecondsSinceEpoch = overflow ? (secondsSinceEpoch < 0 ? .min : .max) : micros
    }

    /// The current wall-clock time (`CLOCK_REALTIME`).
    public static var now: Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// This instant moved by `microseconds` (negative to go back), clamped to the range an `Int64`
    /// holds: an instant read from a damaged or hostile record can never make arithmetic trap.
    public func adding(microseconds: Int64) -> Timestamp {
        let (moved, overflow) = microsecondsSinceEpoch.addingReportingOverflow(microseconds)
        return Timestamp(microsecondsSinceEpoch: overflow ? (microseconds < 0 ? .min : .max) : moved)
    }

    /// Microseconds in a day.
    package static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Whole days since 1970-01-01 (UTC), rounded toward the past (so instants before 1970 work).
    package var daysSinceEpoch: Int64 {
        let micros = microsecondsSinceEpoch
        return micros >= 0 ? micros / Self.microsecondsPerDay : (micros - Self.microsecondsPerDay + 1) / Self.microsecondsPerDay
    }

    /// Microseconds since the start of this instant's day (UTC).
    package var microsecondsIntoDay: Int64 { microsecondsSinceEpoch - daysSinceEpoch * Self.microsecondsPerDay }

    // MARK: RFC 3339

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    package static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// RFC 3339 in UTC with a `Z`; fractional seconds only when there are any (6 digits).
    public var description: String {
        var out = [UInt8]()
        out.reserveCapacity(27)
        writeRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``description``'s UTF-8 bytes to `out`, without making a string: what a writer of
    /// many timestamps (an export) calls.
    package func writeRFC3339(to out: inout [UInt8]) {
        let days = daysSinceEpoch
        let secondOfDay = microsecondsIntoDay / 1_000_000
        let fraction = microsecondsIntoDay % 1_000_000
        let (year, month, day) = Timestamp.civil(fromDays: days)
        guard year >= 0, year <= 9999 else {
            out.append(contentsOf: "\(microsecondsSinceEpoch)µs".utf8)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { buffer in
            var count = 0
            func put(_ value: Int64, digits: Int) {
                var rest = value
                for index in stride(from: count + digits - 1, through: count, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
                count += digits
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[count] = UInt8(ascii: byte)
                count += 1
            }
            put(year, digits: 4); put("-")
            put(month, digits: 2); put("-")
            put(day, digits: 2); put("T")
            put(secondOfDay / 3600, digits: 2); put(":")
            put(secondOfDay / 60 % 60, digits: 2); put(":")
            put(secondOfDay % 60, digits: 2)
            if fraction != 0 {
                put(".")
                put(fraction, digits: 6)
            }
            put("Z")
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. A lower-case `t`/`z` and a space
    /// instead of `T` are accepted, as RFC 3339 allows. Fractions beyond microseconds are truncated.
    /// Returns `nil` for anything else, including impossible dates such as February 30.
    public init?(rfc3339 text: some StringProtocol) {
        var bytes = Array(text.utf8)[...]
        func number(_ digits: Int) -> Int64? {
            guard bytes.count >= digits else { return nil }
            var value: Int64 = 0
            for _ in 0..<digits {
                let byte = bytes.removeFirst()
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func expect(_ characters: UInt8...) -> Bool {
            guard let byte = bytes.first, characters.contains(byte) else { return false }
            bytes.removeFirst()
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
              let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
              let second = number(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        var micros: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            var digits = 0
            while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                bytes.removeFirst()
                if digits < 6 { micros = micros * 10 + Int64(byte - UInt8(ascii: "0")) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if expect(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            bytes.removeFirst()
            guard let offsetHours = number(2), expect(UInt8(ascii: ":")), let offsetMinutes = number(2),
                  offsetHours < 24, offsetMinutes < 60 else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard bytes.isEmpty else { return nil }
        let days = Timestamp.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        self.init(microsecondsSinceEpoch: seconds * 1_000_000 + micros)
    }

    /// Days in `month` of `year` (proleptic Gregorian).
    package static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
