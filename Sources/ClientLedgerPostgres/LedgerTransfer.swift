import ClientLedger
import EventLog
import Foundation
import PostgresLog

/// What moving a salon ledger between a directory and PostgreSQL did
/// (``SalonLedger/push(ledgerAt:to:progress:)``, ``SalonLedger/pull(ledgerAt:from:)``).
public struct LedgerTransfer: Hashable, Sendable, Codable {
    /// How many records were copied (0 when the destination held them all).
    public let eventsCopied: UInt64
    /// How many clients' keys the destination did not hold and now does (a destroyed key counts:
    /// the client can never get one there).
    public let keysAdded: Int
    /// How many keys the destination held and destroyed, because the source had destroyed them.
    public let keysDestroyed: Int
    /// The head of the ledger afterwards, in both places; `nil` for an empty ledger.
    public let head: HeadHash?
}

extension SalonLedger {
    /// Copies the salon ledger in directory `path` into PostgreSQL as ledger `shared`: first its
    /// clients' keys (into `clientledger_client_key`), then its records, with the same positions,
    /// bytes and head hash (``PostgresLog/push(from:progress:)``). After it, instances open the
    /// ledger with ``init(replicaAt:of:options:pollInterval:)`` and every one of them opens every
    /// card.
    ///
    /// Only reads the directory. Safe to run again: it carries on where a push stopped, and copies
    /// what the ledger gained since. A key destroyed in the directory (an erasure) is destroyed in
    /// the database too.
    ///
    /// - Throws: ``LedgerError/Code/brokenChain`` naming the position if the database holds another
    ///   chain under that id (nothing is copied); ``LedgerError/Code/keyStore`` naming the client if
    ///   it holds another key for one of the clients (no key is copied, nor any record);
    ///   ``LedgerError/Code/notALedger`` if `path` holds no ledger; ``LedgerError/Code/storage`` if
    ///   the database cannot be reached.
    public static func push(ledgerAt path: String, to shared: PostgresLog,
                            progress: ((_ copied: UInt64, _ total: UInt64) -> Void)? = nil) throws(LedgerError) -> LedgerTransfer {
        let log = try openLog(path, Options(readOnly: true))
        defer { log.close() }
        let empty = (try? log.lastPosition()) == 0
        let local = try ClientKeyStore(directory: path, readOnly: true, required: !empty)
        let keys = try PostgresClientKeys(shared).adopt(try local.everyKey())
        do {
            let pushed = try shared.push(from: log, progress: progress)
            return LedgerTransfer(eventsCopied: pushed.eventsCopied, keysAdded: keys.added, keysDestroyed: keys.destroyed, head: pushed.head)
        } catch {
            throw LedgerError.wrapping(error, "pushing the ledger at \(path) to ledger \(shared.ledger) in PostgreSQL")
        }
    }

    /// Makes directory `path` a salon ledger of its own holding ledger `shared` of PostgreSQL as it
    /// is now — **leaving PostgreSQL**: the local replica there (or a new directory) copies the
    /// records it lacks, every link checked, brings its cards up to date, takes the clients' keys
    /// into its own key file, and stops being a replica. Afterwards ``init(path:options:)`` opens
    /// it, and nothing ties it to the database any more.
    ///
    /// It is a copy from then on: what instances record in PostgreSQL later does not reach it, nor
    /// does an erasure made there later — its key file holds the keys it took. Stop the instances
    /// that use the directory as their replica first.
    ///
    /// - Throws: ``LedgerError/Code/brokenChain`` if the directory holds another chain than the
    ///   ledger (nothing after the break is copied); ``LedgerError/Code/keyStore`` if its key file
    ///   holds another key for a client; ``LedgerError/Code/storage`` if the database cannot be
    ///   reached.
    public static func pull(ledgerAt path: String, from shared: PostgresLog) throws(LedgerError) -> LedgerTransfer {
        // The records, every link checked; then the keys; then the directory is a ledger of its own,
        // and opening it brings its cards up to date. A pull that stops part-way is carried on by
        // the next one.
        let log = try openLog(path, Options())
        let copied: UInt64
        let head: HeadHash?
        do {
            defer { log.close() }
            copied = try shared.pull(into: log)
            head = try log.headHash()
        } catch {
            throw LedgerError.wrapping(error, "pulling ledger \(shared.ledger) from PostgreSQL into \(path)")
        }
        let keys = try ClientKeyStore(directory: path).adopt(try PostgresClientKeys(shared).everyKey())
        let marker = path + "/" + replicaMarker
        if FileManager.default.fileExists(atPath: marker) {
            do {
                try FileManager.default.removeItem(atPath: marker)
            } catch {
                throw LedgerError(.storage, "cannot remove \(marker), which marks the directory as a replica: \(error.localizedDescription)")
            }
        }
        try SalonLedger(path: path).close()
        return LedgerTransfer(eventsCopied: copied, keysAdded: keys.added, keysDestroyed: keys.destroyed, head: head)
    }
}
