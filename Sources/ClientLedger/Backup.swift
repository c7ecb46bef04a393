import EventLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        // An empty directory that was there stays (emptied again) if the keys cannot be copied.
        let existed = FileManager.default.fileExists(atPath: destination)
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
            let fileManager = FileManager.default
            if existed {
                for name in (try? fileManager.contentsOfDirectory(atPath: destination)) ?? [] { try? fileManager.removeItem(atPath: destination + "/" + name) }
            } else {
                try? fileManager.removeItem(atPath: destination)
            }
            throw error
        }
        return head
    }

    /// Brings a backup back: checks that `backup` is a ledger whose chain verifies and whose keys
    /// are there, then copies it into `path`, which must not hold anything yet (a new or empty
    /// directory) and must not lie inside the backup, and verifies the copy. The copy is made in a
    /// staging directory of its own beside `path` and moved into place. Nothing is left at `path`,
    /// nor any directory made on the way to it, if any of it fails; nothing that was there before
    /// is removed or changed.
    ///
    /// - Returns: the head hash of the restored ledger (`nil` for an empty one).
    /// - Throws: ``LedgerError/Code/invalidField`` (field `ledger`) if `target` is empty, holds
    ///   anything, lies inside the backup or has a file in the way;
    ///   ``LedgerError/Code/brokenChain`` naming the position if the backup does not verify;
    ///   ``LedgerError/Code/storage`` if the copy cannot be written.
    @discardableResult
    public static func restore(from backup: String, to target: String) throws(LedgerError) -> HeadHash? {
        let fileManager = FileManager.default
        guard !target.isEmpty else { throw LedgerError(.invalidField, "the ledger to restore into is empty: name a new directory", field: "ledger") }
        // "salon.ledger/" and "salon.ledger" are one place; the staging directory goes beside it.
        let path = URL(fileURLWithPath: target).standardizedFileURL.path
        guard !isPath(path, inside: backup) else {
            throw LedgerError(.invalidField, "\(path) lies inside the backup \(backup): restore it somewhere else", field: "ledger")
        }
        var isDirectory: ObjCBool = false
        let existed = fileManager.fileExists(atPath: path, isDirectory: &isDirectory)
        if existed {
            guard isDirectory.boolValue, ((try? fileManager.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty else {
                throw LedgerError(.invalidField, "\(path) is not empty; a restore never overwrites a ledger (move it aside first)", field: "ledger")
            }
        } else if (try? fileManager.destinationOfSymbolicLink(atPath: path)) != nil {
            throw LedgerError(.invalidField, "\(path) is a link to nothing and is in the way; a restore never overwrites anything", field: "ledger")
        }
        let head = try verifiedHead(of: backup, "the backup at \(backup)")
        // The directories above `path` that are missing, made now and removed again on failure.
        var made = MadeDirectories()
        do {
            try made.make(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch {
            throw LedgerError(.invalidField, error.message, field: "ledger", cause: error)
        }
        // A staging directory of its own: made here, so that nothing of anyone else's is in it
        // (0755 less the umask, as a directory made otherwise; it becomes the ledger's).
        let staging = path + ".restoring-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        guard mkdir(staging, 0o755) == 0 else {
            let reason = String(cString: strerror(errno))
            made.remove()
            throw LedgerError(.storage, "cannot make the staging directory \(staging) beside \(path): \(reason)")
        }
        // Whether the staging directory became `path` (a new one); what a failure takes back.
        var moved = false
        func undo() {
            try? fileManager.removeItem(atPath: staging)
            if existed {
                for file in (try? fileManager.contentsOfDirectory(atPath: path)) ?? [] { try? fileManager.removeItem(atPath: path + "/" + file) }
            } else if moved {
                try? fileManager.removeItem(atPath: path)
            }
            made.remove()
        }
        do {
            for file in ["data.mdb", ClientKeyStore.fileName] where fileManager.fileExists(atPath: backup + "/" + file) {
                try fileManager.copyItem(atPath: backup + "/" + file, toPath: staging + "/" + file)
            }
            if existed {
                for file in try fileManager.contentsOfDirectory(atPath: staging) {
                    try fileManager.moveItem(atPath: staging + "/" + file, toPath: path + "/" + file)
                }
                try fileManager.removeItem(atPath: staging)
            } else {
                guard rename(staging, path) == 0 else { throw DescribedCause("cannot move \(staging) to \(path): \(String(cString: strerror(errno)))") }
                moved = true
            }
        } catch {
            undo()
            throw LedgerError(.storage, "restoring \(backup) to \(path) failed: \(Self.reason(error))", cause: DescribedCause("\(error)"))
        }
        do throws(LedgerError) {
            let restored = try verifiedHead(of: path, "the restored ledger at \(path)")
            guard restored == head else {
                throw LedgerError(.storage, "the restored ledger at \(path) ends at \(restored?.description ?? "nothing"), not at the backup's head \(head?.description ?? "nothing")")
            }
        } catch {
            undo()
            throw error
        }
        return head
    }

    /// What went wrong with a file, in words: the operating system's reason where Foundation
    /// wraps one ("No space left on device"), not "NSCocoaErrorDomain error 512".
    private static func reason(_ error: any Error) -> String {
        if let described = error as? DescribedCause { return described.description }
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    /// Opens the ledger at `path` read-only and verifies its whole chain; returns its head hash.
    private static func verifiedHead(of path: String, _ what: String) throws(LedgerError) -> HeadHash? {
        let ledger = try SalonLedger(path: path, options: .readOnly)
        let verification: ChainVerification
        do { verification = try ledger.log.verify() } catch { throw LedgerError.wrapping(error, "verifying \(what)") }
        guard verification.isIntact else {
            let place = verification.firstBrokenPosition.map { " at position \($0)" } ?? ""
            throw LedgerError(.brokenChain, "\(what) does not verify\(place): \(verification.problem ?? "")", position: verification.firstBrokenPosition)
        }
        return verification.head
    }
}
