import EventLog

/// Calendar arithmetic in UTC, without Foundation's calendar.
package enum Calendar {
    /// The same instant `months` calendar months earlier; a day that month lacks (31 March − 1 month)
    /// becomes the month's last day.
    package static func subtractingMonths(_ months: Int, from instant: Timestamp) -> Timestamp {
        let date = Timestamp.civil(fromDays: instant.daysSinceEpoch)
        var monthIndex = date.year * 12 + (date.month - 1) - Int64(months)
        if monthIndex < 0 { monthIndex = 0 }
        let year = monthIndex / 12, month = monthIndex % 12 + 1
        let day = min(date.day, Timestamp.daysIn(month: month, year: year))
        return Timestamp(microsecondsSinceEpoch: Timestamp.daysSinceEpoch(year: year, month: month, day: day) * Timestamp.microsecondsPerDay
                         + instant.microsecondsIntoDay)
    }
}
