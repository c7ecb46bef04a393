import ClientLedger
import Foundation
import Hummingbird

/// `/reminders`: the seed's reminder overview. Two pies, for the last and the next 7 days, with
/// numbers and percentages on them and in their legends; colours and patterns stay apart for
/// colour-blind readers. The count without a reminder links to its list. The upcoming appointments
/// without one list the client's name, phone (a call link), the local time, the service and the
/// reason, each with a tick box; one button schedules reminders for the ticked ones. Clients
/// without consent are listed with their reason and cannot be ticked. The past list is apart.
/// Long lists are paged.
struct FrontDeskReminders: Sendable {
    let ledger: SalonLedger
    /// Rows per page of each list.
    static let pageSize = 50

    func page(_ request: Request) async throws -> Response {
        let language = FrontDeskLanguage.of(request)
        let format = FrontDeskFormat(language, settings: try? ledger.salonSettings())
        let coverage = try await ledger.reminderCoverage(now: .now)
        let upcoming = coverage.uncovered.filter { $0.window == "next" }.sorted { ($0.start, $0.appointment.rawValue) < ($1.start, $1.appointment.rawValue) }
        let past = coverage.uncovered.filter { $0.window == "past" }.sorted { ($0.start, $0.appointment.rawValue) > ($1.start, $1.appointment.rawValue) }
        // The page asked for; each list keeps it within its pages.
        let pageNumber = Int(request.uri.queryParameters["page"].map(String.init) ?? "") ?? 1
        let pastPage = Int(request.uri.queryParameters["past"].map(String.init) ?? "") ?? 1

        var body = ""
        if let scheduled = request.uri.queryParameters["scheduled"].flatMap({ Int(String($0)) }) {
            body += "<p class=\"notice\" role=\"status\">\(escape(language(.scheduled(scheduled))))</p>"
        }
        body += "<div class=\"charts\">"
        body += pie(language(.past7), coverage.past, anchor: "past-missing", id: "past", language, format)
        body += pie(language(.next7), coverage.next, anchor: "next-missing", id: "next", language, format)
        body += "</div>"

        // Upcoming: the actionable list, first; then the past.
        // Each pager keeps the other list's page.
        body += try list(upcoming, tickable: true, heading: language(.futureMissing), anchor: "next-missing", page: pageNumber, parameter: "page",
                         other: "past=\(pastPage)", language, format)
        body += try list(past, tickable: false, heading: language(.pastMissing), anchor: "past-missing", page: pastPage, parameter: "past",
                         other: "page=\(pageNumber)", language, format)
        return FrontDeskPage(title: language(.reminders), language: language, path: "/reminders", query: FrontDeskPage.kept(request), body: body).response()
    }

    /// `POST /reminders/schedule` with the ticked `appointment` fields: schedules a reminder for each
    /// of them that still misses one (by text message, the salon's lead time before), then shows
    /// the overview again with how many.
    func schedule(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        // Each ticked box is `CLIENT/APPOINTMENT`, each part percent-encoded (``boxValue(_:_:)``): an
        // id may hold a `/` itself. An appointment id is its client's own.
        let ticked = try formFields(String(buffer: body)).filter { $0.name == "appointment" }.map { field in
            let parts = field.value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let client = parts[0].removingPercentEncoding, let appointment = parts[1].removingPercentEncoding else {
                throw APIError(.badRequest, LedgerError(.invalidField, "a ticked appointment must be CLIENT/APPOINTMENT, each part percent-encoded", field: "appointment"))
            }
            let chosen = ClientAppointment(client: try ClientID(client), appointment: try AppointmentID(appointment))
            // Only an appointment the page could have shown: anything else is refused, not passed over.
            guard try ledger.card(of: chosen.client)?.appointments.contains(where: { $0.appointment == chosen.appointment }) == true else {
                throw LedgerError(.unknownReference, "client \(client) has no appointment \(appointment)", field: "appointment") // 404, as any unknownReference
            }
            return chosen
        }
        guard !ticked.isEmpty else { return FrontDeskPage.redirect("/reminders?scheduled=0#next-missing") }
        let recorded = try await ledger.scheduleMissingReminders(at: .now, channel: .sms, actor: "front desk", only: Set(ticked))
        return FrontDeskPage.redirect("/reminders?scheduled=\(recorded.count)#next-missing")
    }

    /// A tick box's value: `CLIENT/APPOINTMENT`, each percent-encoded so that the `/` between them
    /// is the only one.
    static func boxValue(_ client: ClientID, _ appointment: AppointmentID) -> String {
        // RFC 3986's unreserved characters stay as they are (`c12/a3`, `front-desk/t2`).
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let encode = { (id: String) in id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id }
        return encode(client.rawValue) + "/" + encode(appointment.rawValue)
    }

    /// One list of appointments without a reminder, a page of it: upcoming ones with tick boxes in
    /// a form whose button schedules the ticked, past ones as they are.
    private func list(_ items: [ReminderCoverage.Uncovered], tickable: Bool, heading: String, anchor: String, page: Int, parameter: String,
                      other: String, _ language: FrontDeskLanguage, _ format: FrontDeskFormat) throws -> String {
        var body = "<h2 id=\"\(anchor)\">\(heading) (\(format.number(Int64(items.count))))</h2>"
        // Any page number asked for (0, negative, past the end, Int.max) is brought within the list's.
        let pages = max(1, (items.count + Self.pageSize - 1) / Self.pageSize)
        let page = min(max(1, page), pages)
        let start = (page - 1) * Self.pageSize
        let shown = items[start..<min(items.count, start + Self.pageSize)]
        if shown.isEmpty {
            body += "<p>\(language(.nothingMissing))</p>"
        } else {
            let columns = (tickable ? [language(.tick)] : []) + [language(.client), language(.phone), language(.time), language(.service), language(.reason)]
            if tickable { body += "<form method=\"post\" action=\"/reminders/schedule\">" }
            body += "<table><thead><tr>" + columns.map { "<th scope=\"col\">\($0)</th>" }.joined() + "</tr></thead><tbody>"
            for item in shown { body += try row(item, tickable: tickable, language, format) }
            body += "</tbody></table>"
            if tickable { body += "<button type=\"submit\">\(language(.scheduleTicked))</button></form>" }
        }
        return body + pager(pages: pages, page: page, parameter: parameter, other: other, anchor: anchor, language)
    }

    /// The links to a list's previous and next pages; `other` is the other list's page, kept.
    private func pager(pages: Int, page: Int, parameter: String, other: String, anchor: String, _ language: FrontDeskLanguage) -> String {
        guard pages > 1 else { return "" }
        var links: [String] = []
        if page > 1 { links.append("<a href=\"?\(parameter)=\(page - 1)&amp;\(other)#\(anchor)\" rel=\"prev\">\(language(.previous))</a>") }
        links.append("\(page) / \(pages)")
        if page < pages { links.append("<a href=\"?\(parameter)=\(page + 1)&amp;\(other)#\(anchor)\" rel=\"next\">\(language(.next))</a>") }
        return "<nav class=\"pager\" aria-label=\"\(anchor)\">" + links.joined(separator: " · ") + "</nav>"
    }

    /// One appointment of a list: its client's name and phone, the local time, the service, the
    /// reason, and for an upcoming one that may get a reminder, a tick box.
    private func row(_ item: ReminderCoverage.Uncovered, tickable: Bool, _ language: FrontDeskLanguage, _ format: FrontDeskFormat) throws -> String {
        let card = try ledger.card(of: item.client)
        let name = card?.name ?? item.client.rawValue
        let service = card?.appointments.first { $0.appointment == item.appointment }?.service ?? ""
        let reason = item.reason == "noConsent" ? language(.reasonNoConsent) : language(.reasonMissing)
        var cells = ""
        if tickable {
            let id = "tick-\(escape(item.client.rawValue))-\(escape(item.appointment.rawValue))"
            let label = "\(language(.tick)): \(name), \(format.instant(item.start))"
            if item.reason == "missing" {
                cells += "<td><input type=\"checkbox\" name=\"appointment\" value=\"\(escape(Self.boxValue(item.client, item.appointment)))\" id=\"\(id)\" aria-label=\"\(escape(label))\"></td>"
            } else {
                cells += "<td><input type=\"checkbox\" disabled id=\"\(id)\" aria-label=\"\(escape(label)) — \(escape(reason))\"></td>"
            }
        }
        cells += "<td><a href=\"\(FrontDeskClients.path(item.client))\">\(escape(name))</a></td>"
        cells += "<td>" + (card?.phone.map { "<a href=\"tel:\(escape($0))\">\(escape($0))</a>" } ?? "–") + "</td>"
        cells += "<td>\(escape(format.instant(item.start)))</td><td>\(escape(service))</td><td class=\"\(item.reason)\">\(escape(reason))</td>"
        return "<tr>\(cells)</tr>"
    }

    /// A pie of one window with its legend: with a reminder (solid blue), without one (orange with
    /// stripes, its count a link to its list), without consent (grey with dots).
    private func pie(_ caption: String, _ window: ReminderCoverage.Window, anchor: String, id: String,
                     _ language: FrontDeskLanguage, _ format: FrontDeskFormat) -> String {
        let parts: [(count: Int, fill: String, swatch: String, label: String, link: Bool)] = [
            (window.covered, "#1f5fa8", "background:#1f5fa8", language(.covered), false),
            (window.missing, "url(#stripes-\(id))", "background:repeating-linear-gradient(45deg,#e66100 0 4px,#fff 4px 6px)", language(.missing), true),
            (window.noConsent, "url(#dots-\(id))", "background:radial-gradient(#fff 25%,#6e6e6e 30%);background-size:6px 6px", language(.noConsent), false),
        ]
        let total = window.appointments
        var svg = """
            <svg viewBox="-110 -110 220 220" width="260" height="260" role="img" aria-labelledby="title-\(id)">
            <title id="title-\(id)">\(escape(caption)): \(total) \(escape(language(.appointments)))</title>
            <defs>
            <pattern id="stripes-\(id)" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="8" height="8" fill="#e66100"/><rect width="3" height="8" fill="#fff"/></pattern>
            <pattern id="dots-\(id)" width="8" height="8" patternUnits="userSpaceOnUse">
            <rect width="8" height="8" fill="#6e6e6e"/><circle cx="4" cy="4" r="1.6" fill="#fff"/></pattern>
            </defs>
            """
        if total == 0 {
            svg += "<circle r=\"100\" fill=\"#eee\" stroke=\"#999\"/>"
        } else {
            var angle = -Double.pi / 2
            for part in parts where part.count > 0 {
                let sweep = Double(part.count) / Double(total) * 2 * .pi
                if part.count == total {
                    svg += "<circle r=\"100\" fill=\"\(part.fill)\" stroke=\"#fff\"/>"
                } else {
                    let (x0, y0) = (100 * cos(angle), 100 * sin(angle))
                    let (x1, y1) = (100 * cos(angle + sweep), 100 * sin(angle + sweep))
                    svg += String(format: "<path d=\"M0,0 L%.2f,%.2f A100,100 0 %d,1 %.2f,%.2f Z\" fill=\"%@\" stroke=\"#fff\" stroke-width=\"2\"/>",
                                  x0, y0, sweep > .pi ? 1 : 0, x1, y1, part.fill)
                }
                // The number and share on the slice, on a white plate so that it reads on any pattern.
                if Double(part.count) / Double(total) >= 0.08 {
                    let middle = angle + sweep / 2
                    let (x, y) = (part.count == total ? 0 : 58 * cos(middle), part.count == total ? 0 : 58 * sin(middle))
                    let text = "\(part.count) · \(format.percent(part.count, of: total))"
                    svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"20\" rx=\"4\" fill=\"#fff\" opacity=\"0.9\"/>", x - Double(text.count) * 3.6, y - 14, text.count * 7 + 2)
                    svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"600\">%@</text>", x, y, escape(text))
                }
                angle += sweep
            }
        }
        svg += "</svg>"
        let legend = parts.map { part in
            let figure = "\(format.number(Int64(part.count))) \(escape(part.label)) (\(format.percent(part.count, of: total)))"
            let text = part.link && part.count > 0 ? "<a href=\"#\(anchor)\" id=\"\(id)-missing-link\">\(figure)</a>" : figure
            return "<li><span class=\"swatch\" style=\"\(part.swatch)\"></span>\(text)</li>"
        }.joined()
        return "<figure><figcaption>\(escape(caption)): \(format.number(Int64(total))) \(escape(language(.appointments)))</figcaption>\(svg)<ul class=\"legend\">\(legend)</ul></figure>"
    }
}
