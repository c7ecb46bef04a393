import Foundation

/// The directories a command made on its way to a path, so that a command that fails removes
/// exactly what it made and nothing that was there before (a backup, a restore or an import into
/// `a/b/c` that makes `a/b` and then fails leaves no `a/b` behind).
package struct MadeDirectories {
    /// The first directory made: every other one made lies inside it, as does everything the
    /// command wrote there; `nil` if the path was there already.
    package private(set) var outermost: String?

    package init() {}

    /// Makes `path` and every missing directory above it, and remembers the outermost it made.
    ///
    /// - Throws: ``EventLogError/Code/misuse`` naming the part that is in the way if a part of the
    ///   path exists and is not a directory (a file, a dangling link); ``EventLogError/Code/storage``
    ///   if a directory cannot be made.
    package mutating func make(_ path: String) throws(EventLogError) {
        let fileManager = FileManager.default
        var missing: [String] = []
        var next = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            var status = stat()
            if lstat(next, &status) == 0 {
                var isDirectory: ObjCBool = false
                guard fileManager.fileExists(atPath: next, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw EventLogError(.misuse, "cannot make \(path): \(next) is in the way and is not a directory")
                }
                break
            }
            missing.append(next)
            let parent = URL(fileURLWithPath: next).deletingLastPathComponent().path
            guard parent != next, !parent.isEmpty else { break }
            next = parent
        }
        guard let first = missing.last else { return }
        do {
            try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EventLogError(.storage, "cannot make the directory \(path)", cause: DescribedError("\(error.localizedDescription)"))
        }
        if outermost == nil { outermost = first }
    }

    /// Removes what ``make(_:)`` made, with all the command wrote into it.
    package func remove() {
        if let outermost { try? FileManager.default.removeItem(atPath: outermost) }
    }
}
