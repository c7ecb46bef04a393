import EventLog
import Foundation

extension SalonLedger {
    /// Writes a backup of the ledger into the directory `destination`, while commands go on: a
    /// consistent, compacted copy of the log as of one snapshot (``EventLog/backup(to:progress:)``: every
    /// record's link checked, the copy verified), then the key file. The keys are copied after the
    /// log, so every client the copy registers has its key in it.
    ///
    /// The backup is itself a ledger directory: open it read-only to read it, or bring it back with
    /// ``restore(from:to:)``. It holds the personal data keys of every client not erased when it was
    /// taken: keep it as safe as the ledger, and note that an erasure made later does not reach it.
    ///
    /// `progress`, if given, is told the events copied so far and how many there are (every 50,000).
    ///
    /// - Returns: the head hash of the backup (`nil` for an empty ledger): write it down beside it.
    /// - Throws: ``LedgerError/Code/invalidField`` if `destination` holds anything;
    ///   ``LedgerError/Code/brokenChain`` or ``LedgerError/Code/damaged`` if the ledger cannot be
    ///   trusted (a backup of it could not be either); ``LedgerError/Code/storage`` or
    ///   ``LedgerError/Code/keyStore`` if the copy cannot be written. Nothing is left behind then.
    @discardableResult
    public func backup(to destination: String, progress: ((_ copied: UInt64, _ total: UInt64) -> Void)? = nil) throws(LedgerError) -> HeadHash? {
        let head: HeadHash?
        do {
            head = try log.backup(to: destination, progress: progress)
        } catch where error.code == .misuse {
            throw LedgerError(.invalidField, error.message, field: "destination", cause: error)
        } catch {
            throw LedgerError.wrapping(error, "backing up the ledger to \(destination)")
        }
        do {
            try keys.copyFile(to: destination + "/" + ClientKeyStore.fileName)
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        return head
    }

    /// Brings a backup back: checks that `backup` is a ledger whose chain verifies and whose keys
    /// are there, then copies it into `path`, which must not hold anything yet (a new or empty
    /// directory), and verifies the copy. Nothing is left at `path` if any of it fails.
    ///
    /// - Returns: the head hash of the restored ledger (`nil` for an empty one).
    @discardableResult
    public static func restore(from backup: String, to target: String) throws(LedgerError) -> HeadHash? {
        let fileManager = FileManager.default
        // "salon.ledger/" and "salon.ledger" are one place; the staging directory goes beside it.
        let path = URL(fileURLWithPath: target).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        let existed = fileManager.fileExists(atPath: path, isDirectory: &isDirectory)
        if existed {
            guard isDirectory.boolValue, ((try? fileManager.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty else {
                throw LedgerError(.invalidField, "\(path) is not empty; a restore never overwrites a ledger (move it aside first)", field: "ledger")
            }
        }
        let head = try verifiedHead(of: backup, "the backup at \(backup)")
        let staging = path + ".restoring"
        do {
            try? fileManager.removeItem(atPath: staging)
            try fileManager.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for file in ["data.mdb", ClientKeyStore.fileName] where fileManager.fileExists(atPath: backup + "/" + file) {
                try fileManager.copyItem(atPath: backup + "/" + file, toPath: staging + "/" + file)
            }
            if existed {
                for file in try fileManager.contentsOfDirectory(atPath: staging) {
                    try fileManager.moveItem(atPath: staging + "/" + file, toPath: path + "/" + file)
                }
                try fileManager.removeItem(atPath: staging)
            } else {
                try fileManager.moveItem(atPath: staging, toPath: path)
            }
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw LedgerError(.storage, "restoring \(backup) to \(path) failed: \(error.localizedDescription)", cause: DescribedCause("\(error)"))
        }
        do throws(LedgerError) {
            let restored = try verifiedHead(of: path, "the restored ledger at \(path)")
            guard restored == head else {
                throw LedgerError(.storage, "the restored ledger at \(path) ends at \(restored?.description ?? "nothing"), not at the backup's head \(head?.description ?? "nothing")")
            }
        } catch {
            if existed {
                for file in (try? fileManager.contentsOfDirectory(atPath: path)) ?? [] { try? fileManager.removeItem(atPath: path + "/" + file) }
            } else {
                try? fileManager.removeItem(atPath: path)
            }
            throw error
        }
        return head
    }

    /// Opens the ledger at `path` read-only and verifies its whole chain; returns its head hash.
    private static func verifiedHead(of path: String, _ what: String) throws(LedgerError) -> HeadHash? {
        let ledger = try SalonLedger(path: path, options: .readOnly)
        let verification: ChainVerification
        do { verification = try ledger.log.verify() } catch { throw LedgerError.wrapping(error, "verifying \(what)") }
        guard verification.isIntact else {
            throw LedgerError(.brokenChain, "\(what) does not verify: \(verification.problem ?? "")", position: verification.firstBrokenPosition)
        }
        return verification.head
    }
}
