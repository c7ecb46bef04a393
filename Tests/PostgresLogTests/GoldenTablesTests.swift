import ClientLedger
import ClientLedgerPostgres
import EventLog
import Foundation
import PostgresLog
import PostgresTestSupport
import Testing

/// Tables of version 1, written once (`Fixtures/golden-tables-v1.sql`, its header says how), stay
/// readable by every later version of the library: the chain verifies to the pinned head, a replica
/// follows it, and its cards open with the keys in the tables.
@Suite("PostgreSQL: the golden fixture of the tables")
struct GoldenTablesTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-tables-v1.sql")

    /// The head of ledger "golden" in the fixture, pinned when it was written.
    static let head = HeadHash(position: 42, hash: ChainHash(hex: "1aefc96d53b07b8e1bdd40b6eb57f602d8f64c206902f6cbd551eef666056121")!)

    /// A new database holding the fixture.
    static func loaded() throws -> String {
        let conninfo = try PostgresServer.newDatabase()
        try PostgresServer.psql(try String(contentsOf: fixture, encoding: .utf8), conninfo: conninfo)
        return conninfo
    }

    @Test func version1TablesVerifyToThePinnedHead() throws {
        let shared = try PostgresLog(connectingTo: try Self.loaded(), ledger: "golden")
        #expect(try shared.head() == Self.head)
        let verification = try shared.verify(anchors: [Self.head])
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == 42)
    }

    @Test func aReplicaOfVersion1TablesOpensTheCardsWithTheirKeys() throws {
        let shared = try PostgresLog(connectingTo: try Self.loaded(), ledger: "golden")
        let directory = NSTemporaryDirectory() + "golden-replica-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try SalonLedger(replicaAt: directory, of: shared, options: .init(durability: .nonDurable), pollInterval: nil)
        defer { ledger.close() }
        #expect(try ledger.log.headHash() == Self.head)
        let ada = try #require(try ledger.card(of: try ClientID("ada")))
        #expect(ada.name == "Ada Lovelace")
        #expect(ada.phone == "+441234567890")
        #expect(ada.points == 128)
        #expect(ada.subscriptions.map(\.remaining) == [7])
        #expect(ada.subscriptions.map(\.residualValue) == [17_500])
        #expect(ada.alerts.map(\.text) == ["Allergic to PPD hair dye"])
        // Eve was erased: her key is NULL in the fixture, and her card shows nothing personal.
        let eve = try #require(try ledger.card(of: try ClientID("eve")))
        #expect(eve.erased)
        #expect(eve.name == nil)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3"))
    func theIndependentVerifierAgrees() throws {
        let conninfo = try Self.loaded()
        let run = try IndependentVerifierTests().runScript([conninfo, "golden", Self.head.description])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(Self.head.description), "\(run.output)")
    }
}
