import EventLog

extension SalonLedger {
    /// Calls `body` with every stored card, in client-id byte order, from one snapshot of the
    /// client-card projection.
    package func forEachCard(_ body: (ClientID, CardRecord) throws -> Void) throws(LedgerError) {
        do {
            try log.readProjection(ClientCardProjection()) { state in
                try state.forEach(prefix: []) { key, value in
                    try body(ClientID(unchecked: String(decoding: key, as: UTF8.self)), try CardRecord(decoding: value))
                    return true
                }
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storage, "reading the client cards failed", cause: DescribedCause("\(error)"))
        }
    }
}
