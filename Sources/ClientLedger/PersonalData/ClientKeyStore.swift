import EventLog
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The clients' keys, in a file of fixed-size slots beside the log (`client-keys`).
///
/// Why not in LMDB: LMDB never overwrites a page in place (copy-on-write), so a deleted key would
/// live on in free pages until they happen to be reused. This file is written *in place*: a key is
/// destroyed by overwriting its 32 bytes with zeros and syncing, and no other copy of it was ever
/// written. Personal data enters the log only sealed with these keys (crypto-shredding).
///
/// Layout: an 8-byte magic `CLKEYS02` (or `CLKEYS01`, see below), then 128-byte slots: client id
/// length (1 byte), client id (64 bytes, zero-padded), an erasure mark (1 byte: 1 once an erasure of
/// the client was begun), 30 reserved zero bytes, key (32 bytes; all zeros once destroyed).
///
/// An erasure marks the slot (synced) before it records `ClientErased`, and destroys the key after:
/// so a ledger that opens needs to look only at marked slots whose key survives to finish an
/// erasure that a process died in the middle of. Files written before the mark existed say
/// `CLKEYS01`; the ledger scans the whole log once for such a file and then makes it `CLKEYS02`.
/// A slot of all zeros (a write lost to a power cut after the file had grown) is skipped.
/// Slots are appended under an exclusive `flock`, so processes sharing a log can add keys safely;
/// each process reads slots that others appended when it meets a client it does not know. A key is
/// read from its slot on every lookup, so an erasure by another process takes effect at once — except
/// where the caller's own snapshot of the log shows the client not erased (a card read), where a key
/// read before may serve.
package final class ClientKeyStore: Sendable {
    package static let fileName = "client-keys"
    private static let magic = Array("CLKEYS02".utf8)
    private static let unmarkedMagic = Array("CLKEYS01".utf8)
    private static let markOffset = 65
    private static let slotSize = 128
    private static let keyOffset = 96

    private struct Entry {
        var slot: Int
        var destroyed: Bool
        /// An erasure of this client was begun (see ``markErasing(_:)``).
        var erasing: Bool
        /// The key as last read from the slot (at open, or since), for ``key(for:knownNotErased:)``.
        var cached: KeyBytes?
    }

    /// A key's 32 bytes, inline: a ``ClientKey`` kept per client would be a heap object each
    /// (about 100 MB for a million clients); this is 32 bytes in the entry.
    private struct KeyBytes {
        var words: (UInt64, UInt64, UInt64, UInt64)

        /// The 32 bytes at `offset` in `bytes`.
        init(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) {
            words = (bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self),
                     bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        }

        var key: ClientKey { withUnsafeBytes(of: words) { ClientKey(bytes: $0) } }
    }

    private struct State {
        /// Client id (by bytes, as the log keys streams) → slot.
        var entries: [ByteString: Entry] = [:]
        var slotsRead = 0
    }

    /// The file's descriptor; -1 for a read-only store without a file (an empty log's).
    private let descriptor: Int32
    private let path: String
    private let state = Mutex(State())
    /// Whether erasures are marked in this file (`CLKEYS02`); if not, the ledger must scan the log
    /// for erasures that were never finished and then call ``startMarkingErasures()``.
    package let marksErasures: Bool
    /// Opened for reading only: nothing is written, and keys ``treatAsDestroyed(_:)`` names are not used.
    package let isReadOnly: Bool

    /// Opens (creating if absent) the key file in `directory`; with `readOnly`, opens it for
    /// reading only and creates nothing (`required`: throw if there is no key file).
    package init(directory: String, readOnly: Bool = false, required: Bool = true) throws(LedgerError) {
        path = directory + "/" + Self.fileName
        isReadOnly = readOnly
        descriptor = readOnly ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if readOnly, errno == ENOENT, !required {
                marksErasures = true
                return
            }
            if readOnly, errno == ENOENT {
                throw LedgerError(.keyStore, "the ledger has events but no key file \(path): its clients' personal data cannot be read (a backup holds both)")
            }
            throw LedgerError(.keyStore, "cannot open the key file \(path): \(String(cString: strerror(errno)))")
        }
        // The lock by hand: the instance's helpers need every member initialised.
        let fd = descriptor
        var header = [UInt8](repeating: 0, count: 8)
        if flock(fd, readOnly ? LOCK_SH : LOCK_EX) == 0 {
            var info = stat()
            fstat(fd, &info)
            if info.st_size == 0 {
                // A file a process made and died before it wrote the header: empty.
                let written = readOnly ? 8 : Self.magic.withUnsafeBytes { pwrite(fd, $0.baseAddress, 8, 0) }
                header = written == 8 && (readOnly || fsync(fd) == 0) ? Self.magic : []
            } else if pread(fd, &header, 8, 0) != 8 {
                header = []
            }
            flock(fd, LOCK_UN)
        } else {
            header = []
        }
        guard header == Self.magic || header == Self.unmarkedMagic else {
            close(fd)
            throw LedgerError(.keyStore, "\(path) is not a ClientLedger key file, or cannot be locked and read")
        }
        marksErasures = header == Self.magic
        try state.withLock { (state) throws(LedgerError) in try readNewSlots(&state) }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// For a read-only store: uses no key of `clients` from now on, as if it were destroyed — the
    /// erasures that a process began and died before it destroyed the keys (a writer would destroy
    /// them when it opens the ledger).
    package func treatAsDestroyed(_ clients: [ClientID]) {
        state.withLock { state in
            for client in clients {
                guard let entry = state.entries[ByteString(client.rawValue)] else { continue }
                state.entries[ByteString(client.rawValue)] = Entry(slot: entry.slot, destroyed: true, erasing: true, cached: nil)
            }
        }
    }

    /// Copies the key file, under its lock (so no slot is half-written in the copy), to `destination`.
    package func copyFile(to destination: String) throws(LedgerError) {
        guard descriptor >= 0 else { return }
        try withFileLock(LOCK_SH) { () throws(LedgerError) in
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw LedgerError(.keyStore, "cannot read the key file \(path)") }
            var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
            guard bytes.isEmpty || pread(descriptor, &bytes, bytes.count, 0) == bytes.count else {
                throw LedgerError(.keyStore, "cannot read the key file \(path)")
            }
            let target = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard target >= 0 else { throw LedgerError(.keyStore, "cannot create \(destination): \(String(cString: strerror(errno)))") }
            defer { close(target) }
            let written = bytes.withUnsafeBytes { pwrite(target, $0.baseAddress, $0.count, 0) }
            guard written == bytes.count, fsync(target) == 0 else {
                throw LedgerError(.keyStore, "cannot write \(destination): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The key of `client`, read from its slot now, or `nil` if it has none or it was destroyed.
    package func key(for client: ClientID) throws(LedgerError) -> ClientKey? {
        try key(for: client, knownNotErased: false)
    }

    /// The key of `client`. With `knownNotErased` — the caller holds a snapshot of the log in which
    /// the client is not erased — a key read before may be used without reading the slot again:
    /// decrypting then shows nothing that snapshot could not show.
    package func key(for client: ClientID, knownNotErased: Bool) throws(LedgerError) -> ClientKey? {
        try state.withLock { (state) throws(LedgerError) -> ClientKey? in
            if knownNotErased, let cached = state.entries[ByteString(client.rawValue)]?.cached { return cached.key }
            if state.entries[ByteString(client.rawValue)] == nil { try readNewSlots(&state) }
            return try currentKey(client, &state)
        }
    }

    /// Whether the key of `client` was destroyed (by an erasure, in any process), as last read.
    package func isDestroyed(_ client: ClientID) -> Bool {
        state.withLock { $0.entries[ByteString(client.rawValue)]?.destroyed ?? false }
    }

    /// Reads the slot of `client`: its key, or `nil` once destroyed (by any process).
    private func currentKey(_ client: ClientID, _ state: inout State) throws(LedgerError) -> ClientKey? {
        let id = ByteString(client.rawValue)
        guard let entry = state.entries[id], !entry.destroyed else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard pread(descriptor, &bytes, 32, off_t(Self.offset(of: entry.slot) + Self.keyOffset)) == 32 else {
            throw LedgerError(.keyStore, "cannot read the key of client \(client) from \(path)", client: client.rawValue)
        }
        if bytes.allSatisfy({ $0 == 0 }) {
            state.entries[id] = Entry(slot: entry.slot, destroyed: true, erasing: entry.erasing, cached: nil)
            return nil
        }
        state.entries[id]?.cached = bytes.withUnsafeBytes { KeyBytes($0) }
        return ClientKey(bytes: bytes)
    }

    /// The key of `client`, made and stored durably first if it has none. Throws if the client's
    /// key was destroyed: an erased client gets no new key.
    package func keyCreatingIfNeeded(for client: ClientID) throws(LedgerError) -> ClientKey {
        try state.withLock { (state) throws(LedgerError) -> ClientKey in
            try readNewSlots(&state)
            if state.entries[ByteString(client.rawValue)] != nil {
                guard let key = try currentKey(client, &state) else {
                    throw LedgerError(.keyStore, "client \(client) was erased; their key cannot be made again", client: client.rawValue)
                }
                return key
            }
            let key = try ClientKey.generate()
            try withFileLock { () throws(LedgerError) in
                try readNewSlots(&state)
                // Another process may have made this client's key meanwhile: use theirs.
                if state.entries[ByteString(client.rawValue)] != nil { return }
                let index = state.slotsRead
                try writeAll(Self.slot(of: client, key: key), at: Self.offset(of: index))
                guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
                state.entries[ByteString(client.rawValue)] = Entry(slot: index, destroyed: false, erasing: false, cached: nil)
                state.slotsRead = index + 1
            }
            guard let stored = try currentKey(client, &state) else {
                throw LedgerError(.keyStore, "the key of client \(client) was destroyed while it was being made", client: client.rawValue)
            }
            return stored
        }
    }

    /// Makes and stores the keys of those of `clients` that have none, all with one sync: for an
    /// import that registers many clients, which would otherwise wait for the disk once per client.
    /// Clients whose key was destroyed are left alone (registering them again is refused later, as
    /// ever); so is a client that already has a key.
    package func createKeys(for clients: [ClientID]) throws(LedgerError) {
        try state.withLock { (state) throws(LedgerError) in
            try readNewSlots(&state)
            guard clients.contains(where: { state.entries[ByteString($0.rawValue)] == nil }) else { return }
            try withFileLock { () throws(LedgerError) in
                try readNewSlots(&state) // another process may have made some of them meanwhile
                var seen = Set<ByteString>()
                let missing = clients.filter {
                    let id = ByteString($0.rawValue)
                    return state.entries[id] == nil && seen.insert(id).inserted
                }
                guard !missing.isEmpty else { return }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(missing.count * Self.slotSize)
                for client in missing { bytes += Self.slot(of: client, key: try ClientKey.generate()) }
                let first = state.slotsRead
                try writeAll(bytes, at: Self.offset(of: first))
                guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
                for (index, client) in missing.enumerated() {
                    state.entries[ByteString(client.rawValue)] = Entry(slot: first + index, destroyed: false, erasing: false, cached: nil)
                }
                state.slotsRead = first + missing.count
            }
        }
    }

    /// The bytes of a new slot: `client`'s id and `key` (zeros: none, for good), no erasure mark.
    private static func slot(of client: ClientID, key: ClientKey?) -> [UInt8] {
        var slot = [UInt8](repeating: 0, count: slotSize)
        let id = Array(client.rawValue.utf8)
        slot[0] = UInt8(id.count)
        slot.replaceSubrange(1..<(1 + id.count), with: id)
        if let key { slot.replaceSubrange(keyOffset..<slotSize, with: key.bytes) }
        return slot
    }

    /// Marks the slots of `clients` (synced) before their erasure is recorded; see the type's doc.
    package func markErasing(_ clients: [ClientID]) throws(LedgerError) {
        try state.withLock { (state) throws(LedgerError) in
            try readNewSlots(&state)
            let slots = clients.compactMap { state.entries[ByteString($0.rawValue)] }.filter { !$0.destroyed && !$0.erasing }.map(\.slot)
            guard !slots.isEmpty else { return }
            try withFileLock { () throws(LedgerError) in
                for slot in slots { try writeAll([1], at: Self.offset(of: slot) + Self.markOffset) }
                guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
            }
            for client in clients { state.entries[ByteString(client.rawValue)]?.erasing = true }
        }
    }

    /// The clients whose erasure was begun and whose key survives: either an erasure under way, or
    /// one whose process died before it destroyed the key. Marks are as read when this store opened
    /// (or read its slots since), plus those this process made; the ledger asks when it opens.
    package func unfinishedErasures() throws(LedgerError) -> [ClientID] {
        try state.withLock { (state) throws(LedgerError) -> [ClientID] in
            try readNewSlots(&state)
            var clients: [ClientID] = []
            for (id, entry) in state.entries where entry.erasing && !entry.destroyed {
                var key = [UInt8](repeating: 0, count: 32)
                guard pread(descriptor, &key, 32, off_t(Self.offset(of: entry.slot) + Self.keyOffset)) == 32 else {
                    throw LedgerError(.keyStore, "cannot read slot \(entry.slot) of the key file \(path)")
                }
                if key.contains(where: { $0 != 0 }) { clients.append(ClientID(unchecked: id.string)) }
            }
            return clients
        }
    }

    /// Makes a `CLKEYS01` file `CLKEYS02`, once the ledger has finished every erasure it holds.
    package func startMarkingErasures() throws(LedgerError) {
        try withFileLock { () throws(LedgerError) in
            try writeAll(Self.magic, at: 0)
            guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
        }
    }

    /// Destroys the key of `client` for good: overwrites it in place with zeros and syncs.
    /// Doing it again, or for a client without a key, does nothing.
    package func destroyKey(of client: ClientID) throws(LedgerError) {
        try state.withLock { (state) throws(LedgerError) in
            try readNewSlots(&state)
            guard let entry = state.entries[ByteString(client.rawValue)], !entry.destroyed else { return }
            try withFileLock { () throws(LedgerError) in
                try writeAll([UInt8](repeating: 0, count: 32), at: Self.offset(of: entry.slot) + Self.keyOffset)
                guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
            }
            state.entries[ByteString(client.rawValue)] = Entry(slot: entry.slot, destroyed: true, erasing: entry.erasing, cached: nil)
        }
    }

    // MARK: Moving keys

    package func everyKey() throws(LedgerError) -> [StoredClientKey] {
        try state.withLock { (state) throws(LedgerError) -> [StoredClientKey] in
            try readNewSlots(&state)
            var keys: [StoredClientKey] = []
            keys.reserveCapacity(state.entries.count)
            for (id, entry) in state.entries {
                let client = ClientID(unchecked: id.string)
                let key = try currentKey(client, &state)?.bytes
                keys.append(StoredClientKey(client: client, key: key, erasing: entry.erasing))
            }
            return keys
        }
    }

    package func adopt(_ keys: [StoredClientKey]) throws(LedgerError) -> (added: Int, destroyed: Int) {
        try state.withLock { (state) throws(LedgerError) -> (added: Int, destroyed: Int) in
            try withFileLock { () throws(LedgerError) -> (added: Int, destroyed: Int) in
                try readNewSlots(&state)
                // Everything is checked before anything is written.
                var seen = Set<ByteString>()
                for stored in keys {
                    let id = ByteString(stored.client.rawValue)
                    guard seen.insert(id).inserted else {
                        throw LedgerError(.keyStore, "client \(stored.client) comes twice among the keys to take in", client: stored.client.rawValue)
                    }
                    if let key = stored.key, state.entries[id] != nil, let mine = try currentKey(stored.client, &state)?.bytes, mine != key {
                        throw LedgerError(.keyStore, "client \(stored.client) has another key in \(path): the keys belong to another ledger; none was taken in",
                                          client: stored.client.rawValue)
                    }
                }
                var slots: [UInt8] = []
                var changes: [(offset: Int, bytes: [UInt8])] = []
                var added: [(ByteString, Entry)] = []
                var destroyed = 0
                for stored in keys {
                    let id = ByteString(stored.client.rawValue)
                    if let entry = state.entries[id] {
                        if stored.key == nil, !entry.destroyed {
                            changes.append((Self.offset(of: entry.slot) + Self.keyOffset, [UInt8](repeating: 0, count: 32)))
                            destroyed += 1
                        }
                        if stored.erasing, !entry.erasing { changes.append((Self.offset(of: entry.slot) + Self.markOffset, [1])) }
                        continue
                    }
                    // A destroyed key comes as a slot without one: the client can never get a key here.
                    var slot = Self.slot(of: stored.client, key: nil)
                    if let key = stored.key { slot.replaceSubrange(Self.keyOffset..<Self.slotSize, with: key) }
                    if stored.erasing { slot[Self.markOffset] = 1 }
                    added.append((id, Entry(slot: state.slotsRead + added.count, destroyed: stored.key == nil, erasing: stored.erasing, cached: nil)))
                    slots += slot
                }
                guard !slots.isEmpty || !changes.isEmpty else { return (0, 0) }
                if !slots.isEmpty { try writeAll(slots, at: Self.offset(of: state.slotsRead)) }
                for change in changes { try writeAll(change.bytes, at: change.offset) }
                guard fsync(descriptor) == 0 else { throw LedgerError(.keyStore, "cannot sync the key file \(path)") }
                for (id, entry) in added { state.entries[id] = entry }
                state.slotsRead += added.count
                // Entries whose slot changed are read again at their next use.
                for stored in keys where stored.key == nil || stored.erasing {
                    let id = ByteString(stored.client.rawValue)
                    if var entry = state.entries[id] {
                        entry.destroyed = entry.destroyed || stored.key == nil
                        entry.erasing = entry.erasing || stored.erasing
                        if entry.destroyed { entry.cached = nil }
                        state.entries[id] = entry
                    }
                }
                return (added.count, destroyed)
            }
        }
    }

    // MARK: File

    private static func offset(of slot: Int) -> Int { 8 + slot * slotSize }

    private func readNewSlots(_ state: inout State) throws(LedgerError) {
        guard descriptor >= 0 else { return }
        var info = stat()
        fstat(descriptor, &info)
        let slots = (Int(info.st_size) - 8) / Self.slotSize
        guard slots > state.slotsRead else { return }
        // In chunks of 8,192 slots (1 MiB): one read each, not one per slot.
        let chunk = 8_192
        var buffer = [UInt8](repeating: 0, count: chunk * Self.slotSize)
        var first = state.slotsRead
        while first < slots {
            let count = min(chunk, slots - first)
            let length = count * Self.slotSize
            guard pread(descriptor, &buffer, length, off_t(Self.offset(of: first))) == length else {
                throw LedgerError(.keyStore, "cannot read slots \(first) to \(first + count - 1) of the key file \(path)")
            }
            for index in 0..<count {
                let base = index * Self.slotSize
                let length = Int(buffer[base])
                // A slot of zeros is one whose write never reached the disk, though the file's new
                // length did (power lost before the sync returned): no event can use its key, since
                // events are appended only after the sync. It is skipped, not fatal.
                if length == 0, buffer[base..<(base + Self.slotSize)].allSatisfy({ $0 == 0 }) { continue }
                guard length >= 1, length <= 64 else { throw LedgerError(.keyStore, "slot \(first + index) of the key file \(path) is damaged") }
                let id = String(decoding: buffer[(base + 1)..<(base + 1 + length)], as: UTF8.self)
                let destroyed = buffer[(base + Self.keyOffset)..<(base + Self.slotSize)].allSatisfy { $0 == 0 }
                // Keep the key just read: a card read (which knows from its snapshot that the client
                // is not erased) then needs no read of the file; any other lookup reads the slot again.
                let cached = destroyed ? nil : buffer.withUnsafeBytes { KeyBytes($0, at: base + Self.keyOffset) }
                state.entries[ByteString(id)] = Entry(slot: first + index, destroyed: destroyed, erasing: buffer[base + Self.markOffset] == 1, cached: cached)
            }
            first += count
        }
        state.slotsRead = slots
    }

    private func writeAll(_ bytes: [UInt8], at offset: Int) throws(LedgerError) {
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else {
            throw LedgerError(.keyStore, "cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func withFileLock<T>(_ mode: Int32 = LOCK_EX, _ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        guard mode == LOCK_SH || !isReadOnly else {
            throw LedgerError(.readOnly, "the key file \(path) was opened read-only; no key can be made or destroyed")
        }
        guard flock(descriptor, mode) == 0 else { throw LedgerError(.keyStore, "cannot lock the key file \(path)") }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
