import COpenSSL
import EventLog

/// Who a command is, when its caller gave it an idempotency key: so that a retry after a lost reply
/// records nothing and gets back what the first attempt recorded.
///
/// The events a keyed command records carry, as their causation id, the **command id** — the first
/// 16 bytes of SHA-256 over the client and the key — and, as their correlation id, the **request
/// fingerprint** — the same over the command's name and parameters (not its instant, which a retry
/// gives anew). Before it decides, a keyed command looks in its client's history for its command id:
/// if it is there with the same fingerprint, the command returns those events; with another
/// fingerprint, the key was used for another request, and the command is refused with
/// ``LedgerError/Code/idempotencyKeyReused``. Both ids live in the log, so this holds across
/// processes and restarts, forever.
package struct CommandIdentity: Sendable {
    /// The longest idempotency key, in UTF-8 bytes.
    package static let maximumKeyBytes = 255

    package let key: String
    package let id: EventID
    package let fingerprint: EventID

    /// The identity of a command on `client` with the caller's `key`, describing itself as
    /// `request`; `nil` without a key.
    package static func make(key: String?, client: ClientID?, request: String) throws(LedgerError) -> CommandIdentity? {
        guard let key else { return nil }
        guard (1...maximumKeyBytes).contains(key.utf8.count) else {
            throw LedgerError(.invalidField, "an idempotency key must be 1 to \(maximumKeyBytes) UTF-8 bytes; got \(key.utf8.count)", client: client?.rawValue, field: "idempotencyKey")
        }
        return CommandIdentity(key: key, id: digest(["ClientLedger command", client?.rawValue ?? "", key]),
                               fingerprint: digest(["ClientLedger request", request]))
    }

    /// The first 16 bytes of SHA-256 over `parts`, each followed by a zero byte.
    private static func digest(_ parts: [String]) -> EventID {
        var input: [UInt8] = []
        for part in parts { input += Array(part.utf8); input.append(0) }
        var output = [UInt8](repeating: 0, count: 32)
        SHA256(input, input.count, &output)
        let high = output[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = output[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return EventID(high: high, low: low | 1) // never the all-zero id the log refuses
    }
}

extension DecisionReader {
    /// The events a command with `identity` recorded for `client`, if it ran before: every event of
    /// its transaction (they stand together in the log), decoded. Throws
    /// ``LedgerError/Code/idempotencyKeyReused`` if the key was used for another request.
    ///
    /// One lookup in the ``DecisionIndex`` finds where its events lie (a scan of the client's
    /// stream when the index is not current); only the command's own events are read.
    func recordedCommand(_ identity: CommandIdentity, client: ClientID) throws -> [RecordedLedgerEvent]? {
        guard let found = try command(identity.id, of: client) else { return nil }
        guard found.fingerprint == identity.fingerprint else {
            throw LedgerError(.idempotencyKeyReused, "the idempotency key \(identity.key) was used for another request of client \(client), recorded at position \(found.first); a key names one request", client: client.rawValue, field: "idempotencyKey", position: found.first)
        }
        // The command's events in other streams (a referrer's bonus) stand right beside these.
        var lower = found.first, upper = found.last
        while lower > 1, try snapshot.event(at: lower - 1)?.metadata.causationID == identity.id { lower -= 1 }
        while upper < snapshot.lastPosition, try snapshot.event(at: upper + 1)?.metadata.causationID == identity.id { upper += 1 }
        var events: [RecordedLedgerEvent] = []
        try snapshot.forEachEvent(from: lower, through: upper) { events.append(try ledger.decode($0, keyed: true)) }
        return events
    }
}
