import ClientLedger

/// One piece of what the tool writes for people, in German, Dutch and English: a table's header,
/// a label, a sentence. ``Presentation/say(_:)`` picks the one of the command's locale.
///
/// Every text the tool writes on standard output for people goes through here, and its progress
/// lines on standard error: tables, CSV headers, HTML reports, summaries, the demo's tour. What
/// stays English: `--help`, the man page, and error messages (they name options and values as
/// typed, and carry the library's typed errors, whose sentences are English) — see
/// `docs/ledger-tool.md`. JSON is never translated: it is the library's one shape.
struct ToolText: Sendable, Equatable {
    let german: String
    let dutch: String
    let english: String

    init(_ german: String, _ dutch: String, _ english: String) {
        self.german = german
        self.dutch = dutch
        self.english = english
    }

    /// The same text in every language (a name, a number).
    init(verbatim text: String) {
        self.init(text, text, text)
    }

    // MARK: Words that many commands share

    static let client = Self("Kunde", "klant", "client")
    static let name = Self("Name", "naam", "name")
    static let phone = Self("Telefon", "telefoon", "phone")
    static let email = Self("E-Mail", "e-mail", "e-mail")
    static let points = Self("Punkte", "punten", "points")
    static let lastVisit = Self("letzter Besuch", "laatste bezoek", "last visit")
    static let total = Self("Summe", "totaal", "total")
    static let subscription = Self("Abonnement", "abonnement", "subscription")
    static let subscriptions = Self("Abonnements", "abonnementen", "subscriptions")
    static let plan = Self("Tarif", "pakket", "plan")
    static let kind = Self("Art", "soort", "kind")
    static let remaining = Self("verbleibend", "resterend", "remaining")
    static let residual = Self("Restwert", "restwaarde", "residual")
    static let purchased = Self("gekauft", "gekocht", "purchased")
    static let appointment = Self("Termin", "afspraak", "appointment")
    static let channel = Self("Kanal", "kanaal", "channel")
    static let position = Self("Position", "positie", "position")
    static let erased = Self("(gelöscht)", "(gewist)", "(erased)")
    static let emptyLog = Self("(leeres Protokoll)", "(leeg logboek)", "(empty log)")
    static let headHash = Self("Head-Hash", "head-hash", "head hash")
    static let yes = Self("ja", "ja", "yes")
    static let no = Self("nein", "nee", "no")

    // MARK: Counted nouns

    /// A noun's singular and plural in each language (German: in the case the sentence needs).
    struct Noun: Sendable {
        let german: (one: String, many: String)
        let dutch: (one: String, many: String)
        let english: (one: String, many: String)
    }

    /// `count` and the noun in its number: `1 client`, `2 clients`.
    static func count(_ count: some BinaryInteger, _ noun: Noun) -> Self {
        let one = count == 1
        return Self("\(count) \(one ? noun.german.one : noun.german.many)", "\(count) \(one ? noun.dutch.one : noun.dutch.many)",
                    "\(count) \(one ? noun.english.one : noun.english.many)")
    }

    static let clientNoun = Noun(german: ("Kunde", "Kunden"), dutch: ("klant", "klanten"), english: ("client", "clients"))
    /// After a German preposition (dative or accusative): `von 1 Kunden`, `für 1 Kunden`.
    static let clientObject = Noun(german: ("Kunden", "Kunden"), dutch: ("klant", "klanten"), english: ("client", "clients"))
    static let subscriptionNoun = Noun(german: ("Abonnement", "Abonnements"), dutch: ("abonnement", "abonnementen"),
                                       english: ("subscription", "subscriptions"))
    static let eventNoun = Noun(german: ("Ereignis", "Ereignisse"), dutch: ("gebeurtenis", "gebeurtenissen"), english: ("event", "events"))
    /// After a German dative preposition: `aus 1 Ereignis`, `aus 2 Ereignissen`.
    static let eventDative = Noun(german: ("Ereignis", "Ereignissen"), dutch: ("gebeurtenis", "gebeurtenissen"), english: ("event", "events"))
    static let appointmentNoun = Noun(german: ("Termin", "Termine"), dutch: ("afspraak", "afspraken"), english: ("appointment", "appointments"))

    /// `count` clients.
    static func clients(_ count: Int) -> Self {
        Self.count(count, clientNoun)
    }

    // MARK: Values the library gives as codes

    /// A subscription's kind: `credit` (money) or `sessions`.
    static func subscriptionKind(_ code: String) -> Self { subscriptionKinds[code] ?? Self(verbatim: code) }

    /// A subscription's status: `active`, `used`, `expired` or `refunded`.
    static func subscriptionStatus(_ code: String) -> Self { subscriptionStatuses[code] ?? Self(verbatim: code) }

    /// A channel: `sms` or `email` (anything else, such as a dash for none, as it is).
    static func channel(_ code: String) -> Self { channels[code] ?? Self(verbatim: code) }

    /// A coverage window: `past` or `next`.
    static func window(_ code: String) -> Self { windows[code] ?? Self(verbatim: code) }

    /// Why an appointment has no reminder: `missing` or `noConsent`.
    static func uncoveredReason(_ code: String) -> Self { uncoveredReasons[code] ?? Self(verbatim: code) }

    /// A consent.
    static func consent(_ consent: Consent) -> Self {
        switch consent {
        case .reminders: Self("Terminerinnerungen", "afspraakherinneringen", "reminders")
        case .marketing: Self("Werbung", "marketing", "marketing")
        case .visitNudges: Self("Besuchserinnerungen", "bezoekherinneringen", "visit nudges")
        }
    }

    // The library's codes by kind, as people read them; a code not listed is shown as it is.
    private static let subscriptionKinds = ["credit": Self("Guthaben", "tegoed", "credit"), "sessions": Self("Sitzungen", "sessies", "sessions")]
    private static let subscriptionStatuses = [
        "active": Self("aktiv", "actief", "active"), "used": Self("aufgebraucht", "opgebruikt", "used"),
        "expired": Self("verfallen", "vervallen", "expired"), "refunded": Self("erstattet", "terugbetaald", "refunded"),
    ]
    private static let channels = ["sms": Self("SMS", "sms", "sms"), "email": Self("E-Mail", "e-mail", "e-mail")]
    private static let windows = ["past": Self("vergangen", "afgelopen", "past"), "next": Self("kommend", "komend", "next")]
    private static let uncoveredReasons = [
        "missing": Self("keine Erinnerung geplant", "geen herinnering gepland", "missing"),
        "noConsent": Self("keine Einwilligung", "geen toestemming", "no consent"),
    ]

    // MARK: The card

    static let noName = Self("(ohne Namen)", "(geen naam)", "(no name)")
    static let archivedMark = Self("ARCHIVIERT", "GEARCHIVEERD", "ARCHIVED")
    static let alertLabel = Self("ACHTUNG", "LET OP", "ALERT")
    static let born = Self("geboren", "geboren", "born")
    static let registered = Self("angelegt", "ingeschreven", "registered")
    static let consents = Self("Einwilligungen", "toestemmingen", "consents")
    static let visits = Self("Besuche", "bezoeken", "visits")
    static let nextAppointment = Self("nächster Termin", "volgende afspraak", "next")
    static let status = Self("Status", "status", "status")
    static let uses = Self("Nutzungen", "keer gebruikt", "uses")
    static let note = Self("Notiz", "notitie", "note")
    static let intakeForms = Self("Fragebögen", "vragenlijsten", "intake forms")
    static let documents = Self("Dokumente", "documenten", "documents")

    /// The visits line: how many, the revenue, the last one.
    static func visitsLine(_ count: Int, revenue: String, last: String) -> Self {
        Self("\(count), Umsatz \(revenue), zuletzt \(last)", "\(count), omzet \(revenue), laatste \(last)", "\(count), revenue \(revenue), last \(last)")
    }

    // MARK: Residual value

    static let month = Self("Monat", "maand", "month")
    static let asOf = Self("Stichtag", "peildatum", "as of")

    static func residualSummary(asOf: String, total: String, subscriptions: Int, clients: Int) -> Self {
        let (s, c) = (count(subscriptions, subscriptionNoun), count(clients, clientObject))
        return Self("Restwert am \(asOf): \(total) aus \(s.german) von \(c.german).", "Restwaarde op \(asOf): \(total) over \(s.dutch) van \(c.dutch).",
                    "Residual value as of \(asOf): \(total) over \(s.english) of \(c.english).")
    }

    static func residualMonthlyTitle(_ period: String) -> Self {
        Self("Restwert der Abonnements, \(period)", "Restwaarde van abonnementen, \(period)", "Residual subscription value, \(period)")
    }

    static func residualMonthlyIntro(timeZone: String, currency: String) -> Self {
        Self("Am Ende jedes Monats, in der Zeitzone des Salons (\(timeZone)), in \(currency).",
             "Aan het eind van elke maand, in de tijdzone van de salon (\(timeZone)), in \(currency).",
             "At the end of each month, in the salon's time zone (\(timeZone)), in \(currency).")
    }

    static let residualByMonth = Self("Restwert nach Monat", "Restwaarde per maand", "Residual value by month")

    // MARK: Reminder coverage

    static let window = Self("Zeitraum", "periode", "window")
    static let start = Self("Beginn", "begin", "start")
    static let reason = Self("Grund", "reden", "reason")
    static let sendAt = Self("Versand", "verzenden om", "send at")
    static let past7Days = Self("Letzte 7 Tage", "Afgelopen 7 dagen", "Past 7 days")
    static let next7Days = Self("Nächste 7 Tage", "Komende 7 dagen", "Next 7 days")
    static let coverageTitle = Self("Terminerinnerungen", "Afspraakherinneringen", "Reminder coverage")
    static let withReminder = Self("mit Erinnerung", "met herinnering", "with a reminder")
    static let missingReminder = Self("ohne Erinnerung", "zonder herinnering", "missing")
    static let noConsent = Self("ohne Einwilligung", "zonder toestemming", "no consent")

    static func coverageAt(_ instant: String) -> Self {
        Self("Terminerinnerungen am \(instant)", "Afspraakherinneringen op \(instant)", "Reminder coverage at \(instant)")
    }

    /// A window's figures in one line.
    static func coverageWindow(appointments: Int, covered: Int, missing: Int, noConsent: Int) -> Self {
        let a = count(appointments, appointmentNoun)
        return Self("\(a.german), \(covered) mit Erinnerung, \(missing) ohne, \(noConsent) ohne Einwilligung",
                    "\(a.dutch), \(covered) met herinnering, \(missing) zonder, \(noConsent) zonder toestemming",
                    "\(a.english), \(covered) with a reminder, \(missing) missing, \(noConsent) without consent")
    }

    static func scheduled(_ count: Int, channel: String) -> Self {
        let n = Self.count(count, Noun(german: ("fehlende Erinnerung", "fehlende Erinnerungen"), dutch: ("ontbrekende herinnering", "ontbrekende herinneringen"),
                                      english: ("missing reminder", "missing reminders")))
        return Self("\(n.german) per \(channel) geplant", "\(n.dutch) per \(channel) gepland", "Scheduled \(n.english) by \(channel)")
    }

    static func wroteReport(_ file: String) -> Self {
        Self("Bericht nach \(file) geschrieben.", "Rapport geschreven naar \(file).", "Wrote the report to \(file).")
    }

    static func coverageIntro(salon: String, at instant: String) -> Self {
        Self("\(salon), am \(instant). Abgesagte Termine zählen nicht; ein vergangener Termin hat eine Erinnerung, wenn sie versandt wurde, ein kommender, wenn sie geplant oder versandt ist.",
             "\(salon), op \(instant). Geannuleerde afspraken tellen niet mee; een afgelopen afspraak had een herinnering als die verzonden is, een komende als die gepland of verzonden is.",
             "\(salon), at \(instant). Cancelled appointments are left out; a past appointment counts as covered if a reminder was sent, an upcoming one if a reminder is scheduled or sent.")
    }

    static func withoutReminder(_ count: Int) -> Self {
        Self("Ohne Erinnerung (\(count))", "Zonder herinnering (\(count))", "Without a reminder (\(count))")
    }

    // MARK: Visit nudges

    static func nudgesSummary(_ count: Int, at instant: String, weeks: Int) -> Self {
        let n = Self.count(count, Noun(german: ("Besuchserinnerung", "Besuchserinnerungen"), dutch: ("bezoekherinnering", "bezoekherinneringen"),
                                      english: ("visit nudge", "visit nudges")))
        let w = Self.count(weeks, Noun(german: ("Woche", "Wochen"), dutch: ("week", "weken"), english: ("week", "weeks")))
        return Self("\(n.german) fällig am \(instant) (\(w.german) nach dem letzten Besuch).",
                    "\(n.dutch) te versturen op \(instant) (\(w.dutch) na het laatste bezoek).",
                    "\(n.english) due at \(instant) (\(w.english) after the last visit).")
    }

    // MARK: The audit and the points liability

    static let yearSold = Self("Verkaufsjahr", "verkoopjaar", "year sold")
    static let opening = Self("Anfangsbestand", "beginsaldo", "opening")
    static let sold = Self("verkauft", "verkocht", "sold")
    static let used = Self("genutzt", "gebruikt", "used")
    static let expired = Self("verfallen", "vervallen", "expired")
    static let refunded = Self("erstattet", "terugbetaald", "refunded")
    static let closing = Self("Endbestand", "eindsaldo", "closing")
    static let refundedCash = Self("bar erstattet", "contant terugbetaald", "cash refunded")
    static let earned = Self("gesammelt", "verdiend", "earned")
    static let redeemed = Self("eingelöst", "ingewisseld", "redeemed")
    static let adjusted = Self("korrigiert", "gecorrigeerd", "adjusted")
    static let revaluation = Self("Neubewertung", "herwaardering", "revaluation")
    static let liability = Self("Verbindlichkeit", "verplichting", "liability")
    static let residualValueHeading = Self("Restwert der Abonnements", "Restwaarde van abonnementen", "Residual subscription value")
    static let loyaltyPoints = Self("Treuepunkte", "Spaarpunten", "Loyalty points")
    static let proof = Self("Nachweis", "Bewijs", "Proof")
    static let onTheChain = Self("auf der Kette", "op de keten", "on the chain")
    static let notOnTheChain = Self("NICHT auf der Kette", "NIET op de keten", "NOT on the chain")

    /// The roll-forward's check, and whether it holds.
    static func addsUp(_ holds: Bool) -> Self {
        holds
            ? Self("Anfangsbestand + verkauft − genutzt − verfallen − erstattet = Endbestand: stimmt",
                   "beginsaldo + verkocht − gebruikt − vervallen − terugbetaald = eindsaldo: klopt",
                   "opening + sold - used - expired - refunded = closing: adds up")
            : Self("Anfangsbestand + verkauft − genutzt − verfallen − erstattet = Endbestand: STIMMT NICHT",
                   "beginsaldo + verkocht − gebruikt − vervallen − terugbetaald = eindsaldo: KLOPT NIET",
                   "opening + sold - used - expired - refunded = closing: DOES NOT ADD UP")
    }

    static func residualPeriod(from: String, to: String) -> Self {
        Self("Restwert der Abonnements vom \(from) bis \(to):", "Restwaarde van abonnementen van \(from) tot \(to):",
             "Residual subscription value from \(from) to \(to):")
    }

    static func pointsPeriod(from: String, to: String) -> Self {
        Self("Treuepunkte vom \(from) bis \(to):", "Spaarpunten van \(from) tot \(to):", "Loyalty points from \(from) to \(to):")
    }

    static func pointsOutstanding(_ points: Int64, value: String?, pointValue: String?) -> Self {
        guard let value, let pointValue else {
            return Self("offene Punkte am Ende: \(points)", "openstaande punten aan het eind: \(points)", "points outstanding at the end: \(points)")
        }
        return Self("offene Punkte am Ende: \(points) (\(value) zu \(pointValue) je Punkt; siehe points-liability)",
                    "openstaande punten aan het eind: \(points) (\(value) tegen \(pointValue) per punt; zie points-liability)",
                    "points outstanding at the end: \(points) (\(value) at \(pointValue) a point; see points-liability)")
    }

    static func discountsGranted(_ amount: String) -> Self {
        Self("gewährte Rabatte im Zeitraum: \(amount)", "toegekende kortingen in de periode: \(amount)", "discounts granted in the period: \(amount)")
    }

    static func eventsInPeriod(_ count: some BinaryInteger) -> Self {
        Self("Ereignisse im Zeitraum: \(count)", "gebeurtenissen in de periode: \(count)", "events dated in the period: \(count)")
    }

    /// Whether the chain holds, over how many events, and how many of the anchors are on it.
    static func chain(_ holds: Bool, events: UInt64, anchorsOn: Int?, of anchors: Int) -> Self {
        let anchorsPart = anchorsOn.map { on in
            Self(", \(on) von \(anchors) Ankern darauf", ", \(on) van \(anchors) ankers erop", ", \(on) of \(anchors) anchors on it")
        } ?? Self(verbatim: "")
        let e = count(events, eventNoun)
        return Self("Hash-Kette: \(holds ? "geprüft" : "HÄLT NICHT"), \(e.german)\(anchorsPart.german)",
                    "hashketen: \(holds ? "geverifieerd" : "KLOPT NIET"), \(e.dutch)\(anchorsPart.dutch)",
                    "hash chain: \(holds ? "verified" : "DOES NOT HOLD"), \(e.english)\(anchorsPart.english)")
    }

    static let keepHeadHash = Self("Head-Hash (mit diesem Bericht aufbewahren)", "head-hash (bewaar hem bij dit rapport)",
                                   "head hash (keep it with this report)")
    static let keepHeadHashExplained = Self(
        "Head-Hash — mit diesem Bericht aufbewahren; eine spätere Prüfung mit ihm belegt, dass das Protokoll seitdem weder geändert noch gekürzt wurde:",
        "Head-hash — bewaar hem bij dit rapport; een latere controle met deze hash bewijst dat het logboek sindsdien niet is gewijzigd of ingekort:",
        "Head hash — keep it with this report; a later audit given it proves the log was not changed or cut short since:")

    static func auditTitle(_ period: String) -> Self {
        Self("Prüfbericht \(period)", "Controlerapport \(period)", "Audit \(period)")
    }

    static func auditIntro(ledger: String, from: String, to: String, currency: String) -> Self {
        Self("\(ledger) · Restwert der Abonnements und Treuepunkte vom \(from) bis \(to), in \(currency).",
             "\(ledger) · restwaarde van abonnementen en spaarpunten van \(from) tot \(to), in \(currency).",
             "\(ledger) · residual subscription value and loyalty points from \(from) to \(to), in \(currency).")
    }

    static func aPoint(atStart: String, atEnd: String) -> Self {
        Self("Wert eines Punktes: \(atStart) am Anfang, \(atEnd) am Ende", "waarde van een punt: \(atStart) aan het begin, \(atEnd) aan het eind",
             "a point's value: \(atStart) at the start, \(atEnd) at the end")
    }

    static let noFixedValue = Self("kein fester Wert", "geen vaste waarde", "no fixed value")

    // MARK: Verify, stats, backup, rebuild

    static func verified(_ events: UInt64, anchors: Int) -> Self {
        let tail = switch anchors {
        case 0: Self(verbatim: "")
        case 1: Self("; der Anker ist auf der Kette", "; het anker staat op de keten", "; the anchor is on the chain")
        default: Self("; alle \(anchors) Anker sind auf der Kette", "; alle \(anchors) ankers staan op de keten", "; all \(anchors) anchors are on the chain")
        }
        let e = count(events, eventNoun)
        return Self("\(e.german) geprüft\(tail.german)", "\(e.dutch) geverifieerd\(tail.dutch)", "verified \(e.english)\(tail.english)")
    }

    static func formatOneNote(_ records: UInt64) -> Self {
        Self("Hinweis: die ersten \(records) Datensätze sind im Format 1 geschrieben, dessen Hashes die Typ- und Stream-Namen nicht abdecken",
             "let op: de eerste \(records) records zijn in formaat 1 geschreven, waarvan de hashes de type- en streamnamen niet dekken",
             "note: the first \(records) records were written in format 1, whose hashes do not cover type and stream names")
    }

    static let verifying = Self("prüfe", "verifiëren", "verifying")
    static let eventType = Self("Ereignistyp", "gebeurtenistype", "event type")
    static let eventsHeader = Self("Ereignisse", "gebeurtenissen", "events")

    static func statsLines(events: Int, clients: Int, disk: String, perEvent: Int64, payload: Int) -> Self {
        Self("""
            Ereignisse:       \(events)
            Kunden:           \(clients)
            auf der Platte:   \(disk)
            Bytes je Ereignis: \(perEvent) auf der Platte (die Datei enthält auch freie Seiten, die Projektionen und bis zu 1 MB Nullen als Vorrat für kleine Commits); Nutzdaten im Mittel \(payload) Bytes
            """, """
            gebeurtenissen:   \(events)
            klanten:          \(clients)
            op schijf:        \(disk)
            bytes per gebeurtenis: \(perEvent) op schijf (het bestand bevat ook vrije pagina's, de projecties en tot 1 MB nullen als voorraad voor kleine commits); payloads gemiddeld \(payload) bytes
            """, """
            events:         \(events)
            clients:        \(clients)
            size on disk:   \(disk)
            bytes per event: \(perEvent) on disk (the file also holds free pages, the projections, and up to 1 MB of zeros kept ahead of small commits); payloads average \(payload) bytes
            """)
    }

    static func bytes(_ count: Int64) -> Self {
        Self("\(count) Bytes", "\(count) bytes", "\(count) bytes")
    }

    static func backedUp(_ events: UInt64, to destination: String, seconds: String) -> Self {
        let e = count(events, eventNoun)
        return Self("\(e.german) in \(seconds) s nach \(destination) gesichert; die Kopie ist geprüft.",
                    "\(e.dutch) in \(seconds) s geback-upt naar \(destination); de kopie is geverifieerd.",
                    "Backed up \(e.english) to \(destination) in \(seconds) s; the copy verifies.")
    }

    static let keepWithBackup = Self("Head-Hash (mit der Sicherung aufbewahren)", "head-hash (bewaar hem bij de back-up)", "head hash (keep it with the backup)")

    static func restored(_ backup: String, to ledger: String) -> Self {
        Self("\(backup) nach \(ledger) wiederhergestellt; geprüft.", "\(backup) hersteld naar \(ledger); geverifieerd.", "Restored \(backup) to \(ledger); it verifies.")
    }

    static func rebuilt(_ projections: String, events: UInt64, seconds: String) -> Self {
        let e = count(events, eventDative)
        return Self("\(projections) aus \(e.german) in \(seconds) s neu aufgebaut; atomar umgeschaltet.",
                    "\(projections) opnieuw opgebouwd uit \(e.dutch) in \(seconds) s; atomair omgeschakeld.",
                    "Rebuilt \(projections) from \(e.english) in \(seconds) s; switched atomically.")
    }

    // MARK: Import, export, push, pull

    static func imported(_ events: Int, clients: Int, first: UInt64, last: UInt64) -> Self {
        let (e, c) = (count(events, eventNoun), count(clients, clientObject))
        return Self("\(e.german) von \(c.german) an den Positionen \(first)...\(last) importiert.",
                    "\(e.dutch) van \(c.dutch) geïmporteerd op posities \(first)...\(last).",
                    "Imported \(e.english) of \(c.english) at positions \(first)...\(last).")
    }

    static let nothingToImport = Self("Nichts zu importieren.", "Niets te importeren.", "Nothing to import.")

    static func exported(_ events: Int, to file: String) -> Self {
        let e = count(events, eventNoun)
        return Self("\(e.german) nach \(file) exportiert.", "\(e.dutch) geëxporteerd naar \(file).", "Exported \(e.english) to \(file).")
    }

    static let checking = Self("prüfen", "controleren", "checking")
    static let recording = Self("aufzeichnen", "vastleggen", "recording")
    static let pushing = Self("übertrage", "overzetten", "pushing")

    static func pushed(_ events: UInt64, keys: Int, salon: String, seconds: String) -> Self {
        Self("\(events) Ereignisse und die Schlüssel von \(keys) Kunden in \(seconds) s in das Ledger \(salon) in PostgreSQL übertragen.",
             "\(events) gebeurtenissen en de sleutels van \(keys) klanten in \(seconds) s overgezet naar ledger \(salon) in PostgreSQL.",
             "Pushed \(events) events and \(keys) clients' keys to ledger \(salon) in PostgreSQL in \(seconds) s.")
    }

    static func destroyedKeys(_ count: Int) -> Self {
        Self("Dort die Schlüssel von \(count) hier gelöschten Kunden vernichtet.", "Daar de sleutels vernietigd van \(count) hier gewiste klanten.",
             "Destroyed there the keys of \(count) clients erased here.")
    }

    static func pulled(_ events: UInt64, keys: Int, salon: String, into ledger: String, seconds: String) -> Self {
        Self("\(events) Ereignisse und die Schlüssel von \(keys) Kunden in \(seconds) s aus dem Ledger \(salon) in PostgreSQL nach \(ledger) geholt.",
             "\(events) gebeurtenissen en de sleutels van \(keys) klanten in \(seconds) s uit ledger \(salon) in PostgreSQL naar \(ledger) gehaald.",
             "Pulled \(events) events and \(keys) clients' keys from ledger \(salon) in PostgreSQL into \(ledger) in \(seconds) s.")
    }

    static let ownLedgerNow = Self("Es ist jetzt ein eigenes Ledger; Befehle öffnen es ohne --postgres.",
                                   "Het is nu een eigen ledger; commando's openen het zonder --postgres.",
                                   "It is a ledger of its own now; commands open it without --postgres.")

    // MARK: Archive, reactivate, erase

    /// What a lifecycle command did to a client: `change` is ``archived``, ``reactivated`` or ``erasedDone``.
    static func changed(_ change: Self, client: String, positions: String?) -> Self {
        let german = positions.map { "Position \($0)" } ?? "nichts aufzuzeichnen"
        let dutch = positions.map { "positie \($0)" } ?? "niets vast te leggen"
        let english = positions.map { "position \($0)" } ?? "nothing to record"
        return Self("Kunde \(client) \(change.german) (\(german)).", "Klant \(client) \(change.dutch) (\(dutch)).",
                    "\(change.english) client \(client) (\(english)).")
    }

    static let archived = Self("archiviert", "gearchiveerd", "Archived")
    static let reactivated = Self("reaktiviert", "opnieuw geactiveerd", "Reactivated")
    static let erasedDone = Self("gelöscht", "gewist", "Erased")

    static func confirmErasure(_ client: String) -> Self {
        Self("Das Löschen von Kunde \(client) vernichtet die personenbezogenen Daten endgültig. Zum Fortfahren die Kunden-ID eingeben: ",
             "Het wissen van klant \(client) vernietigt de persoonsgegevens voorgoed. Typ het klant-id om door te gaan: ",
             "Erasing client \(client) destroys their personal data for good. Type the client's id to go on: ")
    }

    // MARK: The demo

    static func demoExisting(_ ledger: String, events: UInt64) -> Self {
        Self("\(ledger) enthält schon \(events) Ereignisse; nichts hinzugefügt. (Für ein neues: --ledger PFAD.)",
             "\(ledger) bevat al \(events) gebeurtenissen; niets toegevoegd. (Voor een nieuw: --ledger PAD.)",
             "\(ledger) already holds \(events) events; nothing added. (Pass --ledger PATH for a new one.)")
    }

    static func demoCreated(_ ledger: String, events: Int, clients: Int, years: Int, seed: UInt64, seconds: String) -> Self {
        let (e, c) = (count(events, eventNoun), count(clients, clientObject))
        let y = count(years, Noun(german: ("Jahr", "Jahre"), dutch: ("jaar", "jaar"), english: ("year", "years")))
        return Self("\(ledger) angelegt: \(e.german) für \(c.german) über \(y.german) (Seed \(seed)) in \(seconds) s.",
                    "\(ledger) aangemaakt: \(e.dutch) voor \(c.dutch) over \(y.dutch) (seed \(seed)) in \(seconds) s.",
                    "Created \(ledger): \(e.english) for \(c.english) over \(y.english) (seed \(seed)) in \(seconds) s.")
    }

    static func tourCard(_ client: String) -> Self {
        Self("── Eine Kundenkarte (ledger card \(client)) ──", "── Een klantkaart (ledger card \(client)) ──", "── A client card (ledger card \(client)) ──")
    }

    static let tourCoverage = Self("── Terminerinnerungen (ledger coverage) ──", "── Afspraakherinneringen (ledger coverage) ──", "── Reminder coverage (ledger coverage) ──")
    static let tourResidual = Self("── Restwert der Abonnements (ledger residual) ──", "── Restwaarde van abonnementen (ledger residual) ──",
                                   "── Residual subscription value (ledger residual) ──")
    static let tourHead = Self("── Head-Hash (ledger verify) ──", "── Head-hash (ledger verify) ──", "── Head hash (ledger verify) ──")

    static func tourResidualLine(_ total: String, subscriptions: Int, clients: Int) -> Self {
        let (s, c) = (count(subscriptions, subscriptionNoun), count(clients, clientObject))
        return Self("\(total) aus \(s.german) von \(c.german)", "\(total) over \(s.dutch) van \(c.dutch)", "\(total) over \(s.english) of \(c.english)")
    }

    static let tryNext = Self("Probieren Sie", "Probeer", "Try")

    // MARK: Progress

    static let eventsUnit = Self("Ereignisse", "gebeurtenissen", "events")
    static let secondsLeft = Self("s übrig", "s resterend", "s left")
    static let timeLeftUnknown = Self("Restzeit unbekannt", "resterende tijd onbekend", "time left unknown")
}
