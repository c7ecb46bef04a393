import ArgumentParser
import ClientLedger
import EventLog

/// `ledger card CLIENT`: everything about one client, current.
struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "card", abstract: "Show a client's card: details, consents, points, subscriptions, alerts, visits and appointments.")

    @OptionGroup var options: LedgerOptions

    @Argument(help: "The client's id.")
    var client: String

    @Option(help: ArgumentHelp("The instant that decides the next appointment (default: now).", valueName: "INSTANT"))
    var now: String?

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            let ledger = try options.open(.reading)
            let id = try ClientID(client)
            let at = try InstantArgument.parse(now, option: "--now", dayEnd: .end, ledger: ledger)
            guard let card = try ledger.card(of: id, now: at) else {
                throw ToolError(.refused, "there is no client \(client) in \(options.ledger)")
            }
            print(options.json ? Self.json(card).rendered() : Self.text(card))
        }
    }

    static func json(_ card: ClientCard) -> JSONOutput {
        func consent(_ consent: Consent) -> JSONOutput { .bool(card.consents[consent]?.granted ?? false) }
        func consentDetail(_ consent: Consent) -> JSONOutput {
            let state = card.consents[consent]
            return .object([("granted", .bool(state?.granted ?? false)), ("changedAt", jsonInstant(state?.changedAt)), ("source", .optional(state?.source))])
        }
        let next = card.nextAppointment
        return .object([
            ("client", .string(card.client.rawValue)),
            ("name", .optional(card.name)),
            ("email", .optional(card.email)),
            ("phone", .optional(card.phone)),
            ("callLink", .optional(card.callLink)),
            ("birthDate", .optional(card.birthDate?.description)),
            ("referredBy", .optional(card.referredBy?.rawValue)),
            ("registeredAt", jsonInstant(card.registeredAt)),
            ("archived", .bool(card.archived)),
            ("erased", .bool(card.erased)),
            ("consents", .object(Consent.allCases.map { ($0.rawValue, consent($0)) })),
            ("consentDetails", .object(Consent.allCases.map { ($0.rawValue, consentDetail($0)) })),
            ("points", .int(card.points)),
            ("pointsHistory", .array(card.pointsHistory.map {
                .object([("at", jsonInstant($0.at)), ("points", .int($0.points)), ("kind", .string($0.kind)),
                         ("reason", .optional($0.reason)), ("discount", .int($0.discount))])
            })),
            ("lastVisit", jsonInstant(card.lastVisit)),
            ("nextAppointment", jsonInstant(next?.start)),
            ("alerts", .array(card.alerts.map { .string($0.text) })),
            ("notes", .array(card.notes.map { .object([("note", .string($0.note.rawValue)), ("text", .string($0.text)), ("at", jsonInstant($0.at))]) })),
            ("subscriptions", .array(card.subscriptions.map { subscription in
                .object([
                    ("subscription", .string(subscription.subscription.rawValue)),
                    ("plan", .string(subscription.plan)),
                    ("kind", .string(subscription.kind)),
                    ("price", .int(subscription.price)),
                    ("total", .int(subscription.total)),
                    ("remaining", .int(subscription.remaining)),
                    ("residualValue", .int(subscription.residualValue)),
                    ("status", .string(subscription.status)),
                    ("purchasedAt", jsonInstant(subscription.purchasedAt)),
                    ("validUntil", jsonInstant(subscription.validUntil)),
                    ("usedAt", .array(subscription.usedAt.map { jsonInstant($0) })),
                ])
            })),
            ("visits", .array(card.visits.map { .object([("visit", .string($0.visit.rawValue)), ("at", jsonInstant($0.at)), ("revenue", .int($0.revenue))]) })),
            ("appointments", .array(card.appointments.map {
                .object([("appointment", .string($0.appointment.rawValue)), ("start", jsonInstant($0.start)), ("minutes", .int(Int64($0.minutes))),
                         ("service", .string($0.service)), ("cancelled", .bool($0.cancelled))])
            })),
            ("intakeForms", .array(card.intakeForms.map { form in
                .object([("form", .string(form.form.rawValue)), ("at", jsonInstant(form.at)),
                         ("answers", .object(form.answers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))])
            })),
            ("documents", .array(card.documents.map {
                .object([("document", .string($0.document.rawValue)), ("name", .string($0.name)), ("mediaType", .string($0.mediaType)),
                         ("sha256", .string($0.sha256)), ("bytes", .int($0.bytes)), ("at", jsonInstant($0.at))])
            })),
        ])
    }

    static func text(_ card: ClientCard) -> String {
        var out = "\(card.name ?? (card.erased ? "(erased)" : "(no name)"))  [\(card.client)]"
        if card.archived { out += "  ARCHIVED" }
        out += "\n"
        for alert in card.alerts { out += "  ALERT: \(alert.text)\n" }
        if let phone = card.phone { out += "  phone      \(phone)  (\(card.callLink ?? ""))\n" }
        if let email = card.email { out += "  e-mail     \(email)\n" }
        if let birthDate = card.birthDate { out += "  born       \(birthDate)\n" }
        out += "  registered \(instant(card.registeredAt))\n"
        out += "  consents   " + Consent.allCases.map { "\($0.rawValue) \(card.consents[$0]?.granted == true ? "yes" : "no")" }.joined(separator: ", ") + "\n"
        out += "  points     \(card.points)\n"
        out += "  visits     \(card.visits.count), revenue \(money(card.visits.reduce(Int128(0)) { $0 + Int128($1.revenue) })), last \(instant(card.lastVisit))\n"
        if let next = card.nextAppointment { out += "  next       \(next.start) \(next.service) (\(next.minutes) min)\n" }
        if !card.subscriptions.isEmpty {
            var table = TextTable("subscription", "plan", "kind", "remaining", "residual", "status", "purchased", "uses")
            for s in card.subscriptions {
                table.add(s.subscription.rawValue, s.plan, s.kind, s.kind == "credit" ? money(s.remaining) : String(s.remaining),
                          money(s.residualValue), s.status, instant(s.purchasedAt), String(s.usedAt.count))
            }
            out += "\n" + table.rendered()
        }
        for note in card.notes { out += "  note: \(note.text)\n" }
        if !card.intakeForms.isEmpty { out += "  intake forms: \(card.intakeForms.map(\.form.rawValue).joined(separator: ", "))\n" }
        if !card.documents.isEmpty { out += "  documents: \(card.documents.map(\.name).joined(separator: ", "))\n" }
        return out
    }
}
