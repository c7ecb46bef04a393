import ClientLedger
import EventLog
import Foundation

/// The one-page HTML reminder-coverage report: two pie charts (past and next 7 days) and the list of
/// uncovered appointments, in the salon's time zone, self-contained (inline SVG and CSS).
enum CoverageReport {
    static func html(_ coverage: ReminderCoverage, salon: String, names: ClientNames) -> String {
        let escape = HTMLReport.escape
        let rows = coverage.uncovered.map { item in
            "<tr><td>\(item.window)</td><td>\(escape(instant(item.start)))</td><td>\(escape(item.appointment.rawValue))</td>"
                + "<td>\(escape(item.client.rawValue))</td><td>\(escape(names[item.client]))</td><td>\(escape(names.summary(item.client)?.phone ?? "-"))</td>"
                + "<td>\(item.reason == "noConsent" ? "no consent" : "missing")</td></tr>"
        }.joined(separator: "\n")
        func figure(_ title: String, _ window: ReminderCoverage.Window) -> String {
            "<figure>\(HTMLReport.pie(title, [window.covered, window.missing, window.noConsent]))<figcaption><strong>\(title)</strong><br>"
                + "\(window.appointments) appointments: \(window.covered) with a reminder, \(window.missing) missing, \(window.noConsent) without consent</figcaption></figure>"
        }
        let legend = zip(HTMLReport.parts, ["with a reminder", "missing", "no consent"]).map { part, label in
            "<span><i class=\"swatch\" style=\"\(part.swatch)\"></i>\(label)</span>"
        }.joined(separator: " ")
        return HTMLReport.page("Reminder coverage", """
            \(HTMLReport.patterns)
            <p>\(escape(salon)), at \(escape(instant(coverage.now))). Cancelled appointments are left out; a past appointment counts as covered if a reminder was sent, an upcoming one if a reminder is scheduled or sent.</p>
            <div class="charts">\(figure("Past 7 days", coverage.past))\(figure("Next 7 days", coverage.next))</div>
            <p class="legend">\(legend)</p>
            <h2>Without a reminder (\(coverage.uncovered.count))</h2>
            <table>
            <tr><th>window</th><th>start</th><th>appointment</th><th>client</th><th>name</th><th>phone</th><th>reason</th></tr>
            \(rows)
            </table>
            """)
    }
}
