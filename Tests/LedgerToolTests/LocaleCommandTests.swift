import Foundation
import Testing

/// Tables, CSV and reports in the salon's time zone and a locale: words in the locale's language,
/// dates as the locale writes them, money with the salon's currency, CSV as that locale's Excel
/// opens it; JSON unchanged.
@Suite("ledger: the salon's time zone and locale")
struct LocaleCommandTests {
    let scratch = Scratch()
    let path: String

    init() throws {
        path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
    }

    @Test("residual: money with the currency in each locale's way, a total row, the instant in the salon's time zone")
    func residual() throws {
        let german = try ledger("residual", "--as-of", "2026-11-20", "--locale", "de-DE", "--ledger", path, in: scratch)
        #expect(german.status == 0, "\(german.stderr)")
        #expect(german.stdout.contains("175,00 €"), "\(german.stdout)")
        #expect(german.stdout.contains("Ada Lovelace"))
        #expect(german.stdout.contains("01.02.2025 11:00"), "purchased 2025-02-01T10:00Z, in Berlin: \(german.stdout)")
        #expect(german.stdout.contains("Restwert am 20.11.2026 23:59: 175,00 € aus 1 Abonnement von 1 Kunden."), "\(german.stdout)")
        let dutch = try ledger("residual", "--as-of", "2026-11-20", "--locale", "nl-NL", "--ledger", path, in: scratch)
        #expect(dutch.stdout.contains("€ 175,00") && dutch.stdout.contains("01-02-2025 11:00"), "\(dutch.stdout)")
        let british = try ledger("residual", "--as-of", "2026-11-20", "--locale", "en-GB", "--ledger", path, in: scratch)
        #expect(british.stdout.contains("€175.00") && british.stdout.contains("01/02/2025 11:00"), "\(british.stdout)")
        // JSON keeps the library's one shape: cents and UTC.
        let json = try ledger("residual", "--as-of", "2026-11-20", "--locale", "de-DE", "--json", "--ledger", path, in: scratch).object()
        #expect(json["total"] as? Int == 17_500)
    }

    @Test("CSV opens in the locale's Excel: a byte order mark, ; and a decimal comma for de and nl, the currency in the header, a total line")
    func csv() throws {
        let german = try ledger("residual", "--as-of", "2026-11-20", "--csv", "--locale", "de-DE", "--ledger", path, in: scratch).stdout
        #expect(german == "\u{FEFF}Kunde;Name;Abonnement;Tarif;Art;verbleibend;Restwert (EUR);gekauft\r\n"
                + "ada;Ada Lovelace;s1;10 blow-dries;Sitzungen;7;175,00;01.02.2025 11:00\r\n"
                + "Summe;;;;;;175,00;\r\n")
        let british = try ledger("residual", "--as-of", "2026-11-20", "--csv", "--locale", "en-GB", "--ledger", path, in: scratch).stdout
        #expect(british.contains("ada,Ada Lovelace,s1,10 blow-dries,sessions,7,175.00,01/02/2025 11:00\r\n"), "\(british)")
        let clients = try ledger("clients", "--csv", "--locale", "nl-NL", "--ledger", path, in: scratch)
        #expect(clients.status == 0, "\(clients.stderr)")
        #expect(clients.stdout.hasPrefix("\u{FEFF}klant;naam;telefoon;e-mail;punten;laatste bezoek\r\n"), "\(clients.stdout)")
        let nudges = try ledger("nudges", "--now", "2026-11-22T12:00:00Z", "--csv", "--locale", "de-DE", "--ledger", path, in: scratch)
        #expect(nudges.status == 0, "\(nudges.stderr)")
        #expect(nudges.stdout.hasPrefix("\u{FEFF}Kunde;Name;Telefon;E-Mail;Kanal;letzter Besuch\r\n"), "\(nudges.stdout)")
    }

    @Test("points-liability rolls the points forward in points and money; its closing balance is the audit's points outstanding")
    func pointsLiability() throws {
        let demo = scratch.child("demo.ledger")
        try #require(try ledger("demo", "--clients", "30", "--ledger", demo, in: scratch).status == 0)
        let run = try ledger("points-liability", "--from", "2020-01-01", "--to", "2030-12-31", "--json", "--ledger", demo, in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try run.object()
        let points = try #require(object["points"] as? [String: Int])
        #expect(points["opening"] == 0)
        #expect(points["opening"]! + points["earned"]! - points["redeemed"]! - points["expired"]! + points["adjusted"]! == points["closing"]!)
        #expect(points["earned"]! > 0)
        let audit = try ledger("audit", "--from", "2020-01-01", "--to", "2030-12-31", "--json", "--ledger", demo, in: scratch).object()
        #expect(audit["pointsOutstanding"] as? Int == points["closing"])
        let money = try #require(object["money"] as? [String: Int])
        #expect(money["closing"] == points["closing"]! * (object["pointValueAtClosing"] as? Int ?? 0))
        // The audit gives the points outstanding their money value too.
        let text = try ledger("audit", "--from", "2020-01-01", "--to", "2030-12-31", "--locale", "en-GB", "--ledger", demo, in: scratch).stdout
        #expect(text.contains("points outstanding at the end: \(points["closing"]!) (€") && text.contains("€0.05 a point"), "\(text)")
        let table = try ledger("points-liability", "--from", "2020-01-01", "--to", "2030-12-31", "--locale", "de-DE", "--ledger", demo, in: scratch)
        #expect(table.stdout.contains("Treuepunkte vom 01.01.2020 bis 31.12.2030") && table.stdout.contains("Neubewertung") && table.stdout.contains(" €"),
                "\(table.stdout)")
    }

    @Test("residual --monthly gives each month's end in the salon's time zone, as a table, JSON and a charted page; audit --html is one printable page with the proof")
    func monthlyAndHTMLReports() throws {
        let monthly = try ledger("residual", "--monthly", "--from", "2025-01-01", "--to", "2025-03-31", "--locale", "de-DE", "--ledger", path, in: scratch)
        #expect(monthly.status == 0, "\(monthly.stderr)")
        #expect(monthly.stdout.contains("01.2025  31.01.2025 23:59") && monthly.stdout.contains("03.2025  31.03.2025 23:59"), "\(monthly.stdout)")
        let json = try ledger("residual", "--monthly", "--from", "2025-01-01", "--to", "2025-03-31", "--json", "--ledger", path, in: scratch).json() as? [[String: Any]]
        // The ends of January, February and March in Berlin, one microsecond before midnight, in UTC.
        #expect(json?.compactMap { $0["asOf"] as? String } == ["2025-01-31T22:59:59.999999Z", "2025-02-28T22:59:59.999999Z", "2025-03-31T21:59:59.999999Z"])
        // Ada bought her 10 blow-dries (€250) on 1 February 2025: nothing at the end of January.
        #expect(json?.first?["total"] as? Int == 0)
        #expect((json?.last?["total"] as? Int).map { $0 > 0 } == true)
        let page = try ledger("residual", "--monthly", "--from", "2025-01-01", "--to", "2025-03-31", "--html", "-", "--ledger", path, in: scratch)
        #expect(page.stdout.hasPrefix("<!DOCTYPE html>") && page.stdout.contains("<svg"), "\(page.stdout.prefix(200))")
        let refused = try ledger("residual", "--monthly", "--ledger", path, in: scratch)
        #expect(refused.status == 64)

        let head = try #require(try ledger("verify", "--json", "--ledger", path, in: scratch).object()["headHash"] as? String)
        let audit = try ledger("audit", "--from", "2026-01-01", "--to", "2026-12-31", "--html", "-", "--ledger", path, in: scratch)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("Loyalty points") && audit.stdout.contains("adds up") && audit.stdout.contains(head), "\(audit.stdout.prefix(300))")
        #expect(audit.stdout.contains("@page"))
        // The coverage page tells its parts apart without red and green.
        let coverage = try ledger("coverage", "--now", "2026-11-22T12:00:00Z", "--html", "-", "--ledger", path, in: scratch).stdout
        #expect(coverage.contains("url(#stripes)") && !coverage.contains("#c62828") && !coverage.contains("#2e7d32"))
    }

    @Test("the tool speaks the locale's language: the card, coverage, audit, its HTML page, the operator's commands; English by default")
    func language() throws {
        let card = try ledger("card", "ada", "--now", "2026-11-20", "--locale", "de-DE", "--ledger", path, in: scratch)
        #expect(card.status == 0, "\(card.stderr)")
        for words in ["ACHTUNG: Allergic to PPD hair dye", "Telefon", "Einwilligungen", "Terminerinnerungen ja, Werbung nein, Besuchserinnerungen ja", "nächster Termin",
                      "Abonnement", "Sitzungen", "aktiv", "Umsatz"] {
            #expect(card.stdout.contains(words), "\(words) in \(card.stdout)")
        }
        #expect(!card.stdout.contains("consents") && !card.stdout.contains("ALERT"), "\(card.stdout)")

        let coverage = try ledger("coverage", "--now", "2026-11-22T12:00:00Z", "--locale", "nl-NL", "--ledger", path, in: scratch)
        #expect(coverage.stdout.hasPrefix("Afspraakherinneringen op 22-11-2026 13:00\n  Afgelopen 7 dagen: "), "\(coverage.stdout)")

        let audit = try ledger("audit", "--from", "2026-01-01", "--to", "2026-12-31", "--locale", "nl-NL", "--ledger", path, in: scratch)
        #expect(audit.stdout.contains("verkoopjaar") && audit.stdout.contains("eindsaldo: klopt") && audit.stdout.contains("hashketen: geverifieerd"),
                "\(audit.stdout)")
        let page = try ledger("audit", "--from", "2026-01-01", "--to", "2026-12-31", "--html", "-", "--locale", "de-DE", "--ledger", path, in: scratch).stdout
        #expect(page.contains("<html lang=\"de\">") && page.contains("<title>Prüfbericht 01.01.2026 – 31.12.2026</title>")
                && page.contains("<h2>Treuepunkte</h2>") && page.contains("Endbestand: stimmt"), "\(page)")
        #expect(!page.contains("Loyalty points") && !page.contains("adds up"))

        let archived = try ledger("archive", "bob", "--locale", "de-DE", "--ledger", path, in: scratch)
        #expect(archived.status == 0, "\(archived.stderr)")
        #expect(archived.stdout.hasPrefix("Kunde bob archiviert (Position "), "\(archived.stdout)")
        let verified = try ledger("verify", "--locale", "nl-NL", "--ledger", path, in: scratch)
        #expect(verified.stdout.contains("gebeurtenissen geverifieerd") && verified.stdout.contains("head-hash: "), "\(verified.stdout)")

        // Without a choice the harness writes English, as a machine without a German or Dutch LANG does.
        let english = try ledger("reactivate", "bob", "--ledger", path, in: scratch)
        #expect(english.stdout.hasPrefix("Reactivated client bob (position "), "\(english.stdout)")
    }

    @Test("audit: the period as the dates the accountant typed; the locale from the environment; a locale the tool does not write is refused")
    func auditAndEnvironment() throws {
        let audit = try ledger(["audit", "--from", "2026-01-01", "--to", "2026-12-31", "--ledger", path], in: scratch,
                               environment: ["CLIENTLEDGER_LOCALE": "", "LANG": "de_DE.UTF-8", "LC_ALL": ""])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("vom 01.01.2026 bis 31.12.2026"), "\(audit.stdout)")
        #expect(audit.stdout.contains("175,00 €"))
        let chosen = try ledger(["audit", "--from", "2026-01-01", "--to", "2026-12-31", "--ledger", path], in: scratch,
                                environment: ["CLIENTLEDGER_LOCALE": "nl-NL", "LANG": "de_DE.UTF-8"])
        #expect(chosen.stdout.contains("van 01-01-2026 tot 31-12-2026"), "\(chosen.stdout)")
        let refused = try ledger("residual", "--locale", "fr-FR", "--ledger", path, in: scratch)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("de-DE, nl-NL or en-GB"), "\(refused.stderr)")
    }
}
