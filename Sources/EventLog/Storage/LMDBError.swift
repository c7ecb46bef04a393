import CLMDB
import CLMDBGuard
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed LMDB call: the return code and LMDB's own text for it.
///
/// This stays inside the package; the public API reports it as the ``EventLogError/cause`` of an
/// ``EventLogError`` with code ``EventLogError/Code/storage`` — or ``EventLogError/Code/damaged``
/// when the data file is damaged (``isDamage``).
package struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// LMDB's return code (`MDB_MAP_FULL`, `MDB_NOTFOUND`, an `errno` value, …), or
    /// ``faultCode`` / ``outsideFileCode`` for damage found by this package.
    package let code: Int32
    /// The call that failed, for the message.
    package let operation: String
    /// For a fault inside LMDB: what happened (the signal, or LMDB's failed assertion).
    package let detail: String?

    /// A guarded LMDB call that faulted on a damaged page (`CLMDBGuard`).
    package static let faultCode = Int32(LMDB_GUARD_FAULT)
    /// A key or value that LMDB returned runs past the end of the data file.
    package static let outsideFileCode: Int32 = -30_601
    /// A transaction begun on an environment that was closed.
    package static let closedCode: Int32 = -30_602

    package init(code: Int32, operation: String, detail: String? = nil) {
        self.code = code
        self.operation = operation
        self.detail = detail
    }

    /// A key or value of `operation` that runs past the end of the data file.
    package static func outsideFile(_ operation: String) -> LMDBError {
        LMDBError(code: outsideFileCode, operation: operation, detail: "a key or value runs past the end of the data file")
    }

    package var description: String {
        switch code {
        case Self.faultCode, Self.outsideFileCode, Self.closedCode: "\(operation): \(detail ?? "a damaged page")"
        default: "\(operation): \(detail ?? String(cString: mdb_strerror(code))) (\(code))"
        }
    }

    package var isMapFull: Bool { code == MDB_MAP_FULL }
    package var isTransactionFull: Bool { code == MDB_TXN_FULL }
    /// The data file is damaged: LMDB faulted on a page, reports it corrupted, cannot find a page a
    /// tree refers to, or handed out a value that runs past the end of the file.
    package var isDamage: Bool {
        code == Self.faultCode || code == Self.outsideFileCode || code == MDB_CORRUPTED || code == MDB_PAGE_NOTFOUND
    }
}

/// Throws an ``LMDBError`` when `code` is not `MDB_SUCCESS`; for a guarded call that faulted, with
/// what the guard saw.
@inline(__always)
package func lmdbCheck(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if code != MDB_SUCCESS { throw LMDBError(code: code, operation: operation(), detail: code == LMDBError.faultCode ? guardDetail() : nil) }
}

/// What the guard saw at the last fault of this thread.
private func guardDetail() -> String {
    switch lmdb_guard_last_signal() {
    case SIGABRT: "LMDB's own check failed on a damaged page (\(String(cString: lmdb_guard_last_assertion())))"
    case SIGBUS: "LMDB read past the end of the data file (SIGBUS caught)"
    default: "LMDB read outside the data file's map (SIGSEGV caught)"
    }
}
