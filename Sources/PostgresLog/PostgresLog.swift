import EventLog
import Synchronization

/// One ledger's event log in a PostgreSQL database: the shared, authoritative copy that several
/// service instances on several machines can hold in common (see `docs/postgres.md`).
///
/// The records are the LMDB format's records, byte for byte, at the same positions: a ledger's head
/// hash is the same in PostgreSQL as in any LMDB copy of it, and ``verify(anchors:progress:)``
/// means what ``EventLog/verify(anchors:progress:)`` means. Any number of ledgers share one
/// database, each under its own id (a salon's, for example), with its own positions and chain.
///
/// - ``attach(_:pollInterval:)`` makes an LMDB log the ledger's local replica: it catches up,
///   follows, and every write to it extends the ledger first, under the lock on the ledger's row;
///   ``pull(into:)`` and ``detach(_:)`` go with it. (`SalonLedger(replicaAt:of:)`, in
///   `ClientLedgerPostgres`, opens the salon ledger that way.)
/// - ``push(from:progress:)`` copies a local LMDB log into the database, in transactions that each
///   extend the chain under that lock, and carries on where an earlier push stopped.
/// - ``verify(anchors:progress:)`` checks the ledger in the database from its first record, and
///   ``head()`` reads its head.
///
/// The calls block while the database answers: call them from a thread that may block, as the
/// ``EventLog`` calls. One `PostgresLog` holds one connection and runs one call at a time; each
/// replica attached to it has a connection of its own for its writes, and one for its follower.
///
/// ```swift
/// let shared = try PostgresLog(connectingTo: "host=db.example dbname=salons", ledger: "salon-42")
/// let replica = try EventLog(path: "/var/lib/booking/salon-42")
/// try shared.attach(replica)                        // catches up, then follows
/// try await replica.append(events, to: "client-7")  // extends the ledger in PostgreSQL first
/// ```
public final class PostgresLog: Sendable {
    /// The ledger's id in the database.
    public let ledger: String
    /// Kept for the followers' connections of their own (``attach(_:pollInterval:)``).
    let conninfo: String
    private let connection: PostgresConnection
    /// Held around every use of `connection`: libpq's connections are not for two threads at once.
    private let lock = Mutex(())

    /// Connects to the database that `conninfo` names — a libpq connection string
    /// (`host=/run/postgresql dbname=salons`) or URL (`postgresql://user@host/salons`); libpq's
    /// `PG*` environment variables fill in what it leaves out — and creates the tables if they are
    /// missing.
    ///
    /// - Parameter ledger: the ledger's id: 1–255 bytes of UTF-8, without NUL.
    /// - Throws: ``EventLogError/Code/misuse`` for an id that is not one; ``EventLogError/Code/storage``
    ///   with the server's message if the database cannot be reached or refuses;
    ///   ``EventLogError/Code/newerFormat`` if a newer library made its tables.
    public init(connectingTo conninfo: String, ledger: String) throws(EventLogError) {
        guard !ledger.isEmpty, ledger.utf8.count <= 255, !ledger.utf8.contains(0) else {
            throw EventLogError(.misuse, "\"\(ledger)\" is not a ledger id: it must be 1 to 255 bytes of UTF-8 without NUL")
        }
        let connection = try PostgresConnection(conninfo)
        try PostgresSchema.create(connection)
        self.ledger = ledger
        self.conninfo = conninfo
        self.connection = connection
    }

    /// The ledger's last position and its hash in the database; `nil` if it holds no record (or
    /// no such ledger).
    public func head() throws(EventLogError) -> HeadHash? {
        try withConnection { (connection) throws(EventLogError) -> HeadHash? in
            let rows = try connection.execute("SELECT head, head_hash FROM clientledger_ledger WHERE ledger = $1", [.text(ledger)],
                                              "reading the head of ledger \(ledger)")
            return try Self.head(rows, ledger: ledger).map { HeadHash(position: $0.position, hash: $0.hash) }
        }
    }

    /// Runs `body` with the connection, one call at a time.
    package func withConnection<T: Sendable>(_ body: (PostgresConnection) throws(EventLogError) -> T) throws(EventLogError) -> T {
        try lock.withLock { (_) throws(EventLogError) -> T in try body(connection) }
    }

    /// The head a `SELECT head, head_hash` row holds; `nil` for no row or an empty ledger.
    static func head(_ rows: PostgresConnection.Rows, ledger: String) throws(EventLogError) -> (position: UInt64, hash: ChainHash)? {
        guard rows.count > 0 else { return nil }
        guard let head = rows.int64(0, 0), head >= 0 else {
            throw EventLogError(.damaged, "the row of ledger \(ledger) in clientledger_ledger holds no valid head")
        }
        guard head > 0 else { return nil }
        guard !rows.isNull(0, 1), let hash = ChainHash(bytes: rows.bytes(0, 1)) else {
            throw EventLogError(.damaged, "the row of ledger \(ledger) in clientledger_ledger holds head \(head) without a 32-byte head_hash")
        }
        return (UInt64(head), hash)
    }
}
