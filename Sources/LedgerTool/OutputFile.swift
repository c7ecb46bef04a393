import EventLog
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a command writes its answer into (`ledger export FILE`, `--html FILE`), checked before
/// anything is read and written so that nothing but that file can change:
///
/// - a directory is refused, never replaced (an export once named a directory removed it, with
///   everything in it);
/// - a file inside the ledger's own directory is refused (it could replace the ledger's data);
/// - a regular file, or a symbolic link to one, is replaced whole, and only once the new contents
///   are complete: they are written to a new file beside it and renamed over it, so a refused or
///   failed command leaves the old file as it was and no partial file behind;
/// - anything else that exists (`/dev/null`, a named pipe, a terminal) is written into as it is.
struct OutputFile {
    /// The path as the command line gave it, for messages.
    let path: String
    /// Where the contents go: `path` with a symbolic link followed.
    private let target: String
    /// Whether `target` is written directly (a device or pipe) rather than replaced.
    private let direct: Bool
    /// The permissions of the file replaced, which the new one keeps (`nil`: a new file, 0644 less
    /// the umask).
    private let mode: mode_t?

    /// Checks `path` as a destination for a command on the ledger at `ledger`.
    ///
    /// - Throws: ``ToolError/Status/refused`` naming `path` if it is empty, a directory, inside the
    ///   ledger's directory, or in a directory that does not exist.
    init(_ path: String, ledger: String) throws(ToolError) {
        guard !path.isEmpty else { throw ToolError(.refused, "the file name is empty: name the file to write, or - for standard output") }
        self.path = path
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL
        target = resolved.path
        var status = stat()
        if stat(target, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFDIR: throw ToolError(.refused, "\(path) is a directory: name a file to write")
            case S_IFREG: direct = false
            default: direct = true
            }
            mode = status.st_mode & 0o7777
        } else {
            (direct, mode) = (false, nil)
        }
        let parent = resolved.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            let problem = FileManager.default.fileExists(atPath: parent) ? "is not a directory" : "does not exist"
            throw ToolError(.refused, "cannot write \(path): \(parent) \(problem)")
        }
        if !direct && isPath(target, inside: ledger) {
            throw ToolError(.refused, "\(path) lies inside the ledger at \(ledger): write the file somewhere else")
        }
    }

    /// `argument` checked as a destination (see ``init(_:ledger:)``); `nil` for none or `-`
    /// (standard output).
    static func checked(_ argument: String?, ledger: String) throws(ToolError) -> OutputFile? {
        guard let argument, argument != "-" else { return nil }
        return try OutputFile(argument, ledger: ledger)
    }

    /// Writes `contents` (with `write`, which gets the open file) and puts the file in place once
    /// complete. If `write` throws, the destination is left as it was and the error is rethrown.
    func write(_ contents: (FileHandle) throws -> Void) throws {
        guard !direct else {
            guard let handle = FileHandle(forWritingAtPath: target) else { throw ToolError(.refused, "cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { try? handle.close() }
            try contents(handle)
            return
        }
        // A name of its own beside the target, created only if it does not exist yet: no file of
        // anyone else's is ever written over or removed.
        let partial = "\(target).partial-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? 0o644)
        guard descriptor >= 0 else { throw ToolError(.refused, "cannot write \(path): \(String(cString: strerror(errno)))") }
        // The permissions of the file it replaces, not the umask's: a report kept private stays so.
        if let mode { _ = fchmod(descriptor, mode) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try contents(handle)
            try handle.synchronize()
            try handle.close()
            guard rename(partial, target) == 0 else { throw ToolError(.refused, "cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? handle.close()
            unlink(partial)
            throw error
        }
    }

    /// Writes `text` as UTF-8.
    func write(_ text: String) throws {
        try write { try $0.write(contentsOf: Data(text.utf8)) }
    }
}
