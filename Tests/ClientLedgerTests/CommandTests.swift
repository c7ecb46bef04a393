import Foundation
import Testing
import EventLog
@testable import ClientLedger

@Suite("Commands and the rules of the salon")
struct CommandTests {
    let ada: ClientID = id("ada")
    let ben: ClientID = id("ben")

    func salon(_ directory: ScratchDirectory, programme: LoyaltyProgramme? = LoyaltyProgramme()) async throws -> SalonLedger {
        let ledger = try makeLedger(directory)
        try await ledger.changeLoyaltyProgramme(programme, at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: day("2026-01-02"))
        return ledger
    }

    @Test("a checkout records the revenue and the points the programme in force earns, rounded down")
    func checkoutEarnsPoints() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory, programme: LoyaltyProgramme(pointsPerStep: 2, revenueStep: 1_000))
        let recorded = try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_590, at: day("2026-01-05"))
        #expect(recorded.map(\.event.type) == [.checkedOut, .pointsAccrued])
        #expect(recorded.last?.event == .pointsAccrued(PointsAccrued(at: day("2026-01-05"), client: ada, points: 8, reason: .revenue, visit: id("v1"))))
        #expect(try ledger.balance(ada) == 8) // 4,590 cents / 1,000 = 4 steps × 2 points
        await expectRefusal(ledger, .duplicateIdentifier) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 100, at: day("2026-01-06")) }
    }

    @Test("a rule change never rewrites points earned; each checkout uses the programme in force at its date")
    func ruleChangeKeepsHistory() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory) // 1 point per euro
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 5_000, at: day("2026-02-01"))
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 1_000), at: day("2026-03-01"))
        #expect(try ledger.balance(ada) == 50)
        try await ledger.checkOut(ada, visit: id("v2"), revenue: 5_000, at: day("2026-03-02"))
        #expect(try ledger.balance(ada) == 55)
        // A checkout entered late but dated before the change earns by the old programme.
        try await ledger.checkOut(ada, visit: id("v3"), revenue: 5_000, at: day("2026-02-15"))
        #expect(try ledger.balance(ada) == 105)
        try await ledger.changeLoyaltyProgramme(nil, at: day("2026-04-01"))
        #expect(try await ledger.checkOut(ada, visit: id("v4"), revenue: 5_000, at: day("2026-04-02")).count == 1)
    }

    @Test("the referrer gets the bonus on the referred client's first checkout only, in the same transaction")
    func referralBonus() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory, programme: LoyaltyProgramme(referralBonusPoints: 100))
        try await ledger.registerClient(ben, name: "Ben", referredBy: ada, at: day("2026-01-03"))
        let first = try await ledger.checkOut(ben, visit: id("b1"), revenue: 2_000, at: day("2026-01-04"))
        #expect(first.map(\.event.type) == [.checkedOut, .pointsAccrued, .pointsAccrued])
        #expect(Set(first.map(\.position)).count == 3)
        #expect(try ledger.balance(ada) == 100)
        #expect(try ledger.balance(ben) == 20)
        try await ledger.checkOut(ben, visit: id("b2"), revenue: 2_000, at: day("2026-01-05"))
        #expect(try ledger.balance(ada) == 100)
        await expectRefusal(ledger, .unknownClient) { try await ledger.registerClient(id("cy"), name: "Cy", referredBy: id("nobody"), at: day("2026-01-05")) }
    }

    @Test("redeeming: by amount per point, by percentage rounded half away from zero, never beyond the balance, minimum or cap")
    func redemption() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory, programme: LoyaltyProgramme(minimumBalanceToRedeem: 50, maximumPointsPerRedemption: 80, reward: .amountPerPoint(5)))
        try await ledger.adjustPoints(of: ada, by: 40, reason: "welcome", at: day("2026-01-03"))
        await expectRefusal(ledger, .insufficientPoints) { try await ledger.redeemPoints(ada, points: 10, at: day("2026-01-04")) }
        try await ledger.adjustPoints(of: ada, by: 60, reason: "goodwill", at: day("2026-01-04"))
        await expectRefusal(ledger, .redemptionNotAllowed) { try await ledger.redeemPoints(ada, points: 90, at: day("2026-01-05")) }
        let redeemed = try await ledger.redeemPoints(ada, points: 80, at: day("2026-01-05"))
        #expect(redeemed.first?.event == .discountRedeemed(DiscountRedeemed(at: day("2026-01-05"), client: ada, points: 80, discount: 400)))
        #expect(try ledger.balance(ada) == 20)
        await expectRefusal(ledger, .insufficientPoints) { try await ledger.adjustPoints(of: ada, by: -21, reason: "error", at: day("2026-01-06")) }

        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(reward: .percentage(points: 20, percent: 10)), at: day("2026-02-01"))
        await expectRefusal(ledger, .redemptionNotAllowed) { try await ledger.redeemPoints(ada, points: 10, ticketAmount: 4_555, at: day("2026-02-02")) }
        let percent = try await ledger.redeemPoints(ada, points: 20, ticketAmount: 4_555, at: day("2026-02-02"))
        #expect(percent.first?.event == .discountRedeemed(DiscountRedeemed(at: day("2026-02-02"), client: ada, points: 20, discount: 456)))
        await expectRefusal(ledger, .insufficientPoints) { try await ledger.redeemPoints(ada, points: 20, ticketAmount: 100, at: day("2026-02-03")) }
    }

    @Test("points expire after the programme's months, oldest first, recorded as a fact")
    func pointsExpiry() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory, programme: LoyaltyProgramme(expiryMonths: 12))
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 10_000, at: day("2026-01-10"))  // +100
        try await ledger.checkOut(ada, visit: id("v2"), revenue: 5_000, at: day("2026-06-10"))   // +50
        try await ledger.redeemPoints(ada, points: 30, at: day("2026-07-01"))                   // spends the oldest
        #expect(try await ledger.expirePoints(of: ada, at: day("2027-01-09")).isEmpty)          // nothing is 12 months old yet
        let expired = try await ledger.expirePoints(of: ada, at: day("2027-01-10"))
        #expect(expired.first?.event == .pointsAdjusted(PointsAdjusted(at: day("2027-01-10"), client: ada, points: -70,
                                                                       reason: "expired: earned on or before 2026-01-10T12:00:00Z")))
        #expect(try ledger.balance(ada) == 50)
        #expect(try await ledger.expirePoints(of: ada, at: day("2027-01-11")).isEmpty)          // idempotent
        try await ledger.expirePoints(of: ada, at: day("2027-06-10"))
        #expect(try ledger.balance(ada) == 0)
    }

    @Test("calendar months: a missing day becomes the month's last")
    func months() {
        #expect(Calendar.subtractingMonths(1, from: Timestamp(rfc3339: "2026-03-31T10:00:00Z")!) == Timestamp(rfc3339: "2026-02-28T10:00:00Z"))
        #expect(Calendar.subtractingMonths(12, from: Timestamp(rfc3339: "2024-02-29T00:00:00Z")!) == Timestamp(rfc3339: "2023-02-28T00:00:00Z"))
        #expect(Calendar.subtractingMonths(14, from: Timestamp(rfc3339: "2026-01-15T23:59:59Z")!) == Timestamp(rfc3339: "2024-11-15T23:59:59Z"))
    }

    @Test("money rounds half away from zero")
    func rounding() {
        #expect(Money.percentage(10, of: 4_555) == 456)
        #expect(Money.percentage(10, of: 4_554) == 455)
        #expect(Money.divideRoundingHalfAwayFromZero(-5, by: 2) == -3)
        #expect(Money.divideRoundingHalfAwayFromZero(5, by: 2) == 3)
        #expect(Money.divideRoundingHalfAwayFromZero(7, by: 3) == 2)
    }

    @Test("subscriptions: uses up to what remains, never after they end, never before their purchase")
    func subscriptions() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let bundle: SubscriptionID = id("bundle"), credit: SubscriptionID = id("credit")
        try await ledger.sellSubscription(to: ada, subscription: bundle, plan: "10 blow-dries", price: 25_000, allowance: .sessions(10),
                                          validUntil: day("2026-06-30"), at: day("2026-01-10"))
        try await ledger.sellSubscription(to: ada, subscription: credit, plan: "EUR 200", price: 18_000, allowance: .credit(20_000), at: day("2026-01-10"))
        await expectRefusal(ledger, .duplicateIdentifier) {
            try await ledger.sellSubscription(to: ada, subscription: bundle, plan: "again", price: 1, allowance: .sessions(1), at: day("2026-01-11"))
        }
        await expectRefusal(ledger, .datedBeforeReference) { try await ledger.useSubscription(bundle, of: ada, .sessions(1), at: day("2026-01-09")) }
        try await ledger.useSubscription(bundle, of: ada, .sessions(3), at: day("2026-01-20"))
        await expectRefusal(ledger, .subscriptionExhausted) { try await ledger.useSubscription(bundle, of: ada, .sessions(8), at: day("2026-01-21")) }
        await expectRefusal(ledger, .invalidField) { try await ledger.useSubscription(bundle, of: ada, .amount(100), at: day("2026-01-21")) }
        await expectRefusal(ledger, .subscriptionEnded) { try await ledger.useSubscription(bundle, of: ada, .sessions(1), at: day("2026-07-01")) }
        await expectRefusal(ledger, .unknownReference) { try await ledger.useSubscription(id("other"), of: ada, .sessions(1), at: day("2026-01-21")) }
        try await ledger.useSubscription(bundle, of: ada, .sessions(7), at: day("2026-01-22"))
        await expectRefusal(ledger, .subscriptionEnded) { try await ledger.useSubscription(bundle, of: ada, .sessions(1), at: day("2026-01-23")) }
        await expectRefusal(ledger, .subscriptionEnded) { try await ledger.expireSubscription(bundle, of: ada, at: day("2026-01-23")) }

        try await ledger.useSubscription(credit, of: ada, .amount(4_500), at: day("2026-01-20"))
        try await ledger.refundSubscription(credit, of: ada, refund: 12_000, at: day("2026-02-01"))
        await expectRefusal(ledger, .subscriptionEnded) { try await ledger.useSubscription(credit, of: ada, .amount(1), at: day("2026-02-02")) }
        await expectRefusal(ledger, .subscriptionEnded) { try await ledger.expireSubscription(credit, of: ada, at: day("2026-02-02")) }
    }

    @Test("unknown, archived and erased clients")
    func clientLifecycle() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        await expectRefusal(ledger, .unknownClient) { try await ledger.checkOut(id("ghost"), visit: id("v"), revenue: 1, at: day("2026-01-05")) }
        await expectRefusal(ledger, .clientExists) { try await ledger.registerClient(ada, name: "Ada again", at: day("2026-01-05")) }
        await expectRefusal(ledger, .datedBeforeReference) { try await ledger.checkOut(ada, visit: id("v0"), revenue: 1, at: day("2025-12-31")) }
        try await ledger.archive(ada, reason: "moved away", at: day("2026-01-06"))
        await expectRefusal(ledger, .clientArchived) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 1, at: day("2026-01-07")) }
        await expectRefusal(ledger, .clientArchived) {
            try await ledger.bookAppointment(id("a1"), for: ada, start: day("2026-01-10"), minutes: 30, service: "cut", at: day("2026-01-07"))
        }
        await expectRefusal(ledger, .clientArchived) { try await ledger.adjustPoints(of: ada, by: 5, reason: "gift", at: day("2026-01-07")) }
        await expectRefusal(ledger, .clientArchived) { try await ledger.archive(ada, at: day("2026-01-07")) }
        try await ledger.reactivate(ada, at: day("2026-01-08"))
        await expectRefusal(ledger, .clientNotArchived) { try await ledger.reactivate(ada, at: day("2026-01-08")) }
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 2_000, at: day("2026-01-09"))
        try await ledger.erase(ada, at: day("2026-01-10"))
        await expectRefusal(ledger, .clientErased) { try await ledger.changeDetails(of: ada, name: "Ada", at: day("2026-01-11")) }
        await expectRefusal(ledger, .clientErased) { try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-11")) }
        await expectRefusal(ledger, .clientErased) { try await ledger.erase(ada, at: day("2026-01-11")) }
    }

    @Test("reminders and nudges need consent; a reminder defaults to the salon's lead time before the start")
    func consentsGateMessages() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        let start = Timestamp(rfc3339: "2026-01-20T14:00:00Z")!
        try await ledger.bookAppointment(id("a1"), for: ada, start: start, minutes: 45, service: "cut", at: day("2026-01-05"))
        await expectRefusal(ledger, .remindersDeclined) { try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .sms, at: day("2026-01-06")) }
        await expectRefusal(ledger, .visitNudgesDeclined) { try await ledger.recordVisitNudgeSent(to: ada, channel: .email, at: day("2026-01-06")) }
        try await ledger.changeConsent(of: ada, .reminders, granted: true, source: "intake form", at: day("2026-01-06"))
        let reminder = try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .sms, at: day("2026-01-07"))
        #expect(reminder.first?.event == .reminderScheduled(ReminderScheduled(at: day("2026-01-07"), client: ada, appointment: id("a1"), channel: .sms,
                                                                                sendAt: Timestamp(rfc3339: "2026-01-19T14:00:00Z")!)))
        try await ledger.changeSalonSettings(SalonSettingsChanged(at: day("2026-01-08"), reminderLeadMinutes: 120))
        try await ledger.rescheduleAppointment(id("a1"), of: ada, to: Timestamp(rfc3339: "2026-01-21T10:00:00Z")!, at: day("2026-01-08"))
        let second = try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .email, at: day("2026-01-09"))
        if case .reminderScheduled(let e) = second.first?.event { #expect(e.sendAt == Timestamp(rfc3339: "2026-01-21T08:00:00Z")) } else { Issue.record("no reminder") }
        await expectRefusal(ledger, .unknownReference) { try await ledger.scheduleReminder(for: id("a9"), of: ada, channel: .sms, at: day("2026-01-09")) }
        try await ledger.cancelAppointment(id("a1"), of: ada, at: day("2026-01-10"))
        await expectRefusal(ledger, .appointmentCancelled) { try await ledger.recordReminderSent(for: id("a1"), of: ada, channel: .sms, at: day("2026-01-11")) }
        try await ledger.changeConsent(of: ada, .visitNudges, granted: true, at: day("2026-01-12"))
        try await ledger.recordVisitNudgeSent(to: ada, channel: .email, at: day("2026-01-13"))
        try await ledger.changeConsent(of: ada, .reminders, granted: false, source: "phone call", at: day("2026-01-14"))
        try await ledger.bookAppointment(id("a2"), for: ada, start: day("2026-02-01"), minutes: 30, service: "cut", at: day("2026-01-14"))
        await expectRefusal(ledger, .remindersDeclined) { try await ledger.scheduleReminder(for: id("a2"), of: ada, channel: .sms, at: day("2026-01-15")) }
    }

    @Test("notes, intake forms and documents")
    func records() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2026-01-03"))
        await expectRefusal(ledger, .duplicateIdentifier) { try await ledger.addNote(to: ada, note: id("n1"), text: "again", at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidField) { try await ledger.addNote(to: ada, note: id("n2"), text: "  ", at: day("2026-01-03")) }
        try await ledger.removeNote(id("n1"), from: ada, at: day("2026-01-04"))
        await expectRefusal(ledger, .unknownReference) { try await ledger.removeNote(id("n1"), from: ada, at: day("2026-01-05")) }
        try await ledger.recordIntake(of: ada, form: id("f1"), answers: ["Scalp": "sensitive"], at: day("2026-01-03"))
        try await ledger.attachDocument(to: ada, document: id("d1"), name: "consent.pdf", mediaType: "application/pdf",
                                        sha256: String(repeating: "0f", count: 32), bytes: 1_024, at: day("2026-01-03"))
        await expectRefusal(ledger, .invalidField) {
            try await ledger.attachDocument(to: ada, document: id("d2"), name: "x", mediaType: "pdf", sha256: "abc", bytes: 1, at: day("2026-01-03"))
        }
        let history = try ledger.history(of: ada)
        #expect(history.contains { if case .noteAdded(let note) = $0.event { note.text == "Allergic to latex" } else { false } })
        #expect(history.contains { if case .intakeRecorded(let form) = $0.event { form.answers == ["Scalp": "sensitive"] } else { false } })
    }

    @Test("erasure: personal data unreadable, amounts stay, the chain verifies, and it holds after reopening")
    func erasure() async throws {
        let directory = ScratchDirectory()
        do {
            let ledger = try await salon(directory)
            try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2026-01-03"))
            try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_500, at: day("2026-01-04"))
            let key = try #require(try ledger.keys.key(for: ada)).bytes
            try await ledger.erase(ada, at: day("2026-01-05"))
            // Neither the key nor the personal data is anywhere in the ledger's files.
            let path = directory.path + "/ledger"
            for file in try FileManager.default.subpathsOfDirectory(atPath: path) {
                let contents = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/" + file)))
                #expect(contents.firstRange(of: key) == nil, "the key is still in \(file)")
                #expect(contents.firstRange(of: Array("Lovelace".utf8)) == nil, "the name is still in \(file)")
                #expect(contents.firstRange(of: Array("latex".utf8)) == nil, "the note is still in \(file)")
            }
            let history = try ledger.history(of: ada)
            #expect(history.first?.personalDataErased == true)
            #expect(history.contains { if case .clientRegistered(let e) = $0.event { e.name.isEmpty } else { false } })
            #expect(history.contains { $0.event == .checkedOut(CheckedOut(at: day("2026-01-04"), client: ada, visit: id("v1"), revenue: 4_500)) })
            #expect(try ledger.balance(ada) == 45)
            #expect(try ledger.log.verify().isIntact)
        }
        let reopened = try makeLedger(directory)
        #expect(try reopened.history(of: ada).first?.personalDataErased == true)
    }

    @Test("an erasure interrupted after ClientErased was recorded is finished when the ledger opens")
    func interruptedErasure() async throws {
        let directory = ScratchDirectory()
        do {
            let ledger = try await salon(directory)
            // Mark and record ClientErased behind the ledger's back, as if the process died before destroying the key.
            try ledger.keys.markErasing([ada])
            let payload = try BinaryCodec.encode(.clientErased(ClientErased(at: day("2026-01-05"), client: ada)), key: nil)
            try await ledger.log.append([NewEvent(type: "ClientErased", payload: payload)], to: SalonLedger.stream(of: ada))
            #expect(try ledger.keys.key(for: ada) != nil)
        }
        let reopened = try makeLedger(directory)
        #expect(try reopened.keys.key(for: ada) == nil)
        #expect(try reopened.history(of: ada).first?.personalDataErased == true)
    }

    @Test("an erasure marked but never recorded (refused, or the process died first) leaves the key alone")
    func markedButNotRecordedErasure() async throws {
        let directory = ScratchDirectory()
        do {
            let ledger = try await salon(directory)
            try ledger.keys.markErasing([ada])
            #expect(try ledger.keys.unfinishedErasures().map(\.rawValue) == ["ada"])
        }
        let reopened = try makeLedger(directory)
        #expect(try reopened.keys.key(for: ada) != nil)
        #expect(try reopened.card(of: ada)?.name == "Ada Lovelace")
        try await reopened.erase(ada, at: day("2026-01-06"))
        #expect(try reopened.keys.key(for: ada) == nil)
        #expect(try reopened.keys.unfinishedErasures().isEmpty)
    }

    @Test("a key file from before erasure marks (CLKEYS01) has the log scanned once, then is marked CLKEYS02")
    func legacyKeyFileIsScannedOnce() async throws {
        let directory = ScratchDirectory()
        let keyFile = directory.path + "/ledger/" + ClientKeyStore.fileName
        do {
            let ledger = try await salon(directory)
            // An erasure recorded by an older library that died before destroying the key: no mark.
            let payload = try BinaryCodec.encode(.clientErased(ClientErased(at: day("2026-01-05"), client: ada)), key: nil)
            try await ledger.log.append([NewEvent(type: "ClientErased", payload: payload)], to: SalonLedger.stream(of: ada))
        }
        let handle = try #require(FileHandle(forUpdatingAtPath: keyFile))
        try handle.write(contentsOf: Data("CLKEYS01".utf8))
        try handle.close()
        let reopened = try makeLedger(directory)
        #expect(!reopened.keys.marksErasures)
        #expect(try reopened.keys.key(for: ada) == nil)
        let header = try #require(FileManager.default.contents(atPath: keyFile)).prefix(8)
        #expect(String(decoding: header, as: UTF8.self) == "CLKEYS02")
        #expect(try makeLedger(directory).keys.marksErasures)
    }

    @Test("two services changing one client at once: every command is decided on fresh state, none lost, none double-spent")
    func optimisticConcurrency() async throws {
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 { // a burst on one client: none may run out of attempts (regression)
                group.addTask { try await ledger.checkOut(ada, visit: id("v\(index)"), revenue: 1_000, at: day("2026-01-05")) }
            }
            try await group.waitForAll()
        }
        #expect(try ledger.balance(ada) == 500)
        // Two redemptions of the whole balance at once: exactly one wins.
        let outcomes = await withTaskGroup(of: LedgerError.Code?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do { try await ledger.redeemPoints(ada, points: 500, at: day("2026-01-06")); return nil } catch let error as LedgerError { return error.code } catch { return .storage }
                }
            }
            return await group.reduce(into: [LedgerError.Code?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.contains(.insufficientPoints))
        #expect(try ledger.balance(ada) == 0)
    }

    @Test("malformed input is refused before anything is read or written")
    func malformedInput() async throws {
        #expect(throws: LedgerError.self) { try ClientID("") }
        #expect(throws: LedgerError.self) { try ClientID(String(repeating: "x", count: 65)) }
        let directory = ScratchDirectory()
        let ledger = try await salon(directory)
        await expectRefusal(ledger, .invalidAmount) { try await ledger.checkOut(ada, visit: id("v"), revenue: -1, at: day("2026-01-05")) }
        await expectRefusal(ledger, .invalidAmount) {
            try await ledger.sellSubscription(to: ada, subscription: id("s"), plan: "p", price: -5, allowance: .sessions(1), at: day("2026-01-05"))
        }
        await expectRefusal(ledger, .invalidAmount) { try await ledger.adjustPoints(of: ada, by: 0, reason: "nothing", at: day("2026-01-05")) }
        await expectRefusal(ledger, .invalidField) { try await ledger.changeDetails(of: ada, at: day("2026-01-05")) }
        await expectRefusal(ledger, .invalidField) { try await ledger.changeDetails(of: ada, email: "not-an-address", at: day("2026-01-05")) }
    }
}

@Suite("Domain regressions found in review")
struct DomainRegressionTests {
    let ada: ClientID = id("ada")

    @Test("amounts that would overflow are refused as invalid amounts, not crashes")
    func overflow() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1_000_000_000_000, revenueStep: 1), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"))
        await expectRefusal(ledger, .invalidAmount) { try await ledger.checkOut(ada, visit: id("v1"), revenue: 100_000_000, at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidAmount) { try await ledger.checkOut(ada, visit: id("v1"), revenue: .max, at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidAmount) { try await ledger.adjustPoints(of: ada, by: .min, reason: "x", at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidAmount) { try await ledger.adjustPoints(of: ada, by: .max, reason: "x", at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidAmount) { try await ledger.redeemPoints(ada, points: 2_000_000_000_000_000_000, at: day("2026-01-03")) }
        await expectRefusal(ledger, .invalidAmount) {
            try await ledger.changeSalonSettings(SalonSettingsChanged(at: day("2026-01-03"), reminderLeadMinutes: .max))
        }
    }

    @Test("an erasure by another process is seen at once: its key is never served from memory")
    func erasureAcrossProcesses() throws {
        let directory = ScratchDirectory()
        let service = try ClientKeyStore(directory: directory.path)
        _ = try service.keyCreatingIfNeeded(for: ada)
        #expect(try service.key(for: ada) != nil)
        let tool = try ClientKeyStore(directory: directory.path) // the `ledger` tool, say
        try tool.destroyKey(of: ada)
        #expect(try service.key(for: ada) == nil)
    }

    @Test("a registration through record() checks its referrer too")
    func referrerThroughRecord() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        await expectRefusal(ledger, .unknownClient) {
            try await ledger.record(.clientRegistered(ClientRegistered(at: day("2026-01-02"), client: id("ben"), name: "Ben", referredBy: id("ghost"))))
        }
    }

    @Test("an actor that is too long is a field error, not a storage error")
    func longActor() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        await expectRefusal(ledger, .invalidField) {
            try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-02"), actor: String(repeating: "a", count: 300))
        }
    }

    @Test("two spellings of one identifier are one identifier: normalised to NFC where they enter, then compared by bytes")
    func identifierSpellings() async throws {
        let precomposed = try ClientID("caf\u{E9}"), decomposed = try ClientID("cafe\u{301}")
        #expect(precomposed == decomposed)
        #expect(Array(decomposed.rawValue.utf8) == [0x63, 0x61, 0x66, 0xC3, 0xA9])
        #expect(Set([precomposed, decomposed]).count == 1)
        #expect(try VisitID("e\u{301}").rawValue.utf8.count == 2)

        // The import that merged two spellings into one stream, then broke every read of the ledger.
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let lines = [
            #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"caf\#u{E9}","name":"First"}"#,
            #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"cafe\#u{301}","name":"Second"}"#,
        ]
        let error = await expectRefusal(ledger, .clientExists) { try await ledger.importInterchange(lines.joined(separator: "\n")) }
        #expect(error?.line == 2)
        try await ledger.importInterchange(lines[1])
        try await ledger.checkOut(precomposed, visit: id("v1"), revenue: 1_000, at: day("2026-01-03"))
        #expect(try ledger.card(of: decomposed)?.name == "Second")
        #expect(try ledger.card(of: precomposed)?.visits.count == 1)
        var exported: [String] = []
        try ledger.exportInterchange { exported.append($0) }
        #expect(exported.count == 2)
        #expect(try await ledger.clients().map(\.client) == [precomposed])
    }

    @Test("the export as bytes is the lines, each ending in a line feed, in chunks of about a mebibyte")
    func exportAsBytes() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada"), ben: ClientID = id("ben")
        var events: [LedgerEvent] = [.clientRegistered(ClientRegistered(at: day("2026-01-02"), client: ada, name: "Ada \"Lovelace\"\n")),
                                     .clientRegistered(ClientRegistered(at: day("2026-01-02"), client: ben, name: "Bärbel"))]
        let longID = String(repeating: "v", count: 56)
        for visit in 0..<8_000 {
            events.append(.checkedOut(CheckedOut(at: day("2026-01-03"), client: visit % 2 == 0 ? ada : ben, visit: id("\(longID)\(visit)"), revenue: 1_000)))
        }
        try await ledger.importEvents(events)
        try await ledger.erase(ben, at: day("2026-01-04"))
        var lines: [String] = []
        try ledger.exportInterchange { lines.append($0) }
        var bytes: [UInt8] = []
        var chunks = 0
        let count = try ledger.exportInterchangeUTF8 { chunk in
            bytes += chunk
            chunks += 1
        }
        #expect(count == lines.count && count == 8_003)
        #expect(String(decoding: bytes, as: UTF8.self) == lines.joined(separator: "\n") + "\n")
        #expect(bytes.count > 1 << 20 && chunks == 2, "\(bytes.count) bytes in \(chunks) chunks")
    }

    @Test("an export read in pieces on two threads is the same lines in log order; a broken link stops it after exactly the lines before it")
    func exportInPieces() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        var events: [LedgerEvent] = (0..<40).map { .clientRegistered(ClientRegistered(at: day("2026-01-02"), client: id("c\($0)"), name: "Client \($0)")) }
        for visit in 0..<4_960 {
            events.append(.checkedOut(CheckedOut(at: day("2026-01-03"), client: id("c\(visit % 40)"), visit: id("v\(visit)"), revenue: 1_000 + Cents(visit))))
        }
        try await ledger.importEvents(events)
        var lines: [String] = []
        try ledger.exportInterchange { lines.append($0) }
        for size: UInt64 in [1, 7, 1_000, 4_999, 5_000, 100_000] {
            var bytes: [UInt8] = []
            let count = try ledger.exportInterchangeUTF8(from: 1, pieceSize: size) { bytes += $0 }
            #expect(count == 5_000)
            #expect(String(decoding: bytes, as: UTF8.self) == lines.joined(separator: "\n") + "\n", "pieces of \(size)")
        }
        var fromMiddle: [UInt8] = []
        #expect(try ledger.exportInterchangeUTF8(from: 2_501, pieceSize: 300) { fromMiddle += $0 } == 2_500)
        #expect(String(decoding: fromMiddle, as: UTF8.self) == lines[2_500...].joined(separator: "\n") + "\n")
        #expect(try ledger.exportInterchangeUTF8(from: 5_001, pieceSize: 300) { _ in Issue.record("nothing to hand out") } == 0)

        // A record changed in the fifth piece of 1,000: pieces after it are made on the other
        // thread meanwhile, but nothing after the break is handed out.
        let broken: UInt64 = 4_321
        try ledger.log.core.environment.write { txn in
            let stored = try #require(try txn.get(ledger.log.core.schema.events, key: broken))
            var copy = Array(stored)
            copy[copy.count - 33] ^= 1
            try copy.withUnsafeBytes { try txn.put(ledger.log.core.schema.events, key: broken, value: $0) }
        }
        var handedOut: [UInt8] = []
        do {
            _ = try ledger.exportInterchangeUTF8(from: 1, pieceSize: 1_000) { handedOut += $0 }
            Issue.record("a broken chain was exported")
        } catch {
            #expect(error.code == .brokenChain && error.position == broken)
        }
        #expect(String(decoding: handedOut, as: UTF8.self) == lines[..<4_000].joined(separator: "\n") + "\n")
        // A chunk handler that throws stops the export at once.
        var calls = 0
        do {
            _ = try ledger.exportInterchangeUTF8(from: 1, pieceSize: 100) { _ in
                calls += 1
                if calls == 3 { throw CancellationError() }
            }
            Issue.record("the handler's error was lost")
        } catch {
            #expect(calls == 3 && error.code == .storage)
        }
    }

    @Test("an import from a file reads it as the bytes are read: BOM, CR LF, blank lines, line numbers; an unreadable file records nothing")
    func importFromFile() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let file = URL(fileURLWithPath: directory.path + "/events.jsonl")
        let text = "\u{FEFF}" + #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"ada","name":"Ada"}"# + "\r\n\r\n"
            + #"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v1","revenue":4500}"# + "\n"
        try Data(text.utf8).write(to: file)
        let summary = try await ledger.importInterchange(contentsOf: file)
        #expect(summary.events == 2 && summary.clients == 1 && summary.positions == 1...2)
        #expect(try ledger.card(of: id("ada"))?.visits.count == 1)

        try Data((#"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v2","revenue":100}"# + "\n\n"
            + #"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v1","revenue":100}"#).utf8).write(to: file)
        let refused = await expectRefusal(ledger, .duplicateIdentifier) { try await ledger.importInterchange(contentsOf: file) }
        #expect(refused?.line == 3)
        await expectRefusal(ledger, .storage) { try await ledger.importInterchange(contentsOf: URL(fileURLWithPath: directory.path + "/missing.jsonl")) }
        await expectRefusal(ledger, .storage) { try await ledger.importInterchange(contentsOf: URL(fileURLWithPath: directory.path)) }
        #expect(try ledger.log.lastPosition() == 2)

        // Longer than one read (a mebibyte): lines that straddle the reads are read whole.
        let longID = String(repeating: "v", count: 50)
        let many = (0..<9_000).map { #"{"type":"CheckedOut","at":"2026-01-05T10:00:00Z","client":"ada","visit":"\#(longID)\#($0)","revenue":100}"# }
        try Data((many.joined(separator: "\r\n") + "\r\n").utf8).write(to: file)
        #expect(try Data(contentsOf: file).count > 1 << 20)
        let large = try await ledger.importInterchange(contentsOf: file)
        #expect(large.events == 9_000 && large.positions == 3...9_002)
        #expect(try ledger.card(of: id("ada"))?.visits.count == 9_001)
    }

    @Test("an import read in pieces of any size decodes the same events, and names the same line for a fault, from a file or from bytes", arguments: [1, 2, 3, 7, 64, 200, 1 << 20])
    func importInPieces(pieceSize: Int) async throws {
        let lines = ["\u{FEFF}" + #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"ada","name":"Ada Ünal"}"#, "", "  ",
                     #"{"type":"ClientRegistered","at":"2026-01-02T10:05:00Z","client":"ben","name":"Ben","referredBy":"ada"}"#]
            + (0..<40).map { #"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"\#($0 % 2 == 0 ? "ada" : "ben")","visit":"v\#($0)","revenue":\#(100 + $0)}"# }
        let text = lines.joined(separator: "\r\n") // no line feed after the last line
        for source in ["file", "bytes"] {
            let directory = ScratchDirectory()
            let ledger = try makeLedger(directory), refusing = try makeLedger(ScratchDirectory())
            func run(_ text: String, into ledger: SalonLedger) async throws(LedgerError) -> ImportSummary {
                if source == "file" {
                    let file = URL(fileURLWithPath: directory.path + "/events.jsonl")
                    do { try Data(text.utf8).write(to: file) } catch { throw LedgerError(.storage, "\(error)") }
                    return try await ledger.importing(.pieces(InterchangePieces(.file(file), pieceSize: pieceSize)), actor: "test")
                }
                return try await ledger.importing(.pieces(InterchangePieces(.memory(Array(text.utf8)), pieceSize: pieceSize)), actor: "test")
            }
            let summary = try await run(text, into: ledger)
            #expect(summary.events == 42 && summary.clients == 2 && summary.positions == 1...42, "\(source), pieces of \(pieceSize)")
            let ada = try #require(try ledger.card(of: id("ada")))
            #expect(ada.name == "Ada Ünal" && ada.visits.count == 20 && ada.visits.last?.revenue == 138)
            #expect(try ledger.history(of: id("ben")).first?.event == .clientRegistered(
                ClientRegistered(at: Timestamp(rfc3339: "2026-01-02T10:05:00Z")!, client: id("ben"), name: "Ben", referredBy: id("ada"))))

            // A fault on line 30 of 44 (the 26th visit repeats the first): nothing is recorded.
            var faulty = lines
            faulty[29] = #"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v0","revenue":1}"#
            let duplicate = await expectRefusal(refusing, .duplicateIdentifier) { _ = try await run(faulty.joined(separator: "\n"), into: refusing) }
            #expect(duplicate?.line == 30, "\(source), pieces of \(pieceSize)")
            faulty[29] = #"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v999","revenue":1,"tip":5}"#
            let unknown = await expectRefusal(refusing, .invalidField) { _ = try await run(faulty.joined(separator: "\n"), into: refusing) }
            #expect(unknown?.line == 30 && unknown?.field == "tip", "\(source), pieces of \(pieceSize)")
            #expect(try refusing.log.lastPosition() == 0)
        }
    }

    @Test("a file whose bytes change between the import's two reads records nothing")
    func importFileChanged() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let file = URL(fileURLWithPath: directory.path + "/events.jsonl")
        let first = #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"ada","name":"Ada"}"# + "\n"
            + #"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v1","revenue":4500}"# + "\n"
        try Data(first.utf8).write(to: file)
        // Same length, another amount: only the bytes tell.
        let changed = first.replacingOccurrences(of: "4500", with: "9900")
        let refused = await expectRefusal(ledger, .storage) {
            _ = try await ledger.importing(.pieces(InterchangePieces(.file(file))), actor: nil, betweenReads: {
                try? Data(changed.utf8).write(to: file)
            })
        }
        #expect(refused?.message.contains("changed") == true)
        // Cut short: the second read finds fewer bytes than the first.
        try Data(first.utf8).write(to: file)
        await expectRefusal(ledger, .storage) {
            _ = try await ledger.importing(.pieces(InterchangePieces(.file(file), pieceSize: 16)), actor: nil, betweenReads: {
                try? Data(first.utf8.prefix(40)).write(to: file)
            })
        }
        #expect(try ledger.log.lastPosition() == 0)
        #expect(try ledger.card(of: id("ada")) == nil)
        // Unchanged, it imports.
        try Data(first.utf8).write(to: file)
        #expect(try await ledger.importInterchange(contentsOf: file).events == 2)
    }

    @Test("a command recorded between an import's two reads makes it decide again: recorded after it, or refused by it")
    func importDecidesAgain() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.importInterchange(#"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"ada","name":"Ada"}"#)
        let visit = #"{"type":"CheckedOut","at":"2026-01-03T10:00:00Z","client":"ada","visit":"v2","revenue":4500}"#
        var reads = 0
        let summary = try await ledger.importing(.pieces(InterchangePieces(.memory(Array(visit.utf8)))), actor: nil, betweenReads: {
            reads += 1
            if reads == 1 { _ = try? await ledger.checkOut(self.ada, visit: id("v1"), revenue: 100, at: day("2026-01-03")) }
        })
        #expect(reads == 2 && summary.positions == 3...3)
        #expect(try ledger.card(of: ada)?.visits.map(\.visit) == [id("v1"), id("v2")])

        reads = 0
        let again = #"{"type":"CheckedOut","at":"2026-01-04T10:00:00Z","client":"ada","visit":"v3","revenue":4500}"#
        do {
            _ = try await ledger.importing(.pieces(InterchangePieces(.memory(Array(again.utf8)))), actor: nil, betweenReads: {
                reads += 1
                if reads == 1 { _ = try? await ledger.checkOut(self.ada, visit: id("v3"), revenue: 100, at: day("2026-01-04")) }
            })
            Issue.record("the import recorded a visit the command recorded first")
        } catch {
            // Decided again, the visit is the command's already: refused on its line, before a second read.
            #expect(error.code == .duplicateIdentifier && error.line == 1 && reads == 1)
        }
        #expect(try ledger.log.lastPosition() == 4)
    }

    @Test("a client erased between an import's two reads: the import decides again, and its refusal names the line")
    func importMeetsAnErasure() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.importInterchange(#"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"ada","name":"Ada"}"#)
        let note = #"{"type":"NoteAdded","at":"2026-01-03T10:00:00Z","client":"ada","note":"n1","text":"allergic to latex","alert":true}"#
        var reads = 0
        do {
            _ = try await ledger.importing(.pieces(InterchangePieces(.memory(Array(note.utf8)))), actor: nil, betweenReads: {
                reads += 1
                if reads == 1 { _ = try? await ledger.erase(self.ada, at: day("2026-01-03")) }
            })
            Issue.record("the import recorded a note about a client erased before it")
        } catch {
            // The erasure moved the client's stream: the append was refused, the import decided again.
            #expect(error.code == .clientErased && error.line == 1 && reads == 1, "\(error)")
        }
        #expect(try ledger.log.lastPosition() == 2)
        #expect(try ledger.card(of: ada)?.notes.isEmpty == true)
    }

    @Test("an import racing a command on the same client: exactly one of two redemptions of the whole balance is recorded, every time")
    func importRacesCommand() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada: ClientID = id("ada")
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, reward: .amountPerPoint(5)), at: day("2026-01-01"))
        try await ledger.registerClient(ada, name: "Ada", at: day("2026-01-01"))
        var imported = 0, commanded = 0
        for round in 0..<20 {
            try await ledger.adjustPoints(of: ada, by: 100, reason: "round \(round)", at: day("2026-01-02"))
            let redemption = LedgerEvent.discountRedeemed(DiscountRedeemed(at: day("2026-01-03"), client: ada, points: 100, discount: 500))
            async let viaImport: Bool = { () async throws -> Bool in
                do { try await ledger.importEvents([redemption]); return true } catch let error as LedgerError where error.code == .insufficientPoints { return false }
            }()
            async let viaCommand: Bool = { () async throws -> Bool in
                do { try await ledger.redeemPoints(ada, points: 100, at: day("2026-01-03")); return true } catch let error as LedgerError where error.code == .insufficientPoints { return false }
            }()
            let (first, second) = try await (viaImport, viaCommand)
            #expect(first != second, "round \(round): exactly one redemption wins")
            imported += first ? 1 : 0
            commanded += second ? 1 : 0
            #expect(try ledger.balance(ada) == 0)
        }
        #expect(imported + commanded == 20)
    }

    @Test("an import registers many clients with keys made together; one refused leaves them free to register")
    func importMakesKeysTogether() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        func registration(_ index: Int) -> String {
            #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"imp-\#(index)","name":"Client \#(index)"}"#
        }
        let refused = (0..<3).map(registration) + [#"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"imp-9","name":""}"#]
        await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange(refused.joined(separator: "\n")) }
        #expect(try ledger.card(of: id("imp-1")) == nil)
        let summary = try await ledger.importInterchange((0..<40).map(registration).joined(separator: "\n"))
        #expect(summary.events == 40 && summary.clients == 40)
        for index in [0, 1, 2, 39] {
            #expect(try ledger.card(of: id("imp-\(index)"))?.name == "Client \(index)")
        }
        let reopened = try makeLedger(directory)
        #expect(try reopened.card(of: id("imp-2"))?.name == "Client 2")
    }
}
