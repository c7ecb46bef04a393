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
        try await reportingErrors(options) {
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
        let presentation = Presentation.current.withLock { $0 }
        let say = presentation.say
        let labels: [ToolText] = [.phone, .email, .born, .registered, .consents, .points, .visits, .nextAppointment]
        let width = labels.map { say($0).count }.max() ?? 0
        func field(_ label: ToolText, _ value: String) -> String {
            let name = say(label)
            return "  " + name + String(repeating: " ", count: width - name.count + 1) + value + "\n"
        }
        var out = "\(card.name ?? say(card.erased ? .erased : .noName))  [\(card.client)]"
        if card.archived { out += "  " + say(.archivedMark) }
        out += "\n"
        // An erased client's alerts are sealed for good: there is nothing to show of them.
        for alert in card.alerts where !alert.text.isEmpty { out += "  \(say(.alertLabel)): \(alert.text)\n" }
        if let phone = card.phone { out += field(.phone, "\(phone)  (\(card.callLink ?? ""))") }
        if let email = card.email { out += field(.email, email) }
        if let birthDate = card.birthDate { out += field(.born, presentation.date(birthDate)) }
        out += field(.registered, instant(card.registeredAt))
        out += field(.consents, Consent.allCases.map {
            "\(say(.consent($0))) \(say(card.consents[$0]?.granted == true ? .yes : .no))"
        }.joined(separator: ", "))
        out += field(.points, String(card.points))
        let revenue = card.visits.reduce(Int128(0)) { $0 + Int128($1.revenue) }
        out += field(.visits, say(.visitsLine(card.visits.count, revenue: money(revenue), last: instant(card.lastVisit))))
        if let next = card.nextAppointment { out += field(.nextAppointment, "\(instant(next.start)) \(next.service) (\(next.minutes) min)") }
        if !card.subscriptions.isEmpty {
            var table = TextTable(.subscription, .plan, .kind, .remaining, .residual, .status, .purchased, .uses)
            for s in card.subscriptions {
                table.add(.text(s.subscription.rawValue), .text(s.plan), .label(.subscriptionKind(s.kind)), s.kind == "credit" ? .money(s.remaining) : .count(s.remaining),
                          .money(s.residualValue), .label(.subscriptionStatus(s.status)), .instant(s.purchasedAt), .count(s.usedAt.count))
            }
            out += "\n" + table.rendered(presentation)
        }
        for note in card.notes { out += "  \(say(.note)): \(note.text)\n" }
        if !card.intakeForms.isEmpty { out += "  \(say(.intakeForms)): \(card.intakeForms.map(\.form.rawValue).joined(separator: ", "))\n" }
        if !card.documents.isEmpty { out += "  \(say(.documents)): \(card.documents.map(\.name).joined(separator: ", "))\n" }
        return out
    }
}
