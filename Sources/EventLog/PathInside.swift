import Foundation

/// Whether `path` is `directory` or lies inside it, once both are made absolute and their
/// symbolic links followed (as far as they exist): so that a backup is not written into the log it
/// copies, nor a file a command writes into the ledger it reads.
package func isPath(_ path: String, inside directory: String) -> Bool {
    func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
    let inner = resolved(path), outer = resolved(directory)
    return inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
}
