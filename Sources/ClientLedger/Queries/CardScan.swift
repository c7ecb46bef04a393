import EventLog

extension SalonLedger {
    /// Calls `body` with every stored card, in client-id byte order, from one snapshot of the
    /// client-card projection (the ``QueryIndex`` entries after them are not cards).
    package func forEachCard(_ body: (ClientID, CardRecord) throws -> Void) throws(LedgerError) {
        do {
            try readCards { state in
                try state.forEach(prefix: []) { key, value in
                    guard key.first != QueryIndex.marker else { return false }
                    let client = ClientID(unchecked: String(decoding: key, as: UTF8.self))
                    try body(client, try CardRecord(client: client, head: value, in: state))
                    return true
                }
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the client cards")
        }
    }
}
