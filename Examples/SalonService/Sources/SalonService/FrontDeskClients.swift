import ClientLedger
import Foundation
import Hummingbird

/// `/clients?q=…` (search) and `/clients/{id}` (the card), with the card's forms: consents as
/// toggles recorded with the staff member as their source, archive, reactivate, and erase with a
/// confirmation.
struct FrontDeskClients: Sendable {
    let ledger: SalonLedger

    /// `GET /clients?q=TEXT[&archived=1]`: accent-insensitive search in names, e-mail addresses and
    /// phone numbers (national or international form), among the active clients or, ticked, the
    /// archived ones (whose card offers to reactivate them).
    func search(_ request: Request) async throws -> Response {
        let language = FrontDeskLanguage.of(request)
        let format = FrontDeskFormat(language, settings: try? ledger.salonSettings())
        let query = request.uri.queryParameters["q"].map(String.init) ?? ""
        let archived = request.uri.queryParameters["archived"] == "1"
        var body = """
            <form method="get" action="/clients" role="search">
            <label for="q">\(language(.searchLabel))</label>
            <input type="search" id="q" name="q" value="\(escape(query))" autofocus>
            <input type="checkbox" id="archived" name="archived" value="1"\(archived ? " checked" : "")>
            <label for="archived">\(language(.archivedClients))</label>
            <button type="submit">\(language(.search))</button></form>
            """
        if !query.trimmingCharacters(in: .whitespaces).isEmpty {
            let found = try await ledger.clients(archived: archived, search: query)
            if found.isEmpty {
                body += "<p>\(language(.noClients))</p>"
            } else {
                body += "<table><thead><tr><th scope=\"col\">\(language(.client))</th><th scope=\"col\">\(language(.phone))</th><th scope=\"col\">\(language(.email))</th>"
                    + "<th scope=\"col\" class=\"number\">\(language(.points))</th><th scope=\"col\">\(language(.lastVisit))</th></tr></thead><tbody>"
                for client in found.prefix(100) {
                    body += "<tr><td><a href=\"\(Self.path(client.client))\">\(escape(client.name ?? client.client.rawValue))</a></td>"
                        + "<td>\(client.phone.map { "<a href=\"tel:\(escape($0))\">\(escape($0))</a>" } ?? "–")</td><td>\(escape(client.email ?? "–"))</td>"
                        + "<td class=\"number\">\(format.number(client.points))</td><td>\(escape(format.day(client.lastVisit)))</td></tr>"
                }
                body += "</tbody></table>"
                if found.count > 100 { body += "<p class=\"notice\" role=\"status\">\(escape(language(.moreFound(shown: 100, found: found.count))))</p>" }
            }
        }
        return FrontDeskPage(title: language(.clients), language: language, path: "/clients", query: FrontDeskPage.kept(request), body: body).response()
    }

    /// `/clients/{id}` of `client`.
    static func path(_ client: ClientID) -> String {
        "/clients/" + escape(client.rawValue.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? client.rawValue)
    }

    /// `GET /clients/{id}`: the card. Alerts first; then the call link, consents as toggles,
    /// points with their history, subscriptions, notes, forms, documents, visits and appointments;
    /// archive, reactivate and erase at the end. Prints without the forms.
    func card(_ request: Request, client: ClientID) async throws -> Response {
        let language = FrontDeskLanguage.of(request)
        let format = FrontDeskFormat(language, settings: try? ledger.salonSettings())
        guard let card = try ledger.card(of: client) else {
            throw APIError(.notFound, LedgerError(.unknownClient, "client \(client) is not registered", client: client.rawValue))
        }
        let staff = Self.rememberedStaff(request) ?? ""
        let base = Self.path(client)
        var body = ""
        // What the last form did: a refusal of the ledger's rules, or a redemption's discount.
        if let error = request.uri.queryParameters["error"].map(String.init) {
            // The desk's own sentence for the refusal's code, in the staff's language; the
            // ledger's words (English) beneath, for the details it names.
            let code = request.uri.queryParameters["refused"].map(String.init) ?? ""
            let field = request.uri.queryParameters["field"].map(String.init)
            if let sentence = FrontDeskText.refusal(code, field: field) {
                body += "<p class=\"alert\" role=\"alert\"><strong>\(language(.refused)):</strong> \(escape(language(sentence)))"
                    + "<br><small class=\"muted\" lang=\"en\">\(language(.details)): \(escape(error))</small></p>"
            } else {
                body += "<p class=\"alert\" role=\"alert\"><strong>\(language(.refused)):</strong> <span lang=\"en\">\(escape(error))</span></p>"
            }
        }
        if let points = request.uri.queryParameters["redeemed"].flatMap({ Int64(String($0)) }),
           let discount = request.uri.queryParameters["discount"].flatMap({ Int64(String($0)) }) {
            body += "<p class=\"notice\" role=\"status\">\(escape(language(.redeemed(format.number(points), format.money(discount)))))</p>"
        }
        for alert in card.alerts where !alert.text.isEmpty {
            body += "<p class=\"alert\" role=\"alert\"><strong>\(language(.alert)):</strong> \(escape(alert.text))</p>"
        }
        if card.erased { body += "<p class=\"muted\">\(language(.erased))</p>" }
        if card.archived { body += "<p class=\"muted\">\(language(.archived))</p>" }
        if let phone = card.phone {
            body += "<p>\(language(.phone)): <a href=\"tel:\(escape(phone))\">\(escape(phone))</a> <a class=\"no-print\" href=\"tel:\(escape(phone))\">(\(language(.call)))</a></p>"
        }
        if let email = card.email { body += "<p>\(language(.email)): <a href=\"mailto:\(escape(email))\">\(escape(email))</a></p>" }
        body += "<p class=\"no-print\"><button type=\"button\" onclick=\"window.print()\">\(language(.print))</button></p>"

        // Consents, each a toggle that records a consent change with the staff member as source.
        body += "<h2>\(language(.consents))</h2><table><tbody>"
        for (consent, label) in [(Consent.reminders, language(.consentReminders)), (.marketing, language(.consentMarketing)), (.visitNudges, language(.consentNudges))] {
            let state = card.consents[consent]
            let granted = state?.granted == true
            body += "<tr><th scope=\"row\">\(escape(label))</th><td>\(granted ? language(.granted) : language(.notGranted))"
            if let at = state?.changedAt { body += " <span class=\"muted\">(\(escape(format.day(at)))\(state?.source.map { ", " + escape($0) } ?? ""))</span>" }
            body += "</td><td>"
            if !card.erased {
                let field = "staff-\(consent.rawValue)"
                body += """
                    <form method="post" action="\(base)/consents" class="inline">
                    <input type="hidden" name="consent" value="\(consent.rawValue)">
                    <input type="hidden" name="granted" value="\(granted ? "false" : "true")">
                    <label for="\(field)">\(language(.staff))</label>
                    <input type="text" id="\(field)" name="staff" value="\(escape(staff))" required size="10">
                    <button type="submit" id="toggle-\(consent.rawValue)">\(granted ? language(.withdraw) : language(.grant)): \(escape(label))</button>
                    </form>
                    """
            }
            body += "</td></tr>"
        }
        body += "</tbody></table>"

        body += "<h2>\(language(.points)): \(format.number(card.points))</h2>"
        if !card.erased && !card.archived {
            body += """
                <form method="post" action="\(base)/redeem" class="no-print">
                <label for="redeem-points">\(language(.redeem))</label>
                <input type="number" id="redeem-points" name="points" min="1" step="1" required>
                <button type="submit" id="redeem">\(language(.redeemButton))</button></form>
                """
        }
        if !card.pointsHistory.isEmpty {
            body += "<table><thead><tr><th scope=\"col\">\(language(.time))</th><th scope=\"col\" class=\"number\">\(language(.points))</th><th scope=\"col\">\(language(.reason))</th></tr></thead><tbody>"
            for change in card.pointsHistory.reversed() {
                body += "<tr><td>\(escape(format.day(change.at)))</td><td class=\"number\">\(format.number(change.points))</td><td>\(escape(language(.pointsKind(change.kind))))\(change.reason.map { ": " + escape(change.kind == "accrued" ? language(.accrualReason($0)) : $0) } ?? "")</td></tr>"
            }
            body += "</tbody></table>"
        }

        if !card.subscriptions.isEmpty {
            body += "<h2>\(language(.subscriptions))</h2><table><thead><tr><th scope=\"col\">\(language(.service))</th><th scope=\"col\" class=\"number\">\(language(.remaining))</th>"
                + "<th scope=\"col\" class=\"number\">\(language(.residual))</th><th scope=\"col\">\(language(.purchased))</th><th scope=\"col\">\(language(.used))</th></tr></thead><tbody>"
            for subscription in card.subscriptions {
                let remaining = subscription.kind == "credit" ? format.money(subscription.remaining) : format.number(subscription.remaining)
                body += "<tr><td>\(escape(subscription.plan))</td><td class=\"number\">\(remaining)</td><td class=\"number\">\(format.money(subscription.residualValue))</td>"
                    + "<td>\(escape(format.day(subscription.purchasedAt)))</td><td>\(subscription.usedAt.map { escape(format.day($0)) }.joined(separator: ", "))</td></tr>"
            }
            body += "</tbody></table>"
        }
        let notes = card.notes.filter { !$0.text.isEmpty }
        if !notes.isEmpty { body += "<h2>\(language(.notes))</h2><ul>" + notes.map { "<li>\(escape($0.text))</li>" }.joined() + "</ul>" }
        if !card.intakeForms.isEmpty {
            body += "<h2>\(language(.forms))</h2><ul>" + card.intakeForms.map { form in
                "<li>\(escape(format.day(form.at))): " + form.answers.sorted { $0.key < $1.key }.map { "\(escape($0.key)): \(escape($0.value))" }.joined(separator: "; ") + "</li>"
            }.joined() + "</ul>"
        }
        if !card.documents.isEmpty {
            body += "<h2>\(language(.documents))</h2><ul>" + card.documents.map { "<li>\(escape($0.name)) (\(escape($0.mediaType)))</li>" }.joined() + "</ul>"
        }
        if !card.appointments.isEmpty {
            body += "<h2>\(language(.upcoming))</h2><ul>" + card.appointments.sorted { $0.start > $1.start }.prefix(20).map { appointment in
                "<li>\(escape(format.instant(appointment.start))) · \(escape(appointment.service))\(appointment.cancelled ? " (\(language(.cancelled)))" : "")</li>"
            }.joined() + "</ul>"
        }
        if !card.visits.isEmpty {
            body += "<h2>\(language(.visits)) (\(card.visits.count))</h2><ul>" + card.visits.sorted { $0.at > $1.at }.prefix(20).map { visit in
                "<li>\(escape(format.day(visit.at))) · \(language(.revenue)) \(format.money(visit.revenue))</li>"
            }.joined() + "</ul>"
        }

        if !card.erased {
            body += "<section class=\"no-print\"><h2>\(language(.archive)) / \(language(.erase))</h2>"
            body += card.archived
                ? "<form method=\"post\" action=\"\(base)/reactivate\" class=\"inline\"><button type=\"submit\">\(language(.reactivate))</button></form>"
                : "<form method=\"post\" action=\"\(base)/archive\" class=\"inline\"><button type=\"submit\">\(language(.archive))</button></form>"
            body += """
                <form method="post" action="\(base)/erase"><label for="confirm">\(language(.eraseConfirm))</label>
                <input type="text" id="confirm" name="confirm" required autocomplete="off">
                <button type="submit">\(language(.erase))</button></form></section>
                """
        }
        let title = card.name ?? (card.erased ? language(.erased) : client.rawValue)
        return FrontDeskPage(title: title, language: language, path: base, body: body).response()
    }

    /// `POST /clients/{id}/consents` (`consent`, `granted`, `staff`): records the change with the
    /// staff member as its source and actor, remembers the staff member in a cookie, and shows the
    /// card again.
    func changeConsent(_ request: Request, client: ClientID) async throws -> Response {
        let fields = formFields(String(buffer: try await request.body.collect(upTo: 1 << 16)))
        func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
        guard let consent = field("consent").flatMap(Consent.init(rawValue:)), let granted = field("granted").map({ $0 == "true" }),
              let staff = field("staff")?.trimmingCharacters(in: .whitespaces), !staff.isEmpty else {
            return Self.back(to: client, refused: LedgerError(.invalidField, "the form needs a consent, whether it is granted, and the staff member", field: "staff"))
        }
        do {
            try await ledger.changeConsent(of: client, consent, granted: granted, source: "front desk: \(staff)", actor: staff)
        } catch {
            return Self.back(to: client, refused: error)
        }
        var response = FrontDeskPage.redirect(Self.path(client))
        response.headers[.setCookie] = "staff=\(staff.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""); Path=/; SameSite=Lax"
        return response
    }

    /// `POST /clients/{id}/redeem` (`points`): redeems them for the programme's discount, recorded
    /// with the staff member as actor, and shows the card with the discount granted.
    func redeem(_ request: Request, client: ClientID) async throws -> Response {
        let fields = formFields(String(buffer: try await request.body.collect(upTo: 1 << 16)))
        guard let points = fields.first(where: { $0.name == "points" }).flatMap({ Int64($0.value) }) else {
            return Self.back(to: client, refused: LedgerError(.invalidAmount, "the points to redeem must be a whole number", field: "points"))
        }
        do {
            let recorded = try await ledger.redeemPoints(client, points: points, actor: Self.staff(request))
            var discount: Cents = 0
            for event in recorded { if case .discountRedeemed(let redeemed) = event.event { discount = redeemed.discount } }
            return FrontDeskPage.redirect(Self.path(client) + "?redeemed=\(points)&discount=\(discount)")
        } catch {
            return Self.back(to: client, refused: error)
        }
    }

    /// Back to the card, saying why the ledger refused what the form asked (its rules hold at the desk too).
    /// The code (and field) go along, so that the card says it in the staff's language.
    static func back(to client: ClientID, refused error: LedgerError) -> Response {
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        var query = "?refused=" + encoded(error.code.rawValue)
        if let field = error.field { query += "&field=" + encoded(field) }
        return FrontDeskPage.redirect(path(client) + query + "&error=" + encoded(error.message))
    }

    /// The staff member the desk remembers (a cookie), or "front desk": who records a change.
    static func staff(_ request: Request) -> String {
        rememberedStaff(request) ?? "front desk"
    }

    /// The staff member a consent change remembered in the `staff` cookie, if any.
    static func rememberedStaff(_ request: Request) -> String? {
        request.cookies["staff"].map { $0.value.removingPercentEncoding ?? $0.value }
    }

    /// `POST /clients/{id}/archive`, `/reactivate`, `/erase` (with `confirm` = the client's id).
    func lifecycle(_ request: Request, client: ClientID, change: String) async throws -> Response {
        let fields = formFields(String(buffer: try await request.body.collect(upTo: 1 << 16)))
        let actor = Self.staff(request)
        do {
            switch change {
            case "archive": try await ledger.archive(client, actor: actor)
            case "reactivate": try await ledger.reactivate(client, actor: actor)
            default:
                guard fields.first(where: { $0.name == "confirm" })?.value.trimmingCharacters(in: .whitespaces) == client.rawValue else {
                    return Self.back(to: client, refused: LedgerError(.invalidField, "to erase client \(client), type their id to confirm", field: "confirm"))
                }
                try await ledger.erase(client, actor: actor)
            }
        } catch {
            return Self.back(to: client, refused: error)
        }
        return FrontDeskPage.redirect(Self.path(client))
    }
}
