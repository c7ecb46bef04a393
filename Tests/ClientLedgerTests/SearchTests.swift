import Foundation
import Testing
@testable import ClientLedger

/// The front desk finds a client by the beginning of a name, an e-mail address, an id or a phone
/// number in any usual form — and the words it searches never reach the disk.
@Suite("Client search")
struct SearchTests {
    func salon(_ directory: ScratchDirectory) async throws -> SalonLedger {
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(id("ada"), name: "Ada Lovelace", email: "countess@example.org", phone: "+441234567890", at: day("2026-01-02"))
        try await ledger.registerClient(id("c1"), name: "Jürgen Müller", email: "sara.meyer1@example.com", phone: "+491536636950", at: day("2026-01-02"))
        try await ledger.registerClient(id("c10"), name: "Zoë Ďurková", at: day("2026-01-02"))
        return ledger
    }

    func found(_ ledger: SalonLedger, _ query: String, archived: Bool = false) async throws -> [String] {
        try await ledger.clients(archived: archived, search: query).map(\.client.rawValue)
    }

    @Test("words match from their beginning, without regard to case or accents; every query word must match")
    func words() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        #expect(try await found(ledger, "muller") == ["c1"])
        #expect(try await found(ledger, "MÜLL") == ["c1"])
        #expect(try await found(ledger, "jurgen mu") == ["c1"])
        #expect(try await found(ledger, "ada love") == ["ada"])
        #expect(try await found(ledger, "love") == ["ada"])
        #expect(try await found(ledger, "ada muller").isEmpty)
        #expect(try await found(ledger, "zoe durkova") == ["c10"])
        #expect(try await found(ledger, "sara.meyer") == ["c1"])
        #expect(try await found(ledger, "countess@") == ["ada"])
        #expect(try await found(ledger, "c1") == ["c1", "c10"])
        #expect(try await found(ledger, "velace").isEmpty, "the middle of a word is not its beginning")
    }

    @Test("a phone number is found in international or national form, with or without spaces")
    func phones() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        for query in ["+491536636950", "+49 1536 636950", "0049 1536 636950", "01536 636950", "1536-636950", "636950"] {
            #expect(try await found(ledger, query) == ["c1"], "\(query)")
        }
        #expect(try await found(ledger, "01234 567890") == ["ada"])
        #expect(try await found(ledger, "999999").isEmpty)
    }

    @Test("the index follows what happens after the first search, in this handle and in another")
    func keptCurrent() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        #expect(try await found(ledger, "ben").isEmpty)
        try await ledger.registerClient(id("ben"), name: "Ben Okafor", at: day("2026-01-03"))
        #expect(try await found(ledger, "okafor") == ["ben"])
        try await ledger.changeDetails(of: id("ben"), name: "Ben Adeyemi", phone: "+2348012345678", at: day("2026-01-04"))
        #expect(try await found(ledger, "okafor").isEmpty)
        #expect(try await found(ledger, "adeyemi") == ["ben"])
        #expect(try await found(ledger, "08012345678") == ["ben"])
        try await ledger.archive(id("ben"), at: day("2026-01-05"))
        #expect(try await found(ledger, "adeyemi").isEmpty)
        #expect(try await found(ledger, "adeyemi", archived: true) == ["ben"])
        try await ledger.erase(id("ada"), at: day("2026-01-06"))
        #expect(try await found(ledger, "lovelace").isEmpty)
        #expect(try await found(ledger, "ada") == ["ada"], "an erased client is still found by id, without a name")

        // Another handle (another service instance) writes; this one's next search sees it.
        let other = try SalonLedger(path: directory.path + "/ledger", options: .init(durability: .nonDurable))
        try await other.registerClient(id("cleo"), name: "Cléo Dupont", at: day("2026-01-07"))
        #expect(try await found(ledger, "cleo dup") == ["cleo"])
    }

    @Test("prepareSearch reads the words before the first search, which then finds what was recorded since")
    func prepared() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        #expect(!ledger.searchIndex.isPrepared)
        try await ledger.prepareSearch()
        #expect(ledger.searchIndex.isPrepared)
        try await ledger.registerClient(id("ben"), name: "Ben Okafor", at: day("2026-01-03"))
        #expect(try await found(ledger, "okafor") == ["ben"])
        #expect(try await found(ledger, "muller") == ["c1"])
        try await ledger.prepareSearch()
        #expect(try await found(ledger, "ben okafor") == ["ben"], "preparing again changes nothing")
    }

    @Test("searching writes no word to the data file")
    func nothingAtRest() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        #expect(try await found(ledger, "lovelace") == ["ada"])
        try await ledger.checkOut(id("ada"), visit: id("v1"), revenue: 100, at: day("2026-01-03"))
        try ledger.log.flush()
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/ledger/data.mdb"))
        for word in ["lovelace", "Lovelace", "muller", "Müller"] {
            #expect(data.range(of: Data(word.utf8)) == nil, "\(word) is in the data file")
        }
    }
}
