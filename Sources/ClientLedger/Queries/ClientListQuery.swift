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
    /// `search`, if given, keeps the clients whose id, name, e-mail address or phone number contains
    /// it, ignoring case. Names are decrypted to be searched, so the list costs a decryption per client.
    ///
    /// Reads on threads of its own, beside Swift's cooperative pool: however long it reads, the
    /// process's other tasks (card reads, commands) go on meanwhile.
    public func clients(archived: Bool = false, search: String? = nil) async throws(LedgerError) -> [ClientSummary] {
        try await observation.query("clients") { () throws(LedgerError) -> [ClientSummary] in
            try await BlockingPool.shared.run { [self] () throws(LedgerError) -> [ClientSummary] in try readClients(archived: archived, search: search) }
        }
    }

    /// ``clients(archived:search:)``, read on the calling thread.
    package func readClients(archived: Bool, search: String?) throws(LedgerError) -> [ClientSummary] {
        let needle = search.map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        var summaries: [ClientSummary] = []
        try forEachCard { client, record in
            guard record.archived == archived else { return }
            let card = try makeCard(client, record, now: .now)
            if let needle {
                let haystack = [client.rawValue, card.name, card.email, card.phone].compactMap { $0?.lowercased() }
                guard haystack.contains(where: { $0.contains(needle) }) else { return }
            }
            summaries.append(ClientSummary(client: client, name: card.name, email: card.email, phone: card.phone, archived: card.archived,
                                           erased: card.erased, points: card.points, lastVisit: card.lastVisit))
        }
        return summaries
    }

    /// The salon's settings in force at `instant` (the defaults if none were ever recorded): its
    /// currency, time zone, reminder lead time and visit-nudge weeks.
    public func salonSettings(at instant: Timestamp = .now) throws(LedgerError) -> SalonSettingsChanged {
        try load([]).salon.settings(at: instant)
    }
}
