import Foundation
import Testing
@testable import EventLog
@testable import ClientLedger

/// The trust defects found when the ledger was tried as an auditor, an operator, a careless importer
/// and an attacker would: each test failed before its fix.
@Suite("Trust: input, sums, errors, retries, read-only ledgers and backups")
struct TrustTests {
    let ada: ClientID = id("ada")
    let ben: ClientID = id("ben")

    func salon(_ directory: ScratchDirectory) async throws -> SalonLedger {
        let ledger = try makeLedger(directory)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 10,
                                                                 reward: .amountPerPoint(5)), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: day("2026-01-02"))
        return ledger
    }

    // MARK: Damage

    @Test("a card lost from the cards (a damaged page) is damage, not \"no such client\"")
    func lostCard() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        #expect(try ledger.card(of: ada) != nil)
        // The card's entry removed below the ledger, as a damaged page can lose it.
        let core = ledger.log.core
        try core.performLocalWrite { session in
            let record = try #require(try session.txn.projectionRecord(core.schema, name: "clientCards"))
            let handles = try core.projectionHandles("clientCards")
            let database = record.activeSlot == 0 ? handles.0 : handles.1
            let removed = try Array("ada".utf8).withUnsafeBytes { try session.txn.delete(database, key: $0) }
            #expect(removed)
        }
        let error = #expect(throws: LedgerError.self) { try ledger.card(of: ada) }
        #expect(error?.code == .corruptPayload)
        #expect(error?.message.contains("rebuild") == true)
        // A client who never was stays no client.
        #expect(try ledger.card(of: ben) == nil)
        try ledger.rebuildProjections()
        #expect(try ledger.card(of: ada) != nil)
    }

    // MARK: Sums

    @Test("points that would take a balance past the ledger's limit are refused naming the line and field; the import records nothing")
    func balanceLimit() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let accrual = #"{"type":"PointsAccrued","at":"2026-01-03T10:00:00Z","client":"ada","points":1000000000000000,"reason":"manual"}"#
        // 9,224 of these overflowed Int64 and killed the import; the second already passes the limit.
        let error = await expectRefusal(ledger, .invalidAmount) {
            try await ledger.importInterchange(Array(repeating: accrual, count: 9_300).joined(separator: "\n"))
        }
        #expect(error?.line == 2)
        #expect(error?.field == "points")
        #expect(try ledger.card(of: ada)?.points == 0)
    }

    @Test("totals over many subscriptions at the ledger's limit do not trap: residual, roll-forward and audit answer or refuse by type")
    func largeTotals() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let price = Money.maximumAmount
        var lines: [String] = []
        for index in 0..<9_300 {
            lines.append(#"{"type":"SubscriptionPurchased","at":"2026-02-01T10:00:00Z","client":"ada","subscription":"s\#(index)","plan":"p","price":\#(price),"credit":\#(price)}"#)
        }
        try await ledger.importInterchange(lines.joined(separator: "\n"))
        // 9,300 × 10^15 is beyond an Int64: the report says so instead of trapping.
        do {
            _ = try await ledger.residualValue(asOf: day("2026-03-01"))
            Issue.record("a total beyond Int64 was reported")
        } catch {
            #expect(error.code == .amountOutOfRange)
        }
        do {
            _ = try await ledger.audit(from: day("2026-01-01"), to: day("2026-12-31"))
            Issue.record("a total beyond Int64 was reported")
        } catch {
            #expect(error.code == .amountOutOfRange)
        }
        // Each subscription on its own is well within range.
        let card = try #require(try ledger.card(of: ada))
        #expect(card.subscriptions.count == 9_300)
        #expect(card.subscriptions.allSatisfy { $0.residualValue == price })
    }

    // MARK: Import input

    @Test("a line of 80,000 fields is refused naming the line; a repeated one at its end is found")
    func manyFields() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let fields = (0..<80_000).map { #""f\#($0)":1"# }.joined(separator: ",")
        let line = #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"x","name":"X",\#(fields)}"#
        // (Quadratic checking of repeated names took 11.6 s here; the parse is now linear, which the
        // closing note's measurements show: speed is for benchmarks, not for a timed test.)
        let error = await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange("\n" + line) }
        #expect(error?.line == 2)
        // A repeated field name at the end of a long line is found, too.
        let repeated = #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"x","name":"X",\#(fields),"f3":2}"#
        #expect(await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange(repeated) }?.message.contains("twice") == true)
    }

    @Test("bad bytes and bad numbers are refused naming the line and field", arguments: [
        (#"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v","revenue":0100}"#, "leading zero"),
        (#"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v","revenue":-01}"#, "leading zero"),
        (#"{"type":"SalonSettingsChanged","at":"2026-01-03T10:00:00Z","timeZone":"Mars/Olympus"}"#, "timeZone"),
        (#"{"type":"NoteAdded","at":"2026-01-03T10:00:00Z","client":"ada","note":"n","text":"\u+041","alert":false}"#, "escape"),
    ])
    func badLines(line: String, says: String) async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let error = await expectRefusal(ledger, .invalidField) {
            try await ledger.importInterchange("\n\n" + line)
        }
        #expect(error?.line == 3)
        #expect(error.map { $0.message.contains(says) || $0.field == says } == true, "\(error?.description ?? "-")")
    }

    @Test("invalid UTF-8 is refused naming its line and byte; CR LF line ends and a byte order mark are read")
    func bytes() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let good = Array(#"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v1","revenue":100}"#.utf8)
        var bad = Array(#"{"type":"NoteAdded","at":"2026-01-03T10:00:00Z","client":"ada","note":"n","text":"caf"#.utf8)
        bad += [0xC3, 0x28] + Array(#"","alert":false}"#.utf8)
        let error = await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange(utf8: good + [0x0A] + bad) }
        #expect(error?.line == 2)
        #expect(error?.message.contains("byte 86") == true, "\(error?.message ?? "")")
        let second = Array(#"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v2","revenue":100}"#.utf8)
        let summary = try await ledger.importInterchange(utf8: [0xEF, 0xBB, 0xBF] + good + [0x0D, 0x0A] + second + [0x0D, 0x0A])
        #expect(summary.events == 2)
    }

    @Test("a refused import, and opening the ledger to make it, leave every byte of the log and the key file as they were")
    func refusedImportWritesNothing() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        do { _ = try await salon(directory) }
        let files = ["data.mdb", "client-keys"].map { path + "/" + $0 }
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let ledger = try makeLedger(directory)
        // A registration that would need a new key, then a line the rules refuse.
        let lines = [
            #"{"type":"ClientRegistered","at":"2026-03-01T10:00:00Z","client":"new","name":"New"}"#,
            #"{"type":"DiscountRedeemed","at":"2026-03-01T10:00:00Z","client":"ada","points":5,"discount":25}"#,
        ]
        let error = await expectRefusal(ledger, .insufficientPoints) { try await ledger.importInterchange(lines.joined(separator: "\n")) }
        #expect(error?.line == 2)
        #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)
        // A typo names the field that was typed, not only the one that is missing.
        let typo = #"{"type":"CheckedOut","at":"2026-03-01T10:00:00Z","client":"ada","visit":"v","revnue":5}"#
        #expect(await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange(typo) }?.field == "revnue")
    }

    // MARK: Errors

    @Test("a redemption or expiry for an unknown or erased client names that fault first")
    func rightFault() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        await expectRefusal(ledger, .unknownClient) { try await ledger.redeemPoints(ben, points: 10, at: day("2026-02-01")) }
        await expectRefusal(ledger, .unknownClient) { try await ledger.expirePoints(of: ben, at: day("2026-02-01")) }
        try await ledger.erase(ada, at: day("2026-02-01"))
        await expectRefusal(ledger, .clientErased) { try await ledger.redeemPoints(ada, points: 10, at: day("2026-02-02")) }
        await expectRefusal(ledger, .clientErased) { try await ledger.expirePoints(of: ada, at: day("2026-02-02")) }
    }

    @Test("a changed record stops a command and a history read with brokenChain at its position, the engine's error kept as the cause")
    func brokenChainNamed() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 5_000, at: day("2026-02-01"))
        let position = try ledger.log.lastPosition()
        try ledger.log.core.environment.write { txn in
            let stored = try #require(try txn.get(ledger.log.core.schema.events, key: position))
            var copy = Array(stored)
            copy[copy.count - 33] ^= 1
            try copy.withUnsafeBytes { try txn.put(ledger.log.core.schema.events, key: position, value: $0) }
        }
        for attempt in [{ _ = try ledger.history(of: self.ada) }, { _ = try await ledger.redeemPoints(self.ada, points: 10) }] as [() async throws -> Void] {
            do {
                try await attempt()
                Issue.record("a broken chain was read")
            } catch let error as LedgerError {
                #expect(error.code == .brokenChain)
                #expect(error.position == position)
                #expect((error.cause as? EventLogError)?.code == .brokenChain)
            }
        }
    }

    @Test("a change to a client whose key another process destroyed says clientErased, not keyStore")
    func racingErasure() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        // Another process erases Ada: the keys are the file's, the log the same.
        try destroyKeyAsAnotherProcess(directory: directory.path + "/ledger", client: ada)
        await expectRefusal(ledger, .clientErased) {
            try await ledger.changeDetails(of: ada, name: "Ada King", at: day("2026-02-01"))
        }
    }

    // MARK: Retries

    @Test("a redemption retried with its idempotency key records nothing and returns what the first one recorded")
    func idempotentRedemption() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 5_000, at: day("2026-02-01"))
        let first = try await ledger.redeemPoints(ada, points: 30, at: day("2026-02-02"), idempotencyKey: "req-1")
        let head = try ledger.log.lastPosition()
        let retry = try await ledger.redeemPoints(ada, points: 30, at: day("2026-02-03"), idempotencyKey: "req-1")
        #expect(retry == first)
        #expect(try ledger.log.lastPosition() == head)
        #expect(try ledger.card(of: ada)?.points == 20)
        // Another process's ledger on the same files sees the same first run.
        let reopened = try makeLedger(directory)
        #expect(try await reopened.redeemPoints(ada, points: 30, idempotencyKey: "req-1") == first)
        // The key names one request: given with another one, it is refused.
        await expectRefusal(ledger, .idempotencyKeyReused) { try await ledger.redeemPoints(ada, points: 10, idempotencyKey: "req-1") }
        // Without a key, the same redemption is a new one.
        try await ledger.redeemPoints(ada, points: 10, at: day("2026-02-04"))
        #expect(try ledger.card(of: ada)?.points == 10)
    }

    @Test("a checkout with a referral bonus, retried, returns both clients' events; subscription uses pay once", arguments: [true, false])
    func idempotentCommands(sameProcess: Bool) async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, referralBonusPoints: 50), at: day("2026-01-01"))
        try await ledger.registerClient(ben, name: "Ben", referredBy: ada, at: day("2026-01-03"))
        let first = try await ledger.checkOut(ben, visit: id("v1"), revenue: 1_000, at: day("2026-02-01"), idempotencyKey: "till-7")
        #expect(first.map(\.event.client) == [ben, ben, ada])
        let again = sameProcess ? ledger : try makeLedger(directory)
        #expect(try await again.checkOut(ben, visit: id("v1"), revenue: 1_000, idempotencyKey: "till-7") == first)

        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "10 blow-dries", price: 25_000, allowance: .sessions(10),
                                          at: day("2026-02-01"), idempotencyKey: "sale-1")
        #expect(try await again.sellSubscription(to: ada, subscription: id("s1"), plan: "10 blow-dries", price: 25_000, allowance: .sessions(10),
                                                 idempotencyKey: "sale-1").count == 1)
        for _ in 0..<3 { try await again.useSubscription(id("s1"), of: ada, .sessions(1), idempotencyKey: "use-1") }
        #expect(try ledger.card(of: ada)?.subscriptions.first?.remaining == 9)
    }

    @Test("a command whose task is cancelled before its append records nothing")
    func cancelled() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let head = try ledger.log.lastPosition()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await ledger.checkOut(ada, visit: id("v9"), revenue: 1_000, at: day("2026-02-01"))
        }
        do {
            _ = try await task.value
            Issue.record("a cancelled command was recorded")
        } catch let error as LedgerError {
            #expect(error.code == .cancelled)
        }
        #expect(try ledger.log.lastPosition() == head)
    }

    // MARK: Read-only ledgers, backups

    @Test("a ledger opened read-only answers every query, writes nothing, creates nothing, and refuses commands")
    func readOnly() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        do {
            let ledger = try await salon(directory)
            try await ledger.checkOut(ada, visit: id("v1"), revenue: 5_000, at: day("2026-02-01"))
            try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "p", price: 10_000, allowance: .sessions(4), at: day("2026-02-01"))
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        let keysBefore = try Data(contentsOf: URL(fileURLWithPath: path + "/client-keys"))
        do {
            let reader = try SalonLedger(path: path, options: .readOnly)
            #expect(try reader.card(of: ada)?.name == "Ada Lovelace")
            #expect(try await reader.residualValue(asOf: day("2026-03-01")).total == 10_000)
            #expect(try await reader.clients().count == 1)
            #expect(try reader.log.verify().isIntact)
            var lines = 0
            try reader.exportInterchange { _ in lines += 1 }
            #expect(lines == 5)
            await expectRefusal(reader, .readOnly) { try await reader.checkOut(ada, visit: id("v2"), revenue: 100) }
            await expectRefusal(reader, .readOnly) { try await reader.importInterchange("") }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "/client-keys")) == keysBefore)
        let empty = directory.path + "/empty"
        do {
            _ = try SalonLedger(path: empty, options: .readOnly)
            Issue.record("opened a ledger where there is none")
        } catch {
            #expect(error.code == .notALedger)
        }
        #expect(!FileManager.default.fileExists(atPath: empty))
    }

    @Test("read-only, cards stored behind the log are folded from the log in memory")
    func readOnlyBehind() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        do {
            let ledger = try await salon(directory)
            try await ledger.checkOut(ada, visit: id("v1"), revenue: 5_000, at: day("2026-02-01"))
        }
        do {
            // A writer that does not keep the cards (the engine alone) appends after them.
            let log = try EventLog(path: path, options: .init(durability: .nonDurable))
            let payload = try BinaryCodec.encode(.checkedOut(CheckedOut(at: day("2026-02-02"), client: ada, visit: id("v2"), revenue: 700)), key: nil)
            try await log.append([NewEvent(type: "CheckedOut", payload: payload)], to: SalonLedger.stream(of: ada))
        }
        let reader = try SalonLedger(path: path, options: .readOnly)
        #expect(try reader.card(of: ada)?.visits.map(\.revenue) == [5_000, 700])
    }

    @Test("a backup taken while commands go on restores to a ledger with the same head, cards and personal data")
    func backupAndRestore() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let writer = Task {
            for index in 0..<200 {
                try await ledger.registerClient(id("c\(index)"), name: "Client \(index)", at: day("2026-02-01"))
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        let backup = directory.path + "/backup"
        let head = try #require(try ledger.backup(to: backup))
        try await writer.value
        #expect(FileManager.default.fileExists(atPath: backup + "/client-keys"))
        #expect(throws: LedgerError.self) { try ledger.backup(to: backup) }

        let restored = directory.path + "/restored"
        #expect(try SalonLedger.restore(from: backup, to: restored) == head)
        let copy = try SalonLedger(path: restored, options: .init(durability: .nonDurable))
        #expect(try copy.log.verify(anchors: [head]).isIntact)
        #expect(try ledger.log.verify(anchors: [head]).isIntact, "the backup is a prefix of the ledger")
        #expect(try copy.card(of: ada)?.name == "Ada Lovelace")
        for client in try await copy.clients() where client.client != ada {
            #expect(client.name == "Client \(client.client.rawValue.dropFirst())", "every registered client's key came along")
        }
        try await copy.checkOut(ada, visit: id("v1"), revenue: 100, at: day("2026-03-01"))
        // Restoring over a ledger is refused.
        #expect(throws: LedgerError.self) { try SalonLedger.restore(from: backup, to: restored) }
    }
}

/// Destroys `client`'s key in the key file of the ledger at `directory`, as another process's
/// erasure does once it has recorded `ClientErased`: through a store of its own on the same file.
func destroyKeyAsAnotherProcess(directory: String, client: ClientID) throws {
    try ClientKeyStore(directory: directory).destroyKey(of: client)
}
