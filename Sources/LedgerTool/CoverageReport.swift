import ClientLedger
import EventLog
import Foundation

/// The one-page HTML reminder-coverage report: two pie charts (past and next 7 days) and the list of
/// uncovered appointments, self-contained (inline SVG and CSS, nothing fetched from the network).
enum CoverageReport {
    static func html(_ coverage: ReminderCoverage, salon: String) -> String {
        let rows = coverage.uncovered.map { item in
            "<tr><td>\(item.window)</td><td>\(escape(instant(item.start)))</td><td>\(escape(item.appointment.rawValue))</td>"
                + "<td>\(escape(item.client.rawValue))</td><td class=\"\(item.reason)\">\(item.reason == "noConsent" ? "no consent" : "missing")</td></tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Reminder coverage at \(escape(instant(coverage.now)))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            .charts { display: flex; gap: 4em; flex-wrap: wrap; }
            figure { margin: 0; text-align: center; }
            .legend span { display: inline-block; margin: 0 .6em; }
            .swatch { width: .9em; height: .9em; display: inline-block; vertical-align: middle; margin-right: .3em; }
            table { border-collapse: collapse; margin-top: 2em; }
            td, th { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: left; }
            td.missing { color: #b3261e; } td.noConsent { color: #8a6d00; }
            </style>
            </head>
            <body>
            <h1>Reminder coverage</h1>
            <p>\(escape(salon)), at \(escape(instant(coverage.now))). Cancelled appointments are left out; a past appointment counts as covered if a reminder was sent, an upcoming one if a reminder is scheduled or sent.</p>
            <div class="charts">
            \(pie("Past 7 days", coverage.past))
            \(pie("Next 7 days", coverage.next))
            </div>
            <div class="legend">
            <span><i class="swatch" style="background:\(colors.covered)"></i>with a reminder</span>
            <span><i class="swatch" style="background:\(colors.missing)"></i>missing</span>
            <span><i class="swatch" style="background:\(colors.noConsent)"></i>no consent</span>
            </div>
            <h2>Without a reminder (\(coverage.uncovered.count))</h2>
            <table>
            <tr><th>window</th><th>start</th><th>appointment</th><th>client</th><th>reason</th></tr>
            \(rows)
            </table>
            </body>
            </html>

            """
    }

    private static let colors = (covered: "#2e7d32", missing: "#c62828", noConsent: "#f9a825")

    /// A pie chart of one window as inline SVG, with its counts beneath.
    private static func pie(_ title: String, _ window: ReminderCoverage.Window) -> String {
        let parts = [(window.covered, colors.covered), (window.missing, colors.missing), (window.noConsent, colors.noConsent)]
        var shapes = ""
        if window.appointments == 0 {
            shapes = "<circle cx=\"100\" cy=\"100\" r=\"90\" fill=\"#eee\"/>"
        } else if let whole = parts.first(where: { $0.0 == window.appointments }) {
            shapes = "<circle cx=\"100\" cy=\"100\" r=\"90\" fill=\"\(whole.1)\"/>"
        } else {
            var angle = -Double.pi / 2
            for (count, color) in parts where count > 0 {
                let sweep = 2 * Double.pi * Double(count) / Double(window.appointments)
                let (x1, y1) = (100 + 90 * cos(angle), 100 + 90 * sin(angle))
                let (x2, y2) = (100 + 90 * cos(angle + sweep), 100 + 90 * sin(angle + sweep))
                shapes += "<path d=\"M100,100 L\(format(x1)),\(format(y1)) A90,90 0 \(sweep > Double.pi ? 1 : 0),1 \(format(x2)),\(format(y2)) Z\" fill=\"\(color)\"/>"
                angle += sweep
            }
        }
        return """
            <figure>
            <svg width="200" height="200" viewBox="0 0 200 200" role="img" aria-label="\(title)">\(shapes)</svg>
            <figcaption><strong>\(title)</strong><br>\(window.appointments) appointments: \(window.covered) with a reminder, \(window.missing) missing, \(window.noConsent) without consent</figcaption>
            </figure>
            """
    }

    private static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    private static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
