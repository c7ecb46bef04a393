import ClientLedger
import EventLog
import PostgresLog
import Synchronization

/// The clients' keys of a ledger in PostgreSQL, in the table `clientledger_client_key`, so that every
/// instance can open every card and an erasure reaches all of them (see `docs/postgres.md`).
///
/// | column | holds |
/// | --- | --- |
/// | `ledger text`, `client text` | the primary key |
/// | `key bytea` | the client's 32-byte key; NULL once destroyed |
/// | `erasing boolean` | an erasure of the client was begun |
///
/// A key is made with `INSERT … ON CONFLICT DO NOTHING` and read back, so instances that meet a
/// new client at once agree on one key. Keys are cached in memory once read; the cache serves only
/// where the caller's snapshot of the log shows the client not erased (as the key file's cache
/// does), and every other lookup asks the database, which an erasure by any instance has changed.
///
/// **What PostgreSQL keeps after an erasure.** Destroying a key sets it to NULL. PostgreSQL keeps
/// the old row version until vacuum reclaims it, and the key stays in the write-ahead log and in
/// every base backup taken before: an erasure is complete once autovacuum (or `VACUUM`) has run on
/// the table and the WAL segments and backups older than it are gone. An operator bounds that with
/// the retention of WAL archives and base backups.
final class PostgresClientKeys: ClientKeys {
    private let shared: PostgresLog
    private struct Cache {
        var keys: [String: [UInt8]] = [:]
        var destroyed: Set<String> = []
    }
    private let cache = Mutex(Cache())

    let marksErasures = true

    init(_ shared: PostgresLog) throws(LedgerError) {
        self.shared = shared
        do {
            try shared.withConnection { (connection) throws(EventLogError) in
                // An existing table is not created again: a role without CREATE on the schema opens it.
                guard try !PostgresSchema.tablesExist(["clientledger_client_key"], on: connection) else { return }
                try connection.transaction("the ClientLedger key table") { () throws(EventLogError) in
                    try connection.execute("SELECT pg_advisory_xact_lock($1)", [.int64(PostgresSchema.lockKey)], "waiting for the schema lock")
                    try connection.run("""
                        CREATE TABLE IF NOT EXISTS clientledger_client_key (
                            ledger  text NOT NULL,
                            client  text NOT NULL,
                            key     bytea CHECK (octet_length(key) = 32),
                            erasing boolean NOT NULL DEFAULT false,
                            PRIMARY KEY (ledger, client)
                        )
                        """, "creating the key table")
                }
            }
        } catch {
            throw LedgerError.wrapping(error, "opening the clients' keys in PostgreSQL")
        }
    }

    /// Runs `body` on the database, turning its errors (which name their step) into key-store errors.
    private func database<T: Sendable>(_ body: (PostgresConnection) throws(EventLogError) -> T) throws(LedgerError) -> T {
        do {
            return try shared.withConnection(body)
        } catch {
            throw LedgerError(.keyStore, "the clients' keys in PostgreSQL: \(error.message)", cause: error)
        }
    }

    private var ledger: PostgresConnection.Value { .text(shared.ledger) }

    func key(for client: ClientID) throws(LedgerError) -> ClientKey? {
        try key(for: client, knownNotErased: false)
    }

    func key(for client: ClientID, knownNotErased: Bool) throws(LedgerError) -> ClientKey? {
        if knownNotErased, let cached = cache.withLock({ $0.keys[client.rawValue] }) { return ClientKey(bytes: cached) }
        let row = try database { (connection) throws(EventLogError) -> [UInt8]?? in
            let rows = try connection.execute("SELECT key FROM clientledger_client_key WHERE ledger = $1 AND client = $2",
                                              [ledger, .text(client.rawValue)], "reading the key of client \(client)")
            guard rows.count > 0 else { return .some(nil) } // no key
            return rows.isNull(0, 0) ? nil : .some(try Self.key(rows.bytes(0, 0), of: client.rawValue)) // nil: destroyed
        }
        return remember(client, row)
    }

    /// `bytes` as a key read from the table: 32 bytes, or the row is damaged (the table's check
    /// holds only where this library made the table).
    private static func key(_ bytes: [UInt8], of client: String) throws(EventLogError) -> [UInt8] {
        guard bytes.count == 32 else {
            throw EventLogError(.damaged, "the key of client \(client) in clientledger_client_key is \(bytes.count) bytes, not 32")
        }
        return bytes
    }

    /// Caches what the database said of `client`'s key: `nil` destroyed, `.some(nil)` none, bytes.
    private func remember(_ client: ClientID, _ row: [UInt8]??) -> ClientKey? {
        cache.withLock { cache in
            switch row {
            case .none:
                cache.keys[client.rawValue] = nil
                cache.destroyed.insert(client.rawValue)
                return nil
            case .some(.none):
                return nil
            case .some(.some(let bytes)):
                cache.keys[client.rawValue] = bytes
                return ClientKey(bytes: bytes)
            }
        }
    }

    func isDestroyed(_ client: ClientID) -> Bool {
        cache.withLock { $0.destroyed.contains(client.rawValue) }
    }

    func keyCreatingIfNeeded(for client: ClientID) throws(LedgerError) -> ClientKey {
        let fresh = try ClientKey.generate().bytes
        let row = try database { (connection) throws(EventLogError) -> [UInt8]?? in
            // Another instance may make this client's key at the same moment: one row wins, both read it.
            try connection.execute("INSERT INTO clientledger_client_key (ledger, client, key) VALUES ($1, $2, $3) ON CONFLICT (ledger, client) DO NOTHING",
                                   [ledger, .text(client.rawValue), .bytes(fresh)], "making the key of client \(client)")
            let rows = try connection.execute("SELECT key FROM clientledger_client_key WHERE ledger = $1 AND client = $2",
                                              [ledger, .text(client.rawValue)], "reading the key of client \(client)")
            return rows.count > 0 && !rows.isNull(0, 0) ? .some(try Self.key(rows.bytes(0, 0), of: client.rawValue)) : nil
        }
        guard let key = remember(client, row) else {
            throw LedgerError(.keyStore, "client \(client) was erased; their key cannot be made again", client: client.rawValue)
        }
        return key
    }

    func createKeys(for clients: [ClientID]) throws(LedgerError) {
        guard !clients.isEmpty else { return }
        var fresh: [[UInt8]] = []
        fresh.reserveCapacity(clients.count)
        for _ in clients { fresh.append(try ClientKey.generate().bytes) }
        let ids = PostgresConnection.Value.textArray(clients.map(\.rawValue))
        // One statement for all (an import registers many): a client with a key keeps it. The keys
        // are read back, so that the import seals with them without asking once per client.
        let stored = try database { (connection) throws(EventLogError) -> [(ClientID, [UInt8]??)] in
            _ = try connection.execute("INSERT INTO clientledger_client_key (ledger, client, key) SELECT $1, client, key FROM unnest($2::text[], $3::bytea[]) AS t(client, key) "
                                   + "ON CONFLICT (ledger, client) DO NOTHING",
                                   [ledger, ids, .bytesArray(fresh)], "making the keys of \(clients.count) clients")
            let rows = try connection.execute("SELECT client, key FROM clientledger_client_key WHERE ledger = $1 AND client = ANY($2::text[])",
                                              [ledger, ids], "reading the keys of \(clients.count) clients")
            var stored: [(ClientID, [UInt8]??)] = []
            stored.reserveCapacity(rows.count)
            for row in 0..<rows.count {
                let client = String(decoding: rows.bytes(row, 0), as: UTF8.self)
                // A row without a key is a destroyed one (``remember(_:_:)``'s `nil`).
                stored.append((ClientID(unchecked: client), rows.isNull(row, 1) ? nil : .some(try Self.key(rows.bytes(row, 1), of: client))))
            }
            return stored
        }
        for (client, row) in stored { _ = remember(client, row) }
    }

    func markErasing(_ clients: [ClientID]) throws(LedgerError) {
        guard !clients.isEmpty else { return }
        try database { (connection) throws(EventLogError) in
            _ = try connection.execute("UPDATE clientledger_client_key SET erasing = true WHERE ledger = $1 AND client = ANY($2::text[])",
                                   [ledger, .textArray(clients.map(\.rawValue))], "marking the erasures of \(clients.count) clients")
        }
    }

    func unfinishedErasures() throws(LedgerError) -> [ClientID] {
        try database { (connection) throws(EventLogError) -> [ClientID] in
            let rows = try connection.execute("SELECT client FROM clientledger_client_key WHERE ledger = $1 AND erasing AND key IS NOT NULL",
                                              [ledger], "reading the unfinished erasures")
            return (0..<rows.count).map { ClientID(unchecked: String(decoding: rows.bytes($0, 0), as: UTF8.self)) }
        }
    }

    func startMarkingErasures() throws(LedgerError) {}

    func destroyKey(of client: ClientID) throws(LedgerError) {
        try database { (connection) throws(EventLogError) in
            _ = try connection.execute("UPDATE clientledger_client_key SET key = NULL WHERE ledger = $1 AND client = $2",
                                       [ledger, .text(client.rawValue)], "destroying the key of client \(client)")
        }
        _ = remember(client, nil)
    }

    func treatAsDestroyed(_ clients: [ClientID]) {
        for client in clients { _ = remember(client, nil) }
    }

    func everyKey() throws(LedgerError) -> [StoredClientKey] {
        try database { (connection) throws(EventLogError) -> [StoredClientKey] in
            let rows = try connection.execute("SELECT client, key, erasing FROM clientledger_client_key WHERE ledger = $1", [ledger], "reading the clients' keys")
            var keys: [StoredClientKey] = []
            keys.reserveCapacity(rows.count)
            for index in 0..<rows.count {
                let client = String(decoding: rows.bytes(index, 0), as: UTF8.self)
                guard let id = try? ClientID(client) else {
                    throw EventLogError(.damaged, "clientledger_client_key holds the client id \"\(client)\", which is not one")
                }
                let key = rows.isNull(index, 1) ? nil : try Self.key(rows.bytes(index, 1), of: client)
                keys.append(StoredClientKey(client: id, key: key, erasing: rows.bytes(index, 2) == [1]))
            }
            return keys
        }
    }

    func adopt(_ keys: [StoredClientKey]) throws(LedgerError) -> (added: Int, destroyed: Int) {
        guard !keys.isEmpty else { return (0, 0) }
        let incoming = "unnest($2::text[], $3::bytea[], $4::boolean[]) AS i(client, key, erasing)"
        let parameters: [PostgresConnection.Value] = [ledger, .textArray(keys.map(\.client.rawValue)), .optionalBytesArray(keys.map(\.key)),
                                                      .boolArray(keys.map(\.erasing))]
        // The client a refusal names, to say so in the error (the transaction rolls back by a throw).
        var refused: (client: String, message: String)?
        func refuse(_ client: String, _ message: String) -> EventLogError {
            refused = (client, message)
            return EventLogError(.misuse, message)
        }
        let counts: (Int, Int)
        do {
            counts = try database { (connection) throws(EventLogError) -> (Int, Int) in
                try connection.transaction("taking in clients' keys") { () throws(EventLogError) -> (Int, Int) in
                    let twice = try connection.execute("SELECT client FROM \(incoming) GROUP BY client HAVING count(*) > 1 LIMIT 1", parameters,
                                                       "checking the keys to take in")
                    if twice.count > 0 {
                        let client = String(decoding: twice.bytes(0, 0), as: UTF8.self)
                        throw refuse(client, "client \(client) comes twice among the keys to take in")
                    }
                    // Checked before and again after (an instance may have made a key meanwhile): a
                    // client with another key here means another ledger's keys, and nothing is taken in.
                    func refuseOtherKeys() throws(EventLogError) {
                        let other = try connection.execute("SELECT i.client FROM \(incoming) JOIN clientledger_client_key k ON k.ledger = $1 AND k.client = i.client "
                                                           + "WHERE i.key IS NOT NULL AND k.key IS NOT NULL AND i.key <> k.key LIMIT 1", parameters,
                                                           "comparing the keys to take in")
                        if other.count > 0 {
                            let client = String(decoding: other.bytes(0, 0), as: UTF8.self)
                            throw refuse(client, "client \(client) has another key in the database: the keys belong to another ledger; none was taken in")
                        }
                    }
                    try refuseOtherKeys()
                    let added = try connection.execute("WITH added AS (INSERT INTO clientledger_client_key (ledger, client, key, erasing) "
                                                       + "SELECT $1, client, key, erasing FROM \(incoming) ON CONFLICT (ledger, client) DO NOTHING RETURNING 1) "
                                                       + "SELECT count(*) FROM added", parameters, "adding the keys")
                    let destroyed = try connection.execute("WITH destroyed AS (UPDATE clientledger_client_key k SET key = NULL FROM \(incoming) "
                                                           + "WHERE k.ledger = $1 AND k.client = i.client AND i.key IS NULL AND k.key IS NOT NULL RETURNING 1) "
                                                           + "SELECT count(*) FROM destroyed", parameters, "destroying the keys destroyed before")
                    try connection.execute("UPDATE clientledger_client_key k SET erasing = true FROM \(incoming) "
                                           + "WHERE k.ledger = $1 AND k.client = i.client AND i.erasing AND NOT k.erasing", parameters, "marking the erasures begun before")
                    try refuseOtherKeys()
                    return (Int(added.int64(0, 0) ?? 0), Int(destroyed.int64(0, 0) ?? 0))
                }
            }
        } catch {
            if let refused { throw LedgerError(.keyStore, refused.message, client: refused.client) }
            throw error
        }
        cache.withLock { cache in
            for stored in keys where stored.key == nil {
                cache.keys[stored.client.rawValue] = nil
                cache.destroyed.insert(stored.client.rawValue)
            }
        }
        return counts
    }

    func copyFile(to destination: String) throws(LedgerError) {
        throw LedgerError(.keyStore, "the clients' keys of a ledger in PostgreSQL live in the database: back up the database (pg_dump, base backups), not a replica")
    }
}
