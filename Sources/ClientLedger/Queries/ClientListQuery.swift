import EventLog

/// One line of the client list: who they are and where they stand.
public struct ClientSummary: Hashable, Sendable {
    /// The client's id.
    public let client: ClientID
    /// Their name, decrypted; `nil` after erasure.
    public let name: String?
    /// Their e-mail address, if known and not erased.
    public let email: String?
    /// Their phone number, if known and not erased.
    public let phone: String?
    /// Whether they are archived.
    public let archived: Bool
    /// Whether their personal data was erased.
    public let erased: Bool
    /// Their points balance.
    public let points: Int64
    /// Their last checkout, if any.
    public let lastVisit: Timestamp?
}

extension SalonLedger {
    /// The clients, in client-id byte order, read from the client-card projection: the archived ones
    /// if `archived` is true, the others otherwise (erased clients among them, without names).
    ///
    /// `search`, if given, keeps the clients it finds: every word of it begins a word of their name,
    /// e-mail address or id, ignoring case and accents ("muller" finds Müller); or, for a phone number
    /// of at least 6 digits, their number ends with it in international or national form ("01536
    /// 636950" finds +491536636950). The words are kept in memory only, never at rest (an erased
    /// client's name must not outlive the erasure in the data file): the first search in a process
    /// reads every client once; later ones read the events since and the clients they find.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func clients(archived: Bool = false, search: String? = nil) async throws(LedgerError) -> [ClientSummary] {
        try await observation.query(search == nil ? "clients" : "searchClients") { () throws(LedgerError) -> [ClientSummary] in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> [ClientSummary] in try readClients(archived: archived, search: search) }
        }
    }

    /// Reads the search words of every client into memory now, so that the first search answers
    /// as fast as the ones after it (see ``clients(archived:search:)``: the words live only in this
    /// process's memory, and the first search of a process otherwise reads every client — about
    /// 1.8 s at 50,000 clients).
    ///
    /// A service calls it once as it starts, off its request path (in a task of its own):
    ///
    /// ```swift
    /// Task { try? await ledger.prepareSearch() }
    /// ```
    ///
    /// A search that comes meanwhile waits for it, and reads nothing twice. Reads on threads of its
    /// own, beside Swift's cooperative pool.
    public func prepareSearch() async throws(LedgerError) {
        try await observation.query("prepareSearch") { () throws(LedgerError) in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) in try searchIndex.prepare(in: self) }
        }
    }

    /// ``clients(archived:search:)``, read on the calling thread.
    package func readClients(archived: Bool, search: String?) throws(LedgerError) -> [ClientSummary] {
        var summaries: [ClientSummary] = []
        func add(_ client: ClientID, _ record: CardRecord) throws(LedgerError) {
            guard record.archived == archived else { return }
            let card = try makeCard(client, record, now: .now)
            summaries.append(ClientSummary(client: client, name: card.name, email: card.email, phone: card.phone, archived: card.archived,
                                           erased: card.erased, points: card.points, lastVisit: card.lastVisit))
        }
        guard let search, !search.allSatisfy(\.isWhitespace) else {
            try forEachCard { client, record in try add(client, record) }
            return summaries
        }
        let found = try searchIndex.search(search, in: self)
        let records: [(ClientID, CardRecord)]
        do {
            records = try readCards { state in
                try found.compactMap { client in
                    try state.withValue(forKey: client.rawValue.utf8) { bytes in try bytes.map { (client, try CardRecord(client: client, head: $0, in: state)) } }
                }
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the cards of the clients found")
        }
        for (client, record) in records { try add(client, record) }
        return summaries
    }

    /// The salon's settings in force at `instant` (the defaults if none were ever recorded): its
    /// currency, time zone, reminder lead time and visit-nudge weeks.
    public func salonSettings(at instant: Timestamp = .now) throws(LedgerError) -> SalonSettingsChanged {
        try salonState().settings(at: instant)
    }
}
