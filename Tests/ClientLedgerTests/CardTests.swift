import Foundation
import Testing
import EventLog
@testable import ClientLedger

@Suite("Client cards")
struct CardTests {
    let ada: ClientID = id("ada")

    @Test("a card shows everything about the client, hand-computed")
    func fullCard() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, reward: .amountPerPoint(5)), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada Lovelace", email: "ada@example.org", phone: "+441234567890",
                                        birthDate: try CalendarDate("1815-12-10"), at: day("2026-01-02"))
        try await ledger.changeDetails(of: ada, email: "countess@example.org", at: day("2026-01-03"))
        try await ledger.changeConsent(of: ada, .reminders, granted: true, source: "intake form", at: day("2026-01-03"))
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2026-01-03"))
        try await ledger.addNote(to: ada, note: id("n2"), text: "Likes espresso", alert: false, at: day("2026-01-03"))
        try await ledger.recordIntake(of: ada, form: id("f1"), answers: ["Scalp": "sensitive"], at: day("2026-01-03"))
        try await ledger.attachDocument(to: ada, document: id("d1"), name: "consent.pdf", mediaType: "application/pdf",
                                        sha256: String(repeating: "ab", count: 32), bytes: 2_048, at: day("2026-01-03"))
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_550, at: day("2026-01-05"))          // +45 points
        try await ledger.redeemPoints(ada, points: 20, visit: id("v2"), at: day("2026-01-06"))            // −20, EUR 1.00
        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "3 blow-dries", price: 10_000, allowance: .sessions(3), at: day("2026-01-06"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(1), at: day("2026-01-07"))
        try await ledger.sellSubscription(to: ada, subscription: id("s2"), plan: "credit", price: 18_000, allowance: .credit(20_000), at: day("2026-01-06"))
        try await ledger.refundSubscription(id("s2"), of: ada, refund: 18_000, at: day("2026-01-08"))
        try await ledger.bookAppointment(id("a1"), for: ada, start: day("2026-02-01"), minutes: 45, service: "cut", at: day("2026-01-08"))
        try await ledger.bookAppointment(id("a2"), for: ada, start: day("2026-01-20"), minutes: 30, service: "colour", at: day("2026-01-08"))
        try await ledger.cancelAppointment(id("a2"), of: ada, at: day("2026-01-09"))

        let card = try #require(try ledger.card(of: ada, now: day("2026-01-10")))
        #expect(card.name == "Ada Lovelace" && card.email == "countess@example.org" && card.phone == "+441234567890")
        #expect(card.birthDate == (try CalendarDate("1815-12-10")))
        #expect(card.callLink == "tel:+441234567890")
        #expect(!card.archived && !card.erased)
        #expect(card.consents[.reminders] == ClientCard.ConsentState(granted: true, changedAt: day("2026-01-03"), source: "intake form"))
        #expect(card.consents[.marketing]?.granted == false && card.consents[.marketing]?.changedAt == nil)
        #expect(card.points == 25)
        #expect(card.pointsHistory.map(\.points) == [45, -20] && card.pointsHistory.last?.discount == 100)
        #expect(card.pointsHistory.map(\.kind) == ["accrued", "redeemed"])
        #expect(card.alerts.map(\.text) == ["Allergic to latex"])
        #expect(card.notes.map(\.text) == ["Likes espresso"])
        #expect(card.intakeForms.first?.answers == ["Scalp": "sensitive"])
        #expect(card.documents.first?.name == "consent.pdf" && card.documents.first?.bytes == 2_048)
        #expect(card.visits == [ClientCard.Visit(visit: id("v1"), at: day("2026-01-05"), revenue: 4_550)])
        #expect(card.lastVisit == day("2026-01-05"))
        #expect(card.nextAppointment?.appointment == id("a1"))
        // 10,000 × 2 / 3 = 6,666.67 → 6,667 (half away from zero); refunded → 0.
        let bundle = try #require(card.subscriptions.first)
        #expect(bundle.remaining == 2 && bundle.residualValue == 6_667 && bundle.status == "active" && bundle.kind == "sessions")
        #expect(bundle.usedAt == [day("2026-01-07")] && bundle.purchasedAt == day("2026-01-06"))
        #expect(card.subscriptions.last?.status == "refunded" && card.subscriptions.last?.residualValue == 0)
        #expect(try ledger.card(of: id("nobody")) == nil)
    }

    @Test("an erased client's card shows erased, keeps amounts, and holds no personal data")
    func erasedCard() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: day("2026-01-02"))
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2026-01-03"))
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_550, at: day("2026-01-05"))
        try await ledger.erase(ada, at: day("2026-01-06"))
        let card = try #require(try ledger.card(of: ada))
        #expect(card.erased && card.name == nil && card.phone == nil && card.callLink == nil)
        #expect(card.alerts.map(\.text) == [""])
        #expect(card.visits.first?.revenue == 4_550)
    }

    @Test("the stored card of an erased client keeps no sealed section written before the erasure, live and after a rebuild")
    func erasedCardStoresNoCiphertext() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: day("2026-01-02"))
        // Enough notes that the earlier ones lie in sealed chunks of the card, not in its head.
        for index in 0..<(CardJournal.entriesPerChunk * 2 + 3) {
            try await ledger.addNote(to: ada, note: id("n\(index)"), text: "Allergic to latex", alert: true, at: day("2026-01-03"))
        }
        let key = Array(ada.rawValue.utf8)
        /// The sealed bytes in the card's head and in each of its chunks.
        func sealedBytes() throws -> [Int] {
            func sealed(in entries: UnsafeRawBufferPointer) throws -> Int {
                var reader = PayloadReader(entries, .named("client card"))
                var total = 0
                while !reader.isAtEnd {
                    _ = try reader.byte(); _ = try reader.data()
                    total += try reader.data().count
                }
                return total
            }
            return try ledger.log.readProjection(ClientCardProjection()) { state in
                let stored = try #require(try state.value(forKey: key))
                let head = try stored.withUnsafeBytes { raw -> Int in
                    var reader = PayloadReader(raw, .named("client card"))
                    _ = try reader.byte(); _ = try reader.byte(); _ = try reader.unsigned()
                    return try sealed(in: UnsafeRawBufferPointer(rebasing: raw[reader.consumed...]))
                }
                var counts = [head]
                try state.forEach(prefix: CardJournal.chunkPrefix(ada)) { _, chunk in counts.append(try sealed(in: chunk)); return true }
                return counts
            }
        }
        let before = try sealedBytes()
        #expect(before.count == 3 && before.allSatisfy { $0 > 0 }) // the head and two chunks hold sealed sections
        try await ledger.erase(ada, at: day("2026-01-06"))
        #expect(try sealedBytes() == [0, 0, 0])
        try ledger.rebuildProjections()
        #expect(try sealedBytes() == [0, 0, 0])
        #expect(try ledger.card(of: ada)?.erased == true)
    }

    @Test("a fact of 128 bytes or more (a long plan, a document) is stored and read back whole")
    func longFacts() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let plan = String(repeating: "Ten blow-dries and a treatment, ", count: 8)
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: plan, price: 25_000, allowance: .sessions(10), at: day("2026-01-03"))
        try await ledger.attachDocument(to: ada, document: id("d1"), name: "consent.pdf", mediaType: "application/pdf",
                                        sha256: String(repeating: "ab", count: 32), bytes: 2_048, at: day("2026-01-03"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(1), at: day("2026-01-04"))
        let card = try #require(try ledger.card(of: ada))
        #expect(card.subscriptions.map(\.plan) == [plan])
        #expect(card.subscriptions.first?.remaining == 9)
        #expect(card.documents.map(\.sha256) == [String(repeating: "ab", count: 32)])
        #expect(card.documents.map(\.name) == ["consent.pdf"])
    }

    @Test("residual values never overflow and round half away from zero")
    func residualArithmetic() {
        #expect(Money.proportion(10_000, 2, of: 3) == 6_667)
        #expect(Money.proportion(10_000, 1, of: 3) == 3_333)
        #expect(Money.proportion(1, 1, of: 2) == 1)
        #expect(Money.proportion(Money.maximumAmount, Money.maximumAmount - 1, of: Money.maximumAmount) == Money.maximumAmount - 1)
    }

    /// Drives a random but valid salon history through the API. Every random draw happens before
    /// the awaited command, so no `inout` access spans a suspension.
    static func randomHistory(_ ledger: SalonLedger, seed: UInt64, commands: Int) async throws {
        var rng = SeededRandom(seed: seed)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100), at: day("2026-01-01"))
        var clients: [ClientID] = []
        var start = Timestamp(rfc3339: "2026-01-02T09:00:00Z")!
        for step in 0..<commands {
            start = start.adding(microseconds: Int64.random(in: 1...3_600_000_000, using: &rng))
            let roll = Int.random(in: 0..<100, using: &rng)
            let amount = Int64.random(in: 0...20_000, using: &rng)
            let small = Int64.random(in: 1...60, using: &rng)
            let coin = Bool.random(using: &rng)
            let pick = Int.random(in: 0..<1_000_000, using: &rng)
            let days = Int64.random(in: 1...20, using: &rng)
            let consent = Consent.allCases[pick % 3]
            let at = start
            if clients.isEmpty || roll < 15 {
                let client: ClientID = id("c\(clients.count)")
                let referrer = clients.isEmpty || coin ? nil : clients[pick % clients.count]
                try await Self.register(ledger, client, name: "Client \(clients.count)", referrer: referrer, at: at)
                clients.append(client)
                continue
            }
            let client = clients[pick % clients.count]
            do {
                try await Self.randomCommand(ledger, client: client, roll: roll, step: step, amount: amount, small: small,
                                             coin: coin, pick: pick, days: days, consent: consent, at: at)
            } catch {
                if error.code == .storage || error.code == .corruptPayload || error.code == .keyStore { throw error }
                // Otherwise a rule refused the command: part of a realistic history.
            }
        }
    }

    /// Registers `client`, without the referrer if the rules refuse it (it was erased meanwhile).
    static func register(_ ledger: SalonLedger, _ client: ClientID, name: String, referrer: ClientID?, at: Timestamp) async throws {
        do {
            try await ledger.registerClient(client, name: name, referredBy: referrer, at: at)
        } catch {
            guard error.code == .unknownClient else { throw error }
            try await ledger.registerClient(client, name: name, at: at)
        }
    }

    static func randomCommand(_ ledger: SalonLedger, client: ClientID, roll: Int, step: Int, amount: Int64, small: Int64, coin: Bool,
                              pick: Int, days: Int64, consent: Consent, at: Timestamp) async throws(LedgerError) {
        switch roll {
        case 15..<45: try await ledger.checkOut(client, visit: id("v\(step)"), revenue: amount, at: at)
        case 45..<55: try await ledger.redeemPoints(client, points: small, at: at)
        case 55..<62:
            let allowance: SubscriptionAllowance = coin ? .sessions(Int(small % 10) + 1) : .credit(amount + 1_000)
            try await ledger.sellSubscription(to: client, subscription: id("s\(step)"), plan: "p", price: amount / 2 + 500, allowance: allowance, at: at)
        case 62..<75:
            let active = try ledger.card(of: client)?.subscriptions.filter { $0.status == "active" } ?? []
            guard !active.isEmpty else { return }
            let sub = active[pick % active.count]
            if roll < 72 {
                let units = max(1, min(sub.remaining, small))
                try await ledger.useSubscription(sub.subscription, of: client, sub.kind == "sessions" ? .sessions(Int(units)) : .amount(units), at: at)
            } else if coin {
                try await ledger.expireSubscription(sub.subscription, of: client, at: at)
            } else {
                try await ledger.refundSubscription(sub.subscription, of: client, refund: sub.residualValue, at: at)
            }
        case 75..<85:
            try await ledger.bookAppointment(id("a\(step)"), for: client, start: at.adding(microseconds: 86_400_000_000 * days), minutes: 30, service: "cut", at: at)
        case 85..<90: try await ledger.changeConsent(of: client, consent, granted: coin, at: at)
        case 90..<94: try await ledger.addNote(to: client, note: id("n\(step)"), text: "note \(step)", alert: coin, at: at)
        case 94..<97: if coin { try await ledger.archive(client, at: at) } else { try await ledger.reactivate(client, at: at) }
        default: try await ledger.erase(client, at: at)
        }
    }

    @Test("property: the stored cards equal an in-memory replay at the head, and a rebuild in steps written in pieces is byte-identical", arguments: [UInt64(1), 2, 3])
    func storedEqualsReplay(seed: UInt64) async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory, rebuildingInPieces: true)
        try await Self.randomHistory(ledger, seed: seed, commands: 400)
        // Two regulars with cards long enough for chunks; one of them is erased.
        for regular in ["regular", "erased regular"] {
            let client: ClientID = id(regular)
            try await ledger.registerClient(client, name: regular, at: day("2026-02-01"))
            for visit in 0..<(CardJournal.entriesPerChunk + 5) {
                try await ledger.addNote(to: client, note: id("n\(visit)"), text: "note \(visit)", at: day("2026-02-02"))
                try await ledger.checkOut(client, visit: id("v\(visit)"), revenue: 2_000, at: day("2026-02-02"))
            }
        }
        try await ledger.erase(id("erased regular"), at: day("2026-02-03"))
        let stored = try ledger.log.readProjection(ClientCardProjection()) { try Self.cardBytes($0) }
        let replayed = try ledger.log.replay(ClientCardProjection()) { try Self.cardBytes($0) }
        #expect(!stored.isEmpty)
        #expect(stored.keys.contains { $0.starts(with: CardJournal.chunkPrefix(id("c0")).prefix(2)) }, "some cards are long enough for chunks")
        #expect(stored == replayed)
        try ledger.log.rebuild(ClientCardProjection())
        #expect(try ledger.log.readProjection(ClientCardProjection()) { try Self.cardBytes($0) } == stored)
    }

    /// The clients with a stored card, in key order (the query index's keys, from 0xFF on, are not cards).
    static func cardIDs(_ state: ProjectionState) throws -> [String] {
        var ids: [String] = []
        try state.forEach(prefix: []) { key, _ in
            guard key.first != 0xFF else { return false }
            ids.append(String(decoding: key, as: UTF8.self))
            return true
        }
        return ids
    }

    /// Every stored entry's bytes — cards and query index — by key.
    static func cardBytes(_ state: ProjectionState) throws -> [[UInt8]: [UInt8]] {
        var all: [[UInt8]: [UInt8]] = [:]
        try state.forEach(prefix: []) { key, value in all[Array(key)] = Array(value); return true }
        return all
    }

    @Test("a client's events close together and far apart in one batch make one card, as stored event by event")
    func distantEventsInOneBatch() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada"), ben: ClientID = id("ben")
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.registerClient(ben, name: "Ben", at: day("2026-01-02"))
        // Ada's next events lie further back than the batch's recent links reach (1,024 events).
        for step in 0..<1_100 {
            try await ledger.changeConsent(of: ben, .marketing, granted: step % 2 == 0, at: day("2026-01-03"))
        }
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_550, at: day("2026-01-04"))
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2026-01-04"))
        let stored = try ledger.log.readProjection(ClientCardProjection()) { try Self.cardBytes($0) }
        #expect(try ledger.log.readProjection(ClientCardProjection()) { try Self.cardIDs($0) } == ["ada", "ben"])
        #expect(try ledger.log.replay(ClientCardProjection()) { try Self.cardBytes($0) } == stored) // one batch of all events
        try ledger.log.rebuild(ClientCardProjection())
        #expect(try ledger.log.readProjection(ClientCardProjection()) { try Self.cardBytes($0) } == stored)
        let card = try #require(try ledger.card(of: ada))
        #expect(card.visits.count == 1)
        #expect(card.alerts.map(\.text) == ["Allergic to latex"])
        #expect(try #require(try ledger.card(of: ben)).consents[.marketing]?.granted == false)
    }
}


@Suite("Card projection regressions found in review")
struct CardRegressionTests {
    @Test("an event type of a newer library stops commands for that client only, never the ledger")
    func unknownTypeIsSkipped() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada"), ben: ClientID = id("ben")
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        try await ledger.log.append([NewEvent(type: "LoyaltyTierChanged", payload: [1, 2, 3])], to: SalonLedger.stream(of: ada))
        try await ledger.log.append([NewEvent(type: "Whatever", payload: [1])], to: "client-")
        await expectRefusal(ledger, .newerPayloadVersion) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 1_000, at: day("2026-01-03")) }
        try await ledger.registerClient(ben, name: "Ben", at: day("2026-01-02"))
        try await ledger.checkOut(ben, visit: id("v1"), revenue: 1_000, at: day("2026-01-03"))
        #expect(try ledger.card(of: ben)?.visits.count == 1)
        #expect(try ledger.card(of: ada)?.name == "Ada")
    }
}
