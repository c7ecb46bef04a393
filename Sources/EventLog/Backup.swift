import Foundation

extension EventLog {
    /// Writes a consistent copy of the log, as of one snapshot, into the directory `destination`:
    /// compacted (no free pages, pages renumbered), with the projections' state. Appends from this
    /// and other processes go on meanwhile; the copy holds what had committed when it began.
    ///
    /// `destination` must not exist, or be an empty directory; it is created, and holds a
    /// `data.mdb` that any version of this library that reads the log's format can open (a log
    /// directory, which ``EventLog/init(path:options:)`` opens). A backup that fails part-way
    /// removes what it wrote. Works on a log opened read-only.
    ///
    /// - Returns: the head hash of the copy (`nil` for an empty log): write it down beside the copy.
    /// - Throws: ``EventLogError/Code/misuse`` if `destination` holds anything;
    ///   ``EventLogError/Code/damaged`` if the log's data file is damaged where the copy must read
    ///   it; ``EventLogError/Code/storage`` if the copy cannot be written.
    @discardableResult
    public func backup(to destination: String) throws(EventLogError) -> HeadHash? {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        let existed = fileManager.fileExists(atPath: destination, isDirectory: &isDirectory)
        if existed {
            guard isDirectory.boolValue, ((try? fileManager.contentsOfDirectory(atPath: destination)) ?? ["?"]).isEmpty else {
                throw EventLogError(.misuse, "the backup destination \(destination) exists and is not an empty directory; a backup never overwrites anything")
            }
        } else {
            do {
                try fileManager.createDirectory(atPath: destination, withIntermediateDirectories: true)
            } catch {
                throw EventLogError(.storage, "cannot create the backup directory \(destination)", cause: DescribedError("\(error)"))
            }
        }
        do {
            // The head first, from a snapshot no older than the copy's: the copy holds at least it.
            let head = try headHash()
            try core.environment.copy(to: destination, compact: true)
            let copy = try EventLog(path: destination, options: .init(readOnly: true))
            let copied = try copy.headHash()
            guard let head else { return copied }
            guard let copied, copied.position >= head.position else {
                throw EventLogError(.storage, "the backup in \(destination) ends before the log's head \(head) at the time it began")
            }
            return copied
        } catch {
            // Nothing half-written is left behind.
            if existed {
                for name in (try? fileManager.contentsOfDirectory(atPath: destination)) ?? [] {
                    try? fileManager.removeItem(atPath: destination + "/" + name)
                }
            } else {
                try? fileManager.removeItem(atPath: destination)
            }
            throw EventLogError.wrap(error, "backing up the log at \(path) to \(destination)")
        }
    }
}
