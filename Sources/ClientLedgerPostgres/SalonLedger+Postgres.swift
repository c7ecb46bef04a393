import ClientLedger
import EventLog
import PostgresLog

extension SalonLedger {
    /// Opens the salon ledger whose log is `shared`, a ledger in PostgreSQL, through a local replica
    /// in directory `path` (created if absent): the way several instances of a service, on several
    /// machines, share one salon's ledger (see `docs/postgres.md`).
    ///
    /// The replica catches up with the ledger, follows it (``PostgresLog/attach(_:pollInterval:)``)
    /// and keeps the client cards, inline, as any ledger does: queries read the replica and never
    /// touch the database. Every command takes the ledger's lock in the database, catches up under
    /// it, decides, and commits there before it commits locally, so the rules hold across every
    /// instance as they hold in one process, and a caller reads its own writes. The clients' keys
    /// live in the database (`clientledger_client_key`), so every instance can open every card, and
    /// an erasure destroys the key for all.
    ///
    /// Read-only (``Options/readOnly``), the replica is read as it is, without following.
    ///
    /// - Throws: ``LedgerError/Code/brokenChain`` if the ledger in the database is not the replica's
    ///   continued; ``LedgerError/Code/storage`` or ``LedgerError/Code/keyStore`` if the database
    ///   cannot be reached; what ``init(path:options:)`` throws.
    public convenience init(replicaAt path: String, of shared: PostgresLog, options: Options = Options(), pollInterval: Double? = 1) throws(LedgerError) {
        let log = try Self.openLog(path, options)
        if !options.readOnly {
            do {
                try shared.attach(log, pollInterval: pollInterval)
            } catch {
                throw LedgerError.wrapping(error, "following ledger \(shared.ledger) into the replica at \(path)")
            }
        }
        try self.init(log: log, keys: try PostgresClientKeys(shared), options: options)
    }
}
