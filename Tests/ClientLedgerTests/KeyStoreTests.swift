import Foundation
import Testing
import EventLog
@testable import ClientLedger

final class ScratchDirectory {
    let path = NSTemporaryDirectory() + "clientledger-tests/" + UUID().uuidString
    init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Client keys and erasure")
struct KeyStoreTests {
    @Test("a key is made once, survives reopening, and is seen by a second store on the same file")
    func persistence() throws {
        let directory = ScratchDirectory()
        let store = try ClientKeyStore(directory: directory.path)
        let key = try store.keyCreatingIfNeeded(for: ada)
        #expect(try store.keyCreatingIfNeeded(for: ada).bytes == key.bytes)
        let other = try ClientKeyStore(directory: directory.path) // as another process would
        #expect(try other.key(for: ada)?.bytes == key.bytes)
        let bob = try ClientID("bob")
        let bobKey = try other.keyCreatingIfNeeded(for: bob)
        #expect(try store.key(for: bob)?.bytes == bobKey.bytes)
        #expect(try store.key(for: try ClientID("nobody")) == nil)
    }

    @Test("slots of zeros left by a power cut are skipped; a slot with other damage is still refused")
    func zeroSlotsFromAPowerCut() throws {
        let directory = ScratchDirectory()
        let file = directory.path + "/" + ClientKeyStore.fileName
        let key = try ClientKeyStore(directory: directory.path).keyCreatingIfNeeded(for: ada)
        // The file grew by three slots whose bytes never reached the disk.
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 3 * 128))
        try handle.close()
        let reopened = try ClientKeyStore(directory: directory.path)
        #expect(try reopened.key(for: ada)?.bytes == key.bytes)
        let bob = try ClientID("bob")
        let bobKey = try reopened.keyCreatingIfNeeded(for: bob)
        let again = try ClientKeyStore(directory: directory.path)
        #expect(try again.key(for: ada)?.bytes == key.bytes)
        #expect(try again.key(for: bob)?.bytes == bobKey.bytes)
        // A slot whose id length is impossible is damage, not a lost write.
        let damaged = try #require(FileHandle(forWritingAtPath: file))
        try damaged.seekToEnd()
        var slot = Data(count: 128)
        slot[0] = 200
        try damaged.write(contentsOf: slot)
        try damaged.close()
        #expect(throws: LedgerError.self) { try ClientKeyStore(directory: directory.path) }
    }

    @Test("a destroyed key is gone for every reader and cannot be made again")
    func destroy() throws {
        let directory = ScratchDirectory()
        let store = try ClientKeyStore(directory: directory.path)
        _ = try store.keyCreatingIfNeeded(for: ada)
        try store.destroyKey(of: ada)
        try store.destroyKey(of: ada)
        #expect(try store.key(for: ada) == nil)
        #expect(try ClientKeyStore(directory: directory.path).key(for: ada) == nil)
        #expect(throws: LedgerError.self) { try store.keyCreatingIfNeeded(for: ada) }
    }

    @Test("keys made in bulk: once each, kept beside existing ones, never for an erased client")
    func bulkKeys() throws {
        let directory = ScratchDirectory()
        let store = try ClientKeyStore(directory: directory.path)
        let adaKey = try store.keyCreatingIfNeeded(for: ada)
        let gone = try ClientID("gone")
        _ = try store.keyCreatingIfNeeded(for: gone)
        try store.destroyKey(of: gone)
        let new = try (0..<50).map { try ClientID("bulk-\($0)") }
        try store.createKeys(for: [ada, gone] + new + new)
        #expect(try store.key(for: ada)?.bytes == adaKey.bytes)
        #expect(try store.key(for: gone) == nil)
        let other = try ClientKeyStore(directory: directory.path) // as another process would
        var seen = Set<[UInt8]>()
        for client in new {
            let key = try #require(try other.key(for: client))
            #expect(try store.keyCreatingIfNeeded(for: client).bytes == key.bytes)
            seen.insert(key.bytes)
        }
        #expect(seen.count == new.count, "every client has a key of their own")
        try store.createKeys(for: new) // nothing to make
        #expect(try other.key(for: new[7])?.bytes == (try store.key(for: new[7])?.bytes))
    }

    @Test("a file that is not a key file is refused")
    func foreignFile() throws {
        let directory = ScratchDirectory()
        _ = FileManager.default.createFile(atPath: directory.path + "/" + ClientKeyStore.fileName, contents: Data("hello world".utf8))
        #expect(throws: LedgerError.self) { try ClientKeyStore(directory: directory.path) }
    }

    @Test("after erasure neither the key nor the personal data is anywhere in the files, and the chain verifies")
    func erasureLeavesNoTrace() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        let log = try EventLog(path: path, options: .init(durability: .durable))
        let store = try ClientKeyStore(directory: path)
        let key = try store.keyCreatingIfNeeded(for: ada)
        let name = "Zelda Quintessa Zonk"
        let events: [LedgerEvent] = [
            .clientRegistered(ClientRegistered(at: instant("2026-01-01T10:00:00Z"), client: ada, name: name, email: "zelda@example.org")),
            .noteAdded(NoteAdded(at: instant("2026-01-01T10:05:00Z"), client: ada, note: try NoteID("n1"), text: "Allergic to latex", alert: true)),
            .checkedOut(CheckedOut(at: instant("2026-01-01T11:00:00Z"), client: ada, visit: try VisitID("v1"), revenue: 4_500)),
        ]
        // Many appends, so LMDB has copied and freed plenty of pages.
        for _ in 0..<25 {
            for event in events {
                try await log.append([NewEvent(type: event.type.rawValue, payload: try BinaryCodec.encode(event, key: key))], to: "client-ada")
            }
        }
        try store.destroyKey(of: ada)
        #expect(try store.key(for: ada) == nil)

        let needles: [(String, [UInt8])] = [("key", key.bytes), ("name", Array(name.utf8)), ("note", Array("latex".utf8)), ("email", Array("zelda@".utf8))]
        for file in try FileManager.default.subpathsOfDirectory(atPath: path) {
            let contents = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/" + file)))
            for (what, needle) in needles {
                #expect(contents.firstRange(of: needle) == nil, "the \(what) is still in \(file)")
            }
        }
        #expect(try log.verify().isIntact)
        // Amounts stay readable; personal fields read as erased.
        let decoded = try log.read { snapshot in
            try snapshot.events(inStream: "client-ada").map { stored in
                try stored.payload.withUnsafeBytes { try BinaryCodec.decode(LedgerEventType(rawValue: stored.type)!, client: ada, payload: $0, key: nil) }
            }
        }
        #expect(decoded.contains { if case .checkedOut(let e) = $0.event { e.revenue == 4_500 } else { false } })
        #expect(decoded.contains { if case .clientRegistered(let e) = $0.event { e.name == "" && $0.personalDataErased } else { false } })
    }
}
