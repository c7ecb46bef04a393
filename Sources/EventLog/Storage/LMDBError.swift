import CLMDB

/// A failed LMDB call: the return code and LMDB's own text for it.
///
/// This stays inside the package; the public API reports it as the ``EventLogError/cause`` of an
/// ``EventLogError`` with code ``EventLogError/Code/storage``.
package struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// LMDB's return code (`MDB_MAP_FULL`, `MDB_NOTFOUND`, an `errno` value, …).
    package let code: Int32
    /// The call that failed, for the message.
    package let operation: String

    package init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    package var description: String {
        "\(operation): \(String(cString: mdb_strerror(code))) (\(code))"
    }

    package var isMapFull: Bool { code == MDB_MAP_FULL }
    package var isTransactionFull: Bool { code == MDB_TXN_FULL }
}

/// Throws an ``LMDBError`` when `code` is not `MDB_SUCCESS`.
@inline(__always)
package func lmdbCheck(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if code != MDB_SUCCESS { throw LMDBError(code: code, operation: operation()) }
}
