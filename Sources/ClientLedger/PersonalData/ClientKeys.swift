/// Where a ledger keeps its clients' keys: the key file beside the log (``ClientKeyStore``), or a
/// shared database for a ledger whose log is shared (`ClientLedgerPostgres`).
///
/// Whatever the store, the rules are the key file's (see ``ClientKeyStore``): a client gets one
/// key, made and stored durably before anything is sealed with it, and never a new one once it
/// was destroyed; an erasure marks the client first, records `ClientErased`, then destroys the key,
/// so that a ledger opening after a crash finishes it (``unfinishedErasures()``); a key read before
/// may serve only where the caller's snapshot of the log shows the client not erased.
package protocol ClientKeys: Sendable {
    /// Whether erasures are marked before they are recorded (a key file of format 1 is not).
    var marksErasures: Bool { get }
    /// The key of `client` as the store holds it now, or `nil` if none or destroyed.
    func key(for client: ClientID) throws(LedgerError) -> ClientKey?
    /// The key of `client`; with `knownNotErased`, one read before may serve.
    func key(for client: ClientID, knownNotErased: Bool) throws(LedgerError) -> ClientKey?
    /// Whether the key of `client` was destroyed, as last read.
    func isDestroyed(_ client: ClientID) -> Bool
    /// The key of `client`, made and stored first if it has none; throws if it was destroyed.
    func keyCreatingIfNeeded(for client: ClientID) throws(LedgerError) -> ClientKey
    /// Makes and stores the keys of those of `clients` that have none (an import).
    func createKeys(for clients: [ClientID]) throws(LedgerError)
    /// Marks `clients` as being erased, durably, before their erasure is recorded.
    func markErasing(_ clients: [ClientID]) throws(LedgerError)
    /// The clients marked as being erased whose key survives.
    func unfinishedErasures() throws(LedgerError) -> [ClientID]
    /// Starts marking erasures (a key file of format 1 becomes format 2).
    func startMarkingErasures() throws(LedgerError)
    /// Destroys the key of `client` for good; again, or without a key, does nothing.
    func destroyKey(of client: ClientID) throws(LedgerError)
    /// For a read-only store: uses no key of `clients` from now on.
    func treatAsDestroyed(_ clients: [ClientID])
    /// Copies the keys, consistently, into a key file at `destination` (a backup).
    func copyFile(to destination: String) throws(LedgerError)
    /// Every client the store holds: its key (`nil` once destroyed) and whether its erasure was
    /// begun; for moving a ledger's keys to another store.
    func everyKey() throws(LedgerError) -> [StoredClientKey]
    /// Takes in the keys of the same ledger from another store (``everyKey()``): a client it
    /// lacks gets the key (or stays keyless for good, if destroyed there); a key destroyed in
    /// either store is destroyed in this one (an erasure wins); an erasure begun there is marked
    /// here. Throws ``LedgerError/Code/keyStore`` naming the client, and takes in nothing, if a
    /// client has another key here: the stores belong to different ledgers.
    /// - Returns: how many clients were new here, and how many keys it destroyed.
    func adopt(_ keys: [StoredClientKey]) throws(LedgerError) -> (added: Int, destroyed: Int)
}

/// A client's key as a store holds it, to move it to another store.
package struct StoredClientKey: Sendable {
    package let client: ClientID
    /// The key's 32 bytes; `nil` once destroyed.
    package let key: [UInt8]?
    /// Whether an erasure of the client was begun.
    package let erasing: Bool

    package init(client: ClientID, key: [UInt8]?, erasing: Bool) {
        self.client = client
        self.key = key
        self.erasing = erasing
    }
}

extension ClientKeyStore: ClientKeys {}
