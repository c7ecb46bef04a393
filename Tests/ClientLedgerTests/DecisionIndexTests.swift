import EventLog
import Foundation
import Testing
@testable import ClientLedger

/// Commands decide from the decision index — a bounded read however long the client's history —
/// and it holds exactly what folding the client's stream gives, on random histories with
/// back-dated credits, expiries, subscriptions, appointments, notes, forms and keyed retries.
@Suite("Decision index")
struct DecisionIndexTests {
    /// A random history of points, notes, forms and documents on top of the agenda history, with
    /// some commands keyed (retried once) and some credits dated before earlier ones.
    static func pointsHistory(_ ledger: SalonLedger, seed: UInt64, commands: Int, from start: Timestamp) async throws {
        var rng = SeededRandom(seed: seed)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 1_000, reward: .amountPerPoint(10),
                                                                 expiryMonths: 6, referralBonusPoints: 5), at: start)
        var clock = start
        let clients: [ClientID] = (0..<8).map { id("p\($0)") }
        for (index, client) in clients.enumerated() {
            try await ledger.registerClient(client, name: "Points \(index)", referredBy: index > 0 ? clients[0] : nil, at: clock)
        }
        for step in 0..<commands {
            clock = clock.adding(microseconds: Int64.random(in: 1...(4 * 86_400_000_000), using: &rng))
            // Every sixth command is dated up to 300 days back: its credit lands before later ones.
            let at = step % 6 == 5 ? clock.adding(microseconds: -Int64.random(in: 0...(300 * 86_400_000_000), using: &rng)) : clock
            let client = clients[Int.random(in: 0..<clients.count, using: &rng)]
            let roll = Int.random(in: 0..<100, using: &rng)
            let key: String? = Bool.random(using: &rng) ? "request-\(step)" : nil
            do throws(LedgerError) {
                switch roll {
                case 0..<30:
                    let revenue = Int64.random(in: 500...20_000, using: &rng)
                    for _ in 0..<(key == nil ? 1 : 2) { // a keyed command is retried: the retry records nothing
                        try await ledger.checkOut(client, visit: id("v\(step)"), revenue: revenue, at: at, idempotencyKey: key)
                    }
                case 30..<42: try await ledger.adjustPoints(of: client, by: Int64.random(in: -20...40, using: &rng), reason: "goodwill", at: at, idempotencyKey: key)
                case 42..<52: try await ledger.redeemPoints(client, points: Int64.random(in: 1...30, using: &rng), at: at, idempotencyKey: key)
                case 52..<62: try await ledger.expirePoints(of: client, at: at, idempotencyKey: key)
                case 62..<70: try await ledger.addNote(to: client, note: id("n\(step % 40)"), text: "note", at: at)
                case 70..<76: try await ledger.removeNote(id("n\(Int.random(in: 0..<40, using: &rng))"), from: client, at: at)
                case 76..<82: try await ledger.recordIntake(of: client, form: id("f\(step % 30)"), answers: ["allergies": "none"], at: at)
                case 82..<88:
                    try await ledger.attachDocument(to: client, document: id("d\(step % 30)"), name: "scan.pdf", mediaType: "application/pdf",
                                                    sha256: String(repeating: "a", count: 64), bytes: 100, at: at)
                case 88..<94:
                    try await ledger.sellSubscription(to: client, subscription: id("ps\(step)"), plan: "bundle", price: 5_000, allowance: .sessions(3),
                                                      validUntil: at.adding(microseconds: 60 * 86_400_000_000), at: at, idempotencyKey: key)
                default:
                    if roll == 99 { try await ledger.archive(client, at: at) } else { try await ledger.reactivate(client, at: at) }
                }
            } catch {
                if error.code == .storage || error.code == .corruptPayload || error.code == .keyStore || error.code == .idempotencyKeyReused { throw error }
            }
        }
    }

    /// Every client's state from the index equals the fold of their stream: summary, each entity,
    /// the number of entities, the credit sums at every credit's instant, every keyed command.
    static func expectIndexEqualsFold(_ ledger: SalonLedger, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        try ledger.log.read(current: ClientCardProjection()) { snapshot, index in
            let index = try #require(index, "the projection is current after the ledger's own commands", sourceLocation: sourceLocation)
            let stored = DecisionReader(ledger: ledger, snapshot: snapshot, index: index)
            let folded = DecisionReader(ledger: ledger, snapshot: snapshot, index: nil)
            var compared = 0
            var clients: [ClientID] = []
            try snapshot.forEachEvent { event in
                if event.stream.hasPrefix(SalonLedger.clientStreamPrefix), event.streamVersion == 1 {
                    clients.append(ClientID(unchecked: String(event.stream.dropFirst(SalonLedger.clientStreamPrefix.count))))
                }
            }
            for client in clients {
                var fromIndex = try stored.client(client)
                let (fold, version) = try folded.client(client)
                #expect(fromIndex.1 == version, sourceLocation: sourceLocation)
                #expect(fromIndex.0.encodedSummary() == fold.encodedSummary(), "summary of \(client)", sourceLocation: sourceLocation)
                var entities: [ClientState.Entity] = fold.visits.map { .visit($0) } + fold.notes.keys.map { .note($0) } + fold.forms.map { .form($0) }
                entities += fold.documents.map { .document($0) } + fold.subscriptions.keys.map { .subscription($0) } + fold.appointments.keys.map { .appointment($0) }
                for entity in entities {
                    try stored.lookUp(entity, of: client, into: &fromIndex.0)
                    #expect(fromIndex.0.encoded(entity) == fold.encoded(entity), "\(entity) of \(client)", sourceLocation: sourceLocation)
                    compared += 1
                }
                var storedEntities = 0
                try index.forEach(prefix: QueryIndex.key(.entity, QueryIndex.id(client.rawValue))) { _, _ in storedEntities += 1; return true }
                #expect(storedEntities == entities.count, "entities of \(client)", sourceLocation: sourceLocation)
                for credit in fold.credits {
                    for cutoff in [credit.at, credit.at.adding(microseconds: -1)] {
                        let sum = fold.credits.reduce(Int128(0)) { $1.at <= cutoff ? $0 + Int128($1.points) : $0 }
                        #expect(try stored.storedCredits(of: client, atOrBefore: cutoff) == sum, "credits of \(client) at \(cutoff)", sourceLocation: sourceLocation)
                        compared += 1
                    }
                }
            }
            // Every keyed command, found by its entry as by a scan of its client's stream.
            try snapshot.forEachEvent { event in
                guard let command = event.metadata.causationID, event.stream.hasPrefix(SalonLedger.clientStreamPrefix) else { return }
                let client = ClientID(unchecked: String(event.stream.dropFirst(SalonLedger.clientStreamPrefix.count)))
                let entry = try stored.command(command, of: client)
                let scanned = try folded.command(command, of: client)
                #expect(entry != nil && entry == scanned, sourceLocation: sourceLocation)
                compared += 1
            }
            return compared
        }
    }

    @Test("property: on random histories, the index holds what folding each client's stream gives", arguments: [UInt64(31), 32, 33])
    func indexEqualsFold(seed: UInt64) async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory, rebuildingInPieces: true)
        let end = try await QueryIndexTests.agendaHistory(ledger, seed: seed, commands: 300)
        try await Self.pointsHistory(ledger, seed: seed, commands: 400, from: end)
        let compared = try Self.expectIndexEqualsFold(ledger)
        #expect(compared > 500, "the histories gave the index something to hold: \(compared) comparisons")
        // Rebuilt blue/green, in steps of 97 events written 3 clients at a time, it holds the same.
        try ledger.rebuildProjections()
        #expect(try Self.expectIndexEqualsFold(ledger) == compared)
    }

    @Test("a client's thousand visits and credits in one batch are written over many pieces, and store what one piece stores")
    func longClientInPieces() throws {
        let ada: ClientID = id("ada"), ben: ClientID = id("ben")
        // One batch: two clients; Ada with 1,000 checkouts (a visit entity and a credit each), Ben with one credit.
        func batch(_ state: ProjectionState) throws -> DecisionIndex.Batch {
            var batch = DecisionIndex.Batch()
            try batch.apply(.clientRegistered(ClientRegistered(at: day("2025-01-01"), client: ada, name: "Ada")), client: ada, slot: 0, position: 1, state: state)
            try batch.apply(.clientRegistered(ClientRegistered(at: day("2025-01-01"), client: ben, name: "Ben")), client: ben, slot: 1, position: 2, state: state)
            for index in 0..<1_000 {
                let at = Timestamp(microsecondsSinceEpoch: day("2025-01-02").microsecondsSinceEpoch + Int64(index) * 60_000_000)
                let position = UInt64(3 + 2 * index)
                try batch.apply(.checkedOut(CheckedOut(at: at, client: ada, visit: id("v\(index)"), revenue: 500)), client: ada, slot: 0,
                                position: position, state: state)
                try batch.apply(.pointsAccrued(PointsAccrued(at: at, client: ada, points: 5, reason: .revenue, visit: id("v\(index)"))), client: ada, slot: 0,
                                position: position + 1, state: state)
            }
            try batch.apply(.pointsAccrued(PointsAccrued(at: day("2025-03-01"), client: ben, points: 7, reason: .revenue, visit: nil)), client: ben,
                            slot: 1, position: 2_003, state: state)
            return batch
        }
        let order = WriteOrder(clients: [ada, ben])
        /// Writes the batch in pieces of `budget` units (at most `limit` of them); the store and how many pieces it took.
        func written(budget: Int, limit: Int = 10_000) throws -> (store: MemoryProjectionStore, pieces: Int) {
            let store = MemoryProjectionStore()
            var pending = try batch(ProjectionState(memory: store))
            var pieces = 0
            while pieces < limit {
                pieces += 1
                var left = budget
                let done = try pending.write(to: ProjectionState(memory: store), budget: &left, order: order)
                #expect(left >= 0)
                if done { break }
            }
            return (store, pieces)
        }
        let whole = try written(budget: .max)
        #expect(whole.pieces == 1)
        #expect(whole.store.values.count > 2_000, "a credit and a visit entry each, and the summaries")

        // Pieces of 100 units: Ada's entries are cut across them (before, her two thousand were one unit).
        let cut = try written(budget: 100)
        #expect(cut.pieces >= 18, "\(cut.pieces) pieces")
        #expect(cut.store.values == whole.store.values)

        // Pieces of a single unit still move on, an entry at a time.
        let slow = try written(budget: 1)
        #expect(slow.pieces < 10_000 && slow.store.values == whole.store.values, "\(slow.pieces) pieces of one unit")
    }

    @Test("expiry counts a credit dated before later ones, and every credit dated at the cutoff")
    func backDatedCredits() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada")
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, reward: .amountPerPoint(10),
                                                                 expiryMonths: 6, referralBonusPoints: 0), at: day("2025-01-01"))
        try await ledger.registerClient(ada, name: "Ada", at: day("2025-01-01"))
        try await ledger.adjustPoints(of: ada, by: 100, reason: "welcome", at: day("2025-09-01"))
        try await ledger.adjustPoints(of: ada, by: 30, reason: "old visit, entered late", at: day("2025-02-01"))
        try await ledger.adjustPoints(of: ada, by: 7, reason: "same day", at: day("2025-02-01"))
        try await ledger.redeemPoints(ada, points: 10, at: day("2025-09-02"))
        // As of 2025-08-01 the cutoff is 2025-02-01: 37 credited by then, 10 spent from the oldest first.
        let expired = try await ledger.expirePoints(of: ada, at: day("2025-08-01"))
        #expect(expired.map(\.event) == [.pointsAdjusted(PointsAdjusted(at: day("2025-08-01"), client: ada, points: -27,
                                                                          reason: "expired: earned on or before \(day("2025-02-01"))"))])
        #expect(try ledger.card(of: ada)?.points == 100)
        // Nothing of the 2025-09-01 credit expires before 2026-03-01.
        #expect(try await ledger.expirePoints(of: ada, at: day("2026-02-28")).isEmpty)
        #expect(try await ledger.expirePoints(of: ada, at: day("2026-03-01")).first?.event == .pointsAdjusted(
            PointsAdjusted(at: day("2026-03-01"), client: ada, points: -100, reason: "expired: earned on or before \(day("2025-09-01"))")))
        #expect(try Self.expectIndexEqualsFold(ledger) > 0)
    }

    @Test("a keyed retry on a long history finds its first run, also after a rebuild")
    func keyedRetryOnLongHistory() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada")
        try await ledger.registerClient(ada, name: "Ada", at: day("2025-01-01"))
        let first = try await ledger.checkOut(ada, visit: id("v0"), revenue: 4_000, at: day("2025-01-02"), idempotencyKey: "till-1")
        for index in 1...300 {
            try await ledger.checkOut(ada, visit: id("v\(index)"), revenue: 1_000, at: day("2025-01-03"), idempotencyKey: "till-\(index + 1)")
        }
        #expect(try await ledger.checkOut(ada, visit: id("v0"), revenue: 4_000, at: day("2025-06-01"), idempotencyKey: "till-1") == first)
        try ledger.rebuildProjections()
        #expect(try await ledger.checkOut(ada, visit: id("v0"), revenue: 4_000, at: day("2025-06-01"), idempotencyKey: "till-1") == first)
        await #expect(throws: LedgerError.self) {
            try await ledger.checkOut(ada, visit: id("v9"), revenue: 4_000, idempotencyKey: "till-1")
        }
        // A visit checked out 300 commands ago is still known.
        let error = await #expect(throws: LedgerError.self) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 1_000) }
        #expect(error?.code == .duplicateIdentifier)
    }

    @Test("while the cards are behind the log, commands decide from the streams, the same way")
    func behindTheLog() async throws {
        let directory = ScratchDirectory()
        let ada: ClientID = id("ada")
        let first: [RecordedLedgerEvent]
        do {
            let ledger = try makeLedger(directory)
            try await ledger.registerClient(ada, name: "Ada", at: day("2025-01-01"))
            first = try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_000, at: day("2025-01-02"), idempotencyKey: "till-1")
            try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "3 cuts", price: 9_000, allowance: .sessions(3), at: day("2025-01-02"))
            // As a process whose library does not keep the cards: they fall behind.
            ledger.log.core.projections.withLock { $0.removeAll() }
            try await ledger.useSubscription(id("s1"), of: ada, .sessions(2), at: day("2025-01-03"))
            #expect(try ledger.log.read(current: ClientCardProjection()) { _, index in index == nil })
            #expect(try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_000, at: day("2025-02-01"), idempotencyKey: "till-1") == first)
            let duplicate = await #expect(throws: LedgerError.self) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 1_000) }
            #expect(duplicate?.code == .duplicateIdentifier)
            let exhausted = await #expect(throws: LedgerError.self) { try await ledger.useSubscription(id("s1"), of: ada, .sessions(2), at: day("2025-01-04")) }
            #expect(exhausted?.code == .subscriptionExhausted)
            ledger.close()
        }
        // Opened again, the cards catch up, and the index holds what the streams say.
        let ledger = try makeLedger(directory)
        #expect(try Self.expectIndexEqualsFold(ledger) > 0)
        let exhausted = await #expect(throws: LedgerError.self) { try await ledger.useSubscription(id("s1"), of: ada, .sessions(2), at: day("2025-01-04")) }
        #expect(exhausted?.code == .subscriptionExhausted)
        #expect(try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_000, at: day("2025-02-01"), idempotencyKey: "till-1") == first)
    }

    @Test("a client stream whose events change nothing a command decides from is decided as an unregistered client, as its fold is")
    func streamWithoutFoldingEvents() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let zed: ClientID = id("zed")
        // Written below the salon's API, as another tool might: a change of details before any registration.
        let details = LedgerEvent.clientDetailsChanged(ClientDetailsChanged(at: day("2026-01-01"), client: zed, name: "Zed"))
        let payload = try BinaryCodec.encode(details, key: ClientKey(bytes: Array(repeating: 7, count: 32)))
        try await ledger.log.append([NewEvent(type: details.type.rawValue, payload: payload)], to: SalonLedger.stream(of: zed))
        let unknown = await #expect(throws: LedgerError.self) { try await ledger.checkOut(zed, visit: id("v1"), revenue: 1_000, at: day("2026-01-02")) }
        #expect(unknown?.code == .unknownClient)
        try await ledger.registerClient(zed, name: "Zed", at: day("2026-01-02"))
        #expect(try await ledger.checkOut(zed, visit: id("v1"), revenue: 1_000, at: day("2026-01-03")).count == 1)
        #expect(try Self.expectIndexEqualsFold(ledger) > 0)
    }

    /// The client-card projection as a version-3 library stored it: a card per client id, in the
    /// format-2 journal (header `2`, flags, entries: no chunk count), and no decision index.
    struct VersionThreeCards: Projection {
        let name = "clientCards"
        let version: UInt32 = 3
        func beginBatch(_ state: ProjectionState) throws -> [String: [UInt8]] { [:] }
        func apply(_ event: RecordedEvent, to batch: inout [String: [UInt8]], state: ProjectionState) throws {
            guard event.stream.hasPrefix(SalonLedger.clientStreamPrefix), let type = LedgerEventType(rawValue: event.type) else { return }
            var entries = PayloadWriter()
            _ = try CardJournal.appendEntry(type: type, payload: event.payload, to: &entries)
            batch[String(event.stream.dropFirst(SalonLedger.clientStreamPrefix.count)), default: [2, 0]] += entries.bytes
        }
        func endBatch(_ batch: inout [String: [UInt8]], state: ProjectionState) throws {
            for (client, card) in batch { try state.setValue(card, forKey: Array(client.utf8)) }
        }
    }

    @Test("a ledger whose cards a version-3 library stored opens with its cards rebuilt, and commands decide from the rebuilt index")
    func olderProjectionVersion() async throws {
        let directory = ScratchDirectory()
        let ada: ClientID = id("ada")
        do {
            let ledger = try makeLedger(directory)
            try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
            for visit in 0..<(CardJournal.entriesPerChunk + 3) {
                try await ledger.checkOut(ada, visit: id("v\(visit)"), revenue: 1_000, at: day("2026-01-03"))
            }
            // Stored as the older library stored them, which the current one cannot read.
            try ledger.log.rebuild(VersionThreeCards())
            #expect(try ledger.log.projectionStatus("clientCards")?.version == 3)
            ledger.close()
        }
        let ledger = try makeLedger(directory)
        #expect(try ledger.log.projectionStatus("clientCards")?.version == ClientCardProjection().version)
        #expect(try ledger.card(of: ada)?.visits.count == CardJournal.entriesPerChunk + 3)
        #expect(try ledger.log.read(current: ClientCardProjection()) { _, index in index != nil })
        let duplicate = await #expect(throws: LedgerError.self) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 1_000) }
        #expect(duplicate?.code == .duplicateIdentifier)
        #expect(try Self.expectIndexEqualsFold(ledger) > 0)
    }
}
