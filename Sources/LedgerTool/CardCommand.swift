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
            print(options.json ? try JSONOutput.encoding(card).rendered() : Self.text(card))
        }
    }

    static func text(_ card: ClientCard) -> String {
        var out = "\(card.name ?? (card.erased ? "(erased)" : "(no name)"))  [\(card.client)]"
        if card.archived { out += "  ARCHIVED" }
        out += "\n"
        // An erased client's alerts are sealed for good: there is nothing to show of them.
        for alert in card.alerts where !alert.text.isEmpty { out += "  ALERT: \(alert.text)\n" }
        if let phone = card.phone { out += "  phone      \(phone)  (\(card.callLink ?? ""))\n" }
        if let email = card.email { out += "  e-mail     \(email)\n" }
        if let birthDate = card.birthDate { out += "  born       \(birthDate)\n" }
        out += "  registered \(instant(card.registeredAt))\n"
        out += "  consents   " + Consent.allCases.map { "\($0.rawValue) \(card.consents[$0]?.granted == true ? "yes" : "no")" }.joined(separator: ", ") + "\n"
        out += "  points     \(card.points)\n"
        out += "  visits     \(card.visits.count), revenue \(money(card.visits.reduce(Int128(0)) { $0 + Int128($1.revenue) })), last \(instant(card.lastVisit))\n"
        if let next = card.nextAppointment { out += "  next       \(instant(next.start)) \(next.service) (\(next.minutes) min)\n" }
        if !card.subscriptions.isEmpty {
            var table = TextTable("subscription", "plan", "kind", "remaining", "residual", "status", "purchased", "uses")
            for s in card.subscriptions {
                table.add(.text(s.subscription.rawValue), .text(s.plan), .text(s.kind), s.kind == "credit" ? .money(s.remaining) : .count(s.remaining),
                          .money(s.residualValue), .text(s.status), .instant(s.purchasedAt), .count(s.usedAt.count))
            }
            out += "\n" + table.rendered()
        }
        for note in card.notes { out += "  note: \(note.text)\n" }
        if !card.intakeForms.isEmpty { out += "  intake forms: \(card.intakeForms.map(\.form.rawValue).joined(separator: ", "))\n" }
        if !card.documents.isEmpty { out += "  documents: \(card.documents.map(\.name).joined(separator: ", "))\n" }
        return out
    }
}
