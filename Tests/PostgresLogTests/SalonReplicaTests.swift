import ClientLedger
import ClientLedgerPostgres
import EventLog
import Foundation
import PostgresLog
import PostgresTestSupport
import Testing

/// The salon ledger on a ledger in PostgreSQL, through three replicas in three directories (three
/// instances of a service): the money rules hold across them exactly as in one process, every
/// instance opens every card, an erasure reaches all, and they end with one head hash and the same
/// cards.
@Suite("PostgreSQL: the salon ledger on replicas")
struct SalonReplicaTests {
    /// Three salon ledgers on one ledger in PostgreSQL, each on a replica of its own.
    final class Instances: Sendable {
        let directory = NSTemporaryDirectory() + "salon-replicas-\(UUID().uuidString)"
        let shared: PostgresLog
        let ledgers: [SalonLedger]

        init(_ count: Int = 3, name: String = #function) throws {
            let id = PushAndVerifyTests.ledgerID(name)
            shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: id)
            var ledgers: [SalonLedger] = []
            for index in 0..<count {
                // Each instance has a connection of its own, as it would on its own machine.
                let own = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: id)
                ledgers.append(try SalonLedger(replicaAt: directory + "/replica\(index)", of: own, options: .init(durability: .nonDurable)))
            }
            self.ledgers = ledgers
        }

        deinit {
            for ledger in ledgers { ledger.close() }
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Brings every replica to the ledger's head.
        func converge() throws {
            for ledger in ledgers { _ = try shared.pull(into: ledger.log) }
        }
    }

    static func day(_ text: String) -> Timestamp { Timestamp(rfc3339: text + "T12:00:00Z")! }

    @Test func everyInstanceOpensEveryCardAndAnErasureReachesAll() async throws {
        let instances = try Instances()
        let (a, b, c) = (instances.ledgers[0], instances.ledgers[1], instances.ledgers[2])
        let ada = try ClientID("ada")
        try await a.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: Self.day("2026-01-02"))
        // Another instance's command catches up before it decides, and seals with the same key.
        try await b.addNote(to: ada, note: try NoteID("n1"), text: "prefers mornings", alert: true, at: Self.day("2026-01-03"))
        try instances.converge()
        for ledger in instances.ledgers {
            let card = try #require(try ledger.card(of: ada))
            #expect(card.name == "Ada Lovelace")
            #expect(card.alerts.map(\.text) == ["prefers mornings"])
        }
        try await c.erase(ada, at: Self.day("2026-01-04"))
        try instances.converge()
        for ledger in instances.ledgers {
            let card = try #require(try ledger.card(of: ada))
            #expect(card.erased)
            #expect(card.name == nil)
            #expect(card.alerts.map(\.text) == [""])
        }
        // No instance can make the erased client a key again.
        let refused = await #expect(throws: LedgerError.self) {
            try await a.registerClient(ada, name: "Ada again", at: Self.day("2026-01-05"))
        }
        #expect(refused != nil)
    }

    @Test func aKeyRowOfAnotherLengthIsADamagedKeyNotATrap() async throws {
        let instances = try Instances(1)
        let ada = try ClientID("ada")
        try await instances.ledgers[0].registerClient(ada, name: "Ada", at: Self.day("2026-01-02"))
        // A table made by someone else, without the check on the key's length, and a key cut short.
        try PostgresServer.psql("""
            ALTER TABLE clientledger_client_key DROP CONSTRAINT IF EXISTS clientledger_client_key_key_check;
            UPDATE clientledger_client_key SET key = '\\x0102' WHERE ledger = '\(instances.shared.ledger)' AND client = 'ada'
            """)
        let other = try SalonLedger(replicaAt: instances.directory + "/other", of: instances.shared, options: .init(durability: .nonDurable), pollInterval: nil)
        defer { other.close() }
        let refused = #expect(throws: LedgerError.self) { try other.card(of: ada) }
        #expect(refused?.code == .keyStore)
        #expect(refused?.message.contains("2 bytes, not 32") == true, "\(refused?.message ?? "")")
    }

    /// An import on one instance makes its clients' keys in one statement and seals with them;
    /// every other instance opens the cards, and the clients it already knew keep their keys.
    @Test func anImportOnOneInstanceIsReadableOnEveryOther() async throws {
        let instances = try Instances(2)
        let (a, b) = (instances.ledgers[0], instances.ledgers[1])
        let ada = try ClientID("ada"), ben = try ClientID("ben")
        try await b.registerClient(ada, name: "Ada Lovelace", at: Self.day("2026-01-02"))
        let lines = [
            #"{"type":"ClientRegistered","at":"2026-01-03T10:00:00Z","client":"ben","name":"Ben Müller","referredBy":"ada"}"#,
            #"{"type":"NoteAdded","at":"2026-01-03T10:05:00Z","client":"ada","note":"n1","text":"allergic to latex","alert":true}"#,
            #"{"type":"NoteAdded","at":"2026-01-03T10:06:00Z","client":"ben","note":"n2","text":"prefers Tuesdays","alert":false}"#,
        ]
        let summary = try await a.importInterchange(lines.joined(separator: "\n"))
        #expect(summary.events == 3 && summary.clients == 2 && summary.positions == 2...4)
        try instances.converge()
        for ledger in instances.ledgers {
            #expect(try ledger.card(of: ada)?.alerts.map(\.text) == ["allergic to latex"])
            let card = try #require(try ledger.card(of: ben))
            #expect(card.name == "Ben Müller" && card.notes.map(\.text) == ["prefers Tuesdays"])
        }
    }

    /// Production roles: a service's may read and write the tables but not create any, an
    /// auditor's may only read. Both open a database whose tables an operator made (before, every
    /// open ran CREATE TABLE IF NOT EXISTS, which PostgreSQL refuses without CREATE on the schema).
    @Test func rolesWithoutCreateOpenADatabaseThatAnOperatorPrepared() async throws {
        let database = try PostgresServer.newDatabase()
        let suffix = UInt32.random(in: 0...UInt32.max)
        let (service, auditor) = ("service\(suffix)", "auditor\(suffix)")
        func connecting(as role: String) -> String { database.replacingOccurrences(of: "user=postgres", with: "user=\(role)") }
        let directory = NSTemporaryDirectory() + "salon-roles-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ada = try ClientID("ada")
        let prepared = try SalonLedger(replicaAt: directory + "/operator", of: try PostgresLog(connectingTo: database, ledger: "salon"),
                                       options: .init(durability: .nonDurable), pollInterval: nil)
        try await prepared.registerClient(ada, name: "Ada Lovelace", at: Self.day("2026-01-02"))
        prepared.close()
        try PostgresServer.psql("""
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            CREATE ROLE \(service) LOGIN;
            CREATE ROLE \(auditor) LOGIN;
            GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO \(service);
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(auditor)
            """, conninfo: database)

        let instance = try SalonLedger(replicaAt: directory + "/service", of: try PostgresLog(connectingTo: connecting(as: service), ledger: "salon"),
                                       options: .init(durability: .nonDurable), pollInterval: nil)
        defer { instance.close() }
        try await instance.addNote(to: ada, note: try NoteID("n1"), text: "prefers mornings", alert: true, at: Self.day("2026-01-03"))
        try await instance.registerClient(try ClientID("bea"), name: "Bea", at: Self.day("2026-01-03"))
        #expect(try instance.card(of: ada)?.alerts.map(\.text) == ["prefers mornings"])

        let audit = try PostgresLog(connectingTo: connecting(as: auditor), ledger: "salon")
        let verification = try audit.verify()
        #expect(verification.isIntact)
        #expect(verification.eventsChecked == 3)
        // The auditor's role reads cards too (the keys are readable); it cannot write.
        let reader = try SalonLedger(replicaAt: directory + "/auditor", of: audit, options: .init(durability: .nonDurable), pollInterval: nil)
        defer { reader.close() }
        #expect(try reader.card(of: ada)?.name == "Ada Lovelace")
        let refused = await #expect(throws: LedgerError.self) {
            try await reader.registerClient(try ClientID("cy"), name: "Cy", at: Self.day("2026-01-04"))
        }
        #expect(refused?.message.contains("42501") == true, "\(refused?.message ?? "")")
        #expect(try audit.head()?.position == 3)
    }

    @Test func aPushCarriesTheKeysAndTheErasuresAndRefusesAnotherLedgersKeys() async throws {
        let directory = NSTemporaryDirectory() + "salon-push-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let local = try SalonLedger(path: directory + "/local", options: .init(durability: .nonDurable))
        let ada = try ClientID("ada"), bob = try ClientID("bob")
        try await local.registerClient(ada, name: "Ada Lovelace", at: Self.day("2026-01-02"))
        try await local.registerClient(bob, name: "Bob", at: Self.day("2026-01-02"))
        try await local.erase(bob, at: Self.day("2026-01-03"))
        local.close()

        let id = PushAndVerifyTests.ledgerID(#function)
        let shared = try PostgresLog(connectingTo: try PostgresServer.conninfo(), ledger: id)
        let pushed = try SalonLedger.push(ledgerAt: directory + "/local", to: shared)
        #expect(pushed.keysAdded == 2)
        #expect(pushed.eventsCopied > 0)
        let replica = try SalonLedger(replicaAt: directory + "/replica", of: shared, options: .init(durability: .nonDurable), pollInterval: nil)
        #expect(try replica.card(of: ada)?.name == "Ada Lovelace")
        #expect(try replica.card(of: bob)?.erased == true)
        // The erased client's key did not travel: no instance can make them one.
        await #expect(throws: LedgerError.self) { try await replica.registerClient(bob, name: "Bob again", at: Self.day("2026-01-05")) }
        replica.close()
        let again = try SalonLedger.push(ledgerAt: directory + "/local", to: shared)
        #expect(again.eventsCopied == 0 && again.keysAdded == 0 && again.keysDestroyed == 0)

        // Another salon's ledger, with another key for ada, under the same id: nothing is taken in.
        let other = try SalonLedger(path: directory + "/other", options: .init(durability: .nonDurable))
        try await other.registerClient(ada, name: "Ada Byron", at: Self.day("2026-01-02"))
        other.close()
        let refused = #expect(throws: LedgerError.self) { try SalonLedger.push(ledgerAt: directory + "/other", to: shared) }
        #expect(refused?.code == .keyStore)
        #expect(refused?.message.contains("client ada has another key") == true, "\(refused?.message ?? "")")
        #expect(refused?.client == "ada")
        #expect(try shared.head() == pushed.head)

        // Leaving: a ledger of its own again, with both clients as they were.
        let pulled = try SalonLedger.pull(ledgerAt: directory + "/left", from: shared)
        #expect(pulled.head == pushed.head)
        let left = try SalonLedger(path: directory + "/left", options: .init(durability: .nonDurable))
        #expect(try left.card(of: ada)?.name == "Ada Lovelace")
        #expect(try left.card(of: bob)?.erased == true)
        await #expect(throws: LedgerError.self) { try await left.registerClient(bob, name: "Bob again", at: Self.day("2026-01-05")) }
        left.close()
    }

    /// Client ada, with 100 points that pay for ten redemptions of 10, and subscription s1 of ten
    /// sessions: what the money-rule races race for.
    static func seedRace(_ ledger: SalonLedger) async throws {
        let ada = try ClientID("ada")
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 10,
                                                                 reward: .amountPerPoint(5)), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.checkOut(ada, visit: try VisitID("v1"), revenue: 10_000, at: day("2026-01-03"))
        try await ledger.sellSubscription(to: ada, subscription: try SubscriptionID("s1"), plan: "10 cuts", price: 30_000,
                                          allowance: .sessions(10), at: day("2026-01-03"))
    }

    @Test func theMoneyRulesHoldAcrossInstancesAsInOneProcess() async throws {
        let instances = try Instances()
        let ada = try ClientID("ada")
        try await Self.seedRace(instances.ledgers[0])

        func race(_ attempts: Int, _ command: @escaping @Sendable (SalonLedger) async throws -> Void) async -> Int {
            await withTaskGroup(of: Bool.self) { group in
                for attempt in 0..<attempts {
                    let ledger = instances.ledgers[attempt % instances.ledgers.count]
                    group.addTask {
                        do { try await command(ledger); return true } catch { return false }
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        let redeemed = await race(100) { ledger in try await ledger.redeemPoints(ada, points: 10, at: Self.day("2026-01-04")) }
        let used = await race(50) { ledger in
            try await ledger.useSubscription(try SubscriptionID("s1"), of: ada, .sessions(1), at: Self.day("2026-01-04"))
        }
        #expect(redeemed == 10)
        #expect(used == 10)

        try instances.converge()
        let head = try #require(try instances.shared.head())
        #expect(try instances.shared.verify().isIntact)
        let cards = try instances.ledgers.map { ledger in try #require(try ledger.card(of: ada)) }
        for (ledger, card) in zip(instances.ledgers, cards) {
            #expect(try ledger.log.headHash() == head)
            #expect(card.points == 0)
            #expect(card.subscriptions.first?.remaining == 0)
            #expect(card == cards[0])
        }
    }
}
