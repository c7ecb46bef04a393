/// One sentence or label of the front desk, in German, Dutch and English.
struct FrontDeskText: Sendable {
    let german: String
    let dutch: String
    let english: String

    init(_ german: String, _ dutch: String, _ english: String) {
        self.german = german
        self.dutch = dutch
        self.english = english
    }

    static let reminders = Self("Erinnerungen", "Herinneringen", "Reminders")
    static let clients = Self("Kunden", "Klanten", "Clients")
    static let language = Self("Sprache", "Taal", "Language")
    static let past7 = Self("Letzte 7 Tage", "Afgelopen 7 dagen", "Last 7 days")
    static let next7 = Self("Nächste 7 Tage", "Komende 7 dagen", "Next 7 days")
    static let covered = Self("mit Erinnerung", "met herinnering", "with a reminder")
    static let missing = Self("ohne Erinnerung", "zonder herinnering", "without a reminder")
    static let noConsent = Self("ohne Einwilligung", "zonder toestemming", "without consent")
    static let appointments = Self("Termine", "Afspraken", "appointments")
    static let futureMissing = Self("Kommende Termine ohne Erinnerung", "Komende afspraken zonder herinnering", "Upcoming appointments without a reminder")
    static let pastMissing = Self("Vergangene Termine ohne Erinnerung", "Afgelopen afspraken zonder herinnering", "Past appointments without a reminder")
    static let tick = Self("Erinnerung planen", "Herinnering plannen", "Schedule a reminder")
    static let client = Self("Kunde", "Klant", "Client")
    static let phone = Self("Telefon", "Telefoon", "Phone")
    static let email = Self("E-Mail", "E-mail", "E-mail")
    static let time = Self("Zeit", "Tijd", "Time")
    static let service = Self("Leistung", "Behandeling", "Service")
    static let reason = Self("Grund", "Reden", "Reason")
    static let reasonMissing = Self("keine Erinnerung geplant", "geen herinnering gepland", "no reminder scheduled")
    static let reasonNoConsent = Self("keine Einwilligung zu Erinnerungen", "geen toestemming voor herinneringen", "no consent to reminders")
    static let scheduleTicked = Self("Erinnerungen für die angekreuzten Termine planen", "Herinneringen plannen voor de aangevinkte afspraken",
                                     "Schedule reminders for the ticked appointments")
    static let nothingMissing = Self("Keine.", "Geen.", "None.")
    static let previous = Self("Zurück", "Vorige", "Previous")
    static let next = Self("Weiter", "Volgende", "Next")
    static let search = Self("Suchen", "Zoeken", "Search")
    static let searchLabel = Self("Name, E-Mail oder Telefon", "Naam, e-mail of telefoon", "Name, e-mail or phone")
    static let points = Self("Punkte", "Punten", "Points")
    static let lastVisit = Self("Letzter Besuch", "Laatste bezoek", "Last visit")
    static let noClients = Self("Keine Kunden gefunden.", "Geen klanten gevonden.", "No clients found.")
    static let archivedClients = Self("unter den archivierten Kunden", "onder de gearchiveerde klanten", "among archived clients")
    /// Shown under a search that found more clients than one page lists.
    static func moreFound(shown: Int, found: Int) -> Self {
        Self("Die ersten \(shown) von \(found) Kunden; suchen Sie genauer, um die übrigen zu sehen.",
             "De eerste \(shown) van \(found) klanten; zoek nauwkeuriger om de rest te zien.",
             "The first \(shown) of \(found) clients; search more precisely to see the rest.")
    }
    /// A change of the points balance, by its kind (`accrued`, `adjusted`, `redeemed`).
    static func pointsKind(_ kind: String) -> Self {
        switch kind {
        case "accrued": Self("gutgeschrieben", "bijgeschreven", "earned")
        case "adjusted": Self("korrigiert", "gecorrigeerd", "adjusted")
        case "redeemed": Self("eingelöst", "ingewisseld", "redeemed")
        default: Self(kind, kind, kind)
        }
    }
    /// Why points were earned (`AccrualReason`); other words as they were recorded.
    static func accrualReason(_ reason: String) -> Self {
        switch reason {
        case "revenue": Self("Umsatz", "omzet", "revenue")
        case "referral": Self("Empfehlung", "doorverwijzing", "referral")
        case "manual": Self("von Hand", "handmatig", "by hand")
        default: Self(reason, reason, reason)
        }
    }
    static let alert = Self("Achtung", "Let op", "Alert")
    static let consents = Self("Einwilligungen", "Toestemmingen", "Consents")
    static let granted = Self("erteilt", "gegeven", "granted")
    static let notGranted = Self("nicht erteilt", "niet gegeven", "not granted")
    static let grant = Self("Erteilen", "Geven", "Grant")
    static let withdraw = Self("Widerrufen", "Intrekken", "Withdraw")
    static let staff = Self("Mitarbeiter/in", "Medewerker", "Staff member")
    static let consentReminders = Self("Terminerinnerungen", "Afspraakherinneringen", "Appointment reminders")
    static let consentMarketing = Self("Werbung", "Marketing", "Marketing")
    static let consentNudges = Self("Besuchserinnerungen", "Bezoekherinneringen", "Visit nudges")
    static let history = Self("Verlauf", "Geschiedenis", "History")
    static let subscriptions = Self("Abonnements", "Abonnementen", "Subscriptions")
    static let remaining = Self("Verbleibend", "Resterend", "Remaining")
    static let residual = Self("Restwert", "Restwaarde", "Residual value")
    static let purchased = Self("Gekauft", "Gekocht", "Purchased")
    static let used = Self("Genutzt", "Gebruikt", "Used")
    static let notes = Self("Notizen", "Notities", "Notes")
    static let forms = Self("Fragebögen", "Vragenlijsten", "Intake forms")
    static let documents = Self("Dokumente", "Documenten", "Documents")
    static let visits = Self("Besuche", "Bezoeken", "Visits")
    static let upcoming = Self("Termine", "Afspraken", "Appointments")
    static let revenue = Self("Umsatz", "Omzet", "Revenue")
    static let cancelled = Self("abgesagt", "geannuleerd", "cancelled")
    static let archived = Self("Archiviert", "Gearchiveerd", "Archived")
    static let erased = Self("Gelöscht", "Gewist", "Erased")
    static let archive = Self("Archivieren", "Archiveren", "Archive")
    static let reactivate = Self("Reaktivieren", "Heractiveren", "Reactivate")
    static let erase = Self("Endgültig löschen", "Definitief wissen", "Erase for good")
    static let eraseConfirm = Self("Zur Bestätigung die Kunden-ID eingeben", "Typ ter bevestiging de klant-ID", "Type the client's id to confirm")
    static let print = Self("Drucken", "Afdrukken", "Print")
    static let call = Self("Anrufen", "Bellen", "Call")

    static let redeem = Self("Punkte einlösen", "Punten inwisselen", "Redeem points")
    static let redeemButton = Self("Einlösen", "Inwisselen", "Redeem")
    static let refused = Self("Nicht erfasst", "Niet vastgelegd", "Not recorded")

    static func redeemed(_ points: String, _ discount: String) -> Self {
        Self("\(points) Punkte eingelöst: \(discount) Rabatt.", "\(points) punten ingewisseld: \(discount) korting.", "\(points) points redeemed: \(discount) discount.")
    }

    /// Why the ledger refused what a form asked, in the staff's language, by the refusal's code
    /// (and field); `nil` for a code the desk has no sentence of its own for.
    static func refusal(_ code: String, field: String?) -> Self? {
        switch code {
        case "insufficientPoints":
            Self("Der Kunde hat nicht genug Punkte.", "De klant heeft niet genoeg punten.", "The client does not have enough points.")
        case "redemptionNotAllowed":
            Self("Das Treueprogramm erlaubt diese Einlösung nicht.", "Het spaarprogramma staat deze inwisseling niet toe.",
                 "The loyalty programme does not allow this redemption.")
        case "invalidAmount":
            Self("Diese Punktzahl kann nicht eingelöst werden: bitte eine ganze Zahl größer als null, höchstens den Kontostand.",
                 "Dit aantal punten kan niet worden ingewisseld: een geheel getal groter dan nul, hoogstens het saldo.",
                 "These points cannot be redeemed: enter a whole number greater than zero, at most the balance.")
        case "invalidField" where field == "confirm":
            Self("Zum Löschen die Kunden-ID genau so eingeben, wie sie angezeigt wird.", "Typ om te wissen de klant-ID precies zoals die wordt getoond.",
                 "To erase, type the client's id exactly as shown.")
        case "clientErased":
            Self("Dieser Kunde wurde gelöscht.", "Deze klant is gewist.", "This client was erased.")
        case "clientArchived":
            Self("Dieser Kunde ist archiviert; zuerst reaktivieren.", "Deze klant is gearchiveerd; eerst heractiveren.",
                 "This client is archived; reactivate them first.")
        case "clientNotArchived":
            Self("Dieser Kunde ist nicht archiviert.", "Deze klant is niet gearchiveerd.", "This client is not archived.")
        case "unknownClient":
            Self("Diesen Kunden gibt es nicht.", "Deze klant bestaat niet.", "There is no such client.")
        case "concurrentChange":
            Self("Jemand anderes hat den Kunden gerade geändert; bitte erneut versuchen.", "Iemand anders heeft de klant net gewijzigd; probeer het opnieuw.",
                 "Someone else just changed this client; please try again.")
        case "readOnly":
            Self("Das Kundenbuch ist nur zum Lesen geöffnet.", "Het klantenboek is alleen-lezen geopend.", "The ledger is open for reading only.")
        default:
            nil
        }
    }

    /// Introduces the ledger's own words about a refusal (English, as the library writes them).
    static let details = Self("Details", "Details", "Details")

    static func scheduled(_ count: Int) -> Self {
        Self("\(count) Erinnerung(en) geplant.", "\(count) herinnering(en) gepland.", "\(count) reminder(s) scheduled.")
    }
}
