import ClientLedger
import EventLog
import Foundation
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
    /// The directory is marked as a replica (a file `replica-of` holding the ledger's id):
    /// ``init(path:options:)`` refuses it, since its clients' keys are in the database. To make it a
    /// ledger of its own, leave PostgreSQL with ``pull(ledgerAt:from:)``.
    ///
    /// - Throws: ``LedgerError/Code/brokenChain`` if the ledger in the database is not the replica's
    ///   continued; ``LedgerError/Code/storage`` or ``LedgerError/Code/keyStore`` if the database
    ///   cannot be reached; ``LedgerError/Code/keyStore`` if `path` is a ledger of its own, with a
    ///   key file (push it, and give replicas new directories); what ``init(path:options:)`` throws.
    public convenience init(replicaAt path: String, of shared: PostgresLog, options: Options = Options(), pollInterval: Double? = 1) throws(LedgerError) {
        // A replica keeps no keys: a key file there would outlive an erasure made in the database.
        if FileManager.default.fileExists(atPath: path + "/" + ClientKeyStore.fileName) {
            throw LedgerError(.keyStore, "\(path) is a ledger of its own, with its clients' keys: it cannot be the replica of ledger \(shared.ledger) (a replica keeps no keys; they are in the database). Push it (`ledger push`) and give the instances new directories")
        }
        let log = try Self.openLog(path, options)
        if !options.readOnly {
            do {
                try shared.attach(log, pollInterval: pollInterval)
            } catch {
                throw LedgerError.wrapping(error, "following ledger \(shared.ledger) into the replica at \(path)")
            }
            // The directory says what it is: a ledger of its own opens it no more (its keys are in
            // the database), until it leaves PostgreSQL (``pull(ledgerAt:from:)``).
            let marker = path + "/" + Self.replicaMarker
            if !FileManager.default.fileExists(atPath: marker) {
                guard FileManager.default.createFile(atPath: marker, contents: Data("\(shared.ledger)\n".utf8)) else {
                    shared.detach(log)
                    throw LedgerError(.storage, "cannot mark the directory \(path) as a replica (\(marker))")
                }
            }
        }
        try self.init(log: log, keys: try PostgresClientKeys(shared), options: options)
    }
}
