import ReferenceLMDB

/// Opens a fresh LMDB environment in `directory` (which must exist) as the reference workloads
/// do — a 64 GiB map, `MDB_NOTLS` and `flags`, room for `databases` named databases — closing it
/// again if it cannot be opened.
func openEnvironment(_ directory: String, databases: Int, flags: Int32) throws(ReferenceError) -> OpaquePointer? {
    var environment: OpaquePointer?
    try check(mdb_env_create(&environment), "mdb_env_create")
    do throws(ReferenceError) {
        try check(mdb_env_set_mapsize(environment, 64 << 30), "mdb_env_set_mapsize")
        try check(mdb_env_set_maxdbs(environment, UInt32(databases)), "mdb_env_set_maxdbs")
        try check(mdb_env_open(environment, directory, UInt32(MDB_NOTLS | flags), 0o644), "mdb_env_open")
    } catch {
        mdb_env_close(environment)
        throw error
    }
    return environment
}

/// Throws unless `status` is LMDB's success, naming `call` and LMDB's message.
func check(_ status: Int32, _ call: String) throws(ReferenceError) {
    guard status != 0 else { return }
    throw ReferenceError(description: "\(call): \(String(cString: mdb_strerror(status)))")
}
