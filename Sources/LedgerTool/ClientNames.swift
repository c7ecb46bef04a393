import ClientLedger

/// The clients' names and phones, active and archived, for the lists that name clients.
struct ClientNames {
    private var summaries: [ClientID: ClientSummary] = [:]

    init(_ ledger: SalonLedger) async throws {
        for archived in [false, true] {
            for summary in try await ledger.clients(archived: archived) { summaries[summary.client] = summary }
        }
    }

    /// The client's name, `(erased)` (in the locale's language), or a dash.
    subscript(_ client: ClientID) -> String {
        guard let summary = summaries[client] else { return "-" }
        return summary.name ?? (summary.erased ? say(.erased) : "-")
    }

    func summary(_ client: ClientID) -> ClientSummary? { summaries[client] }
}
