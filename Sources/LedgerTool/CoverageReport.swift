import ClientLedger
import EventLog
import Foundation

/// The one-page HTML reminder-coverage report: two pie charts (past and next 7 days) and the list of
/// uncovered appointments, in the salon's time zone, self-contained (inline SVG and CSS).
enum CoverageReport {
    static func html(_ coverage: ReminderCoverage, salon: String, names: ClientNames) -> String {
        let escape = HTMLReport.escape
        let rows = coverage.uncovered.map { item in
            "<tr><td>\(escape(say(.window(item.window))))</td><td>\(escape(instant(item.start)))</td><td>\(escape(item.appointment.rawValue))</td>"
                + "<td>\(escape(item.client.rawValue))</td><td>\(escape(names[item.client]))</td><td>\(escape(names.summary(item.client)?.phone ?? "-"))</td>"
                + "<td>\(escape(say(.uncoveredReason(item.reason))))</td></tr>"
        }.joined(separator: "\n")
        func figure(_ title: ToolText, _ window: ReminderCoverage.Window) -> String {
            let counts = say(.coverageWindow(appointments: window.appointments, covered: window.covered, missing: window.missing, noConsent: window.noConsent))
            return "<figure>\(HTMLReport.pie(say(title), [window.covered, window.missing, window.noConsent]))<figcaption><strong>\(escape(say(title)))</strong><br>"
                + "\(escape(counts))</figcaption></figure>"
        }
        let legend = zip(HTMLReport.parts, [ToolText.withReminder, .missingReminder, .noConsent]).map { part, label in
            "<span><i class=\"swatch\" style=\"\(part.swatch)\"></i>\(escape(say(label)))</span>"
        }.joined(separator: " ")
        let headers = [ToolText.window, .start, .appointment, .client, .name, .phone, .reason].map { "<th>\(escape(say($0)))</th>" }.joined()
        return HTMLReport.page(say(.coverageTitle), """
            \(HTMLReport.patterns)
            <p>\(escape(say(.coverageIntro(salon: salon, at: instant(coverage.now)))))</p>
            <div class="charts">\(figure(.past7Days, coverage.past))\(figure(.next7Days, coverage.next))</div>
            <p class="legend">\(legend)</p>
            <h2>\(escape(say(.withoutReminder(coverage.uncovered.count))))</h2>
            <table>
            <tr>\(headers)</tr>
            \(rows)
            </table>
            """)
    }
}
