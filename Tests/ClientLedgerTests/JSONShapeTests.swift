import Foundation
import Testing
@testable import ClientLedger

/// Every result a service receives is `Codable`, in the one JSON shape that `ledger --json` prints
/// and `shared/interchange.md` names, and reads back equal to what was encoded.
@Suite("One JSON shape")
struct JSONShapeTests {
    let ada: ClientID = id("ada"), ben: ClientID = id("ben")

    /// A salon whose card, reports and events use every part of the shape.
    func salon() async throws -> (SalonLedger, ScratchDirectory) {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 10), at: day("2025-09-01"))
        try await ledger.registerClient(ada, name: "Ada Lovelace", email: "ada@example.org", phone: "+441234567890",
                                        birthDate: try CalendarDate("1815-12-10"), at: day("2025-10-01"))
        try await ledger.registerClient(ben, name: "Ben Müller", referredBy: ada, at: day("2025-10-02"))
        try await ledger.changeConsent(of: ada, .reminders, granted: true, source: "intake form", at: day("2025-10-01"))
        try await ledger.changeConsent(of: ada, .visitNudges, granted: true, at: day("2025-10-01"))
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", alert: true, at: day("2025-10-01"))
        try await ledger.addNote(to: ada, note: id("n2"), text: "Prefers mornings \"early\"", at: day("2025-10-01"))
        try await ledger.recordIntake(of: ada, form: id("f1"), answers: ["Scalp": "sensitive", "Colour last 6 months": "no"], at: day("2025-10-01"))
        try await ledger.attachDocument(to: ada, document: id("d1"), name: "consent.pdf", mediaType: "application/pdf",
                                        sha256: String(repeating: "ab", count: 32), bytes: 48_213, at: day("2025-10-01"))
        try await ledger.checkOut(ada, visit: id("v1"), revenue: 4_550, at: day("2025-10-05"))
        try await ledger.adjustPoints(of: ada, by: -5, reason: "double-counted", at: day("2025-10-06"))
        try await ledger.sellSubscription(to: ada, subscription: id("s1"), plan: "10 cuts", price: 25_000, allowance: .sessions(10),
                                          validUntil: day("2026-12-31"), at: day("2025-11-01"))
        try await ledger.useSubscription(id("s1"), of: ada, .sessions(3), at: day("2025-12-01"))
        try await ledger.sellSubscription(to: ben, subscription: id("s2"), plan: "credit", price: 18_000, allowance: .credit(20_000), at: day("2026-01-10"))
        try await ledger.bookAppointment(id("a1"), for: ada, start: day("2026-01-20"), minutes: 45, service: "cut", at: day("2026-01-10"))
        try await ledger.bookAppointment(id("a2"), for: ben, start: day("2026-01-21"), minutes: 30, service: "trim", at: day("2026-01-10"))
        try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .sms, at: day("2026-01-10"))
        return (ledger, directory)
    }

    func roundTrip<T: Codable>(_ value: T) throws -> (T, [String: Any]) {
        let data = try JSONEncoder().encode(value)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try JSONDecoder().decode(T.self, from: data), object)
    }

    @Test("a client card has the contract's keys, null where absent, and reads back equal")
    func card() async throws {
        let (ledger, _) = try await salon()
        let card = try #require(try ledger.card(of: ada, now: day("2026-01-15")))
        let (decoded, object) = try roundTrip(card)
        #expect(decoded == card)
        for key in ["client", "name", "archived", "erased", "consents", "points", "lastVisit", "nextAppointment", "alerts", "subscriptions"] {
            #expect(object.keys.contains(key), "missing \(key)")
        }
        #expect(object["consents"] as? [String: Bool] == ["reminders": true, "marketing": false, "visitNudges": true])
        #expect(object["alerts"] as? [String] == ["Allergic to latex"])
        #expect(object["nextAppointment"] as? String == "2026-01-20T12:00:00Z")
        #expect(object["referredBy"] is NSNull)
        let subscription = try #require((object["subscriptions"] as? [[String: Any]])?.first)
        #expect(subscription["residualValue"] as? Int == 17_500)
        #expect(subscription["usedAt"] as? [String] == ["2025-12-01T12:00:00Z"])
        for key in ["subscription", "plan", "kind", "remaining", "residualValue", "status", "purchasedAt", "usedAt"] {
            #expect(subscription.keys.contains(key), "missing subscription key \(key)")
        }

        // A card without a next appointment, visit or name still has those keys, as null.
        try await ledger.erase(ben, at: day("2026-01-16"))
        let erased = try #require(try ledger.card(of: ben, now: day("2026-02-01")))
        let (decodedErased, erasedObject) = try roundTrip(erased)
        #expect(decodedErased == erased)
        #expect(erasedObject["name"] is NSNull && erasedObject["lastVisit"] is NSNull && erasedObject["nextAppointment"] is NSNull)
    }

    @Test("residual value, roll-forward, audit, coverage, nudges and the client list read back equal")
    func reports() async throws {
        let (ledger, _) = try await salon()
        let residual = try await ledger.residualValue(asOf: day("2026-01-15"))
        let (decodedResidual, residualObject) = try roundTrip(residual)
        #expect(decodedResidual == residual)
        #expect(residualObject["perClient"] as? [String: Int] == ["ada": 17_500, "ben": 18_000])
        #expect((residualObject["subscriptions"] as? [[String: Any]])?.map { $0["client"] as? String } == ["ada", "ben"])

        let rollForward = try await ledger.rollForward(from: day("2025-12-31"), to: day("2026-12-31"))
        #expect(try roundTrip(rollForward).0 == rollForward)

        let audit = try await ledger.audit(from: day("2025-01-01"), to: day("2026-12-31"))
        let (decodedAudit, auditObject) = try roundTrip(audit)
        #expect(decodedAudit.rollForward == audit.rollForward && decodedAudit.verification == audit.verification)
        #expect(decodedAudit.pointsOutstanding == audit.pointsOutstanding && decodedAudit.events == audit.events)
        for key in ["from", "to", "opening", "sold", "used", "expired", "refunded", "closing", "refundedCash", "pointsOutstanding",
                    "discountsGranted", "events", "headHash", "verified"] {
            #expect(auditObject.keys.contains(key), "missing audit key \(key)")
        }
        #expect(auditObject["headHash"] as? String == audit.verification.head?.description)

        let coverage = try await ledger.reminderCoverage(now: day("2026-01-19"))
        let (decodedCoverage, coverageObject) = try roundTrip(coverage)
        #expect(decodedCoverage == coverage)
        #expect((coverageObject["next"] as? [String: Int]) == ["appointments": 2, "covered": 1, "missing": 0, "noConsent": 1])

        let nudges = try await ledger.visitNudgesDue(now: day("2026-06-01"))
        #expect(nudges.map(\.client) == [ada])
        #expect(try JSONDecoder().decode([DueNudge].self, from: JSONEncoder().encode(nudges)) == nudges)

        let clients = try await ledger.clients()
        #expect(try JSONDecoder().decode([ClientSummary].self, from: JSONEncoder().encode(clients)) == clients)

        let verification = try ledger.log.verify(anchors: [try #require(try ledger.log.headHash())])
        let (decodedVerification, verificationObject) = try roundTrip(verification)
        #expect(decodedVerification == verification)
        #expect(verificationObject["verified"] as? Bool == true)
    }

    @Test("every event type is its interchange object, and a recorded event reads back equal")
    func events() async throws {
        for event in try sampleEvents() {
            let data = try JSONEncoder().encode(event)
            #expect(try JSONDecoder().decode(LedgerEvent.self, from: data) == event)
            // The same object as the line `ledger export` writes.
            let line = InterchangeCodec.encode(event)
            let fromLine = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
            #expect(try JSONSerialization.jsonObject(with: data) as? NSDictionary == fromLine, "\(line)")
        }
        let (ledger, _) = try await salon()
        let recorded = try await ledger.checkOut(ada, visit: id("v9"), revenue: 1_000, at: day("2026-01-20"))
        #expect(try JSONDecoder().decode([RecordedLedgerEvent].self, from: JSONEncoder().encode(recorded)) == recorded)
    }

    @Test("decoding is as strict as the import: a typo or a bad id names the field")
    func strictDecoding() throws {
        let typo = Data(#"{"type":"CheckedOut","at":"2026-01-05T10:00:00Z","client":"ada","visit":"v1","revenu":100}"#.utf8)
        do {
            _ = try JSONDecoder().decode(LedgerEvent.self, from: typo)
            Issue.record("decoded an event with an unknown field")
        } catch let DecodingError.dataCorrupted(context) {
            #expect((context.underlyingError as? LedgerError)?.field == "revenu")
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ClientID.self, from: Data(#""""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Timestamp.self, from: Data(#""yesterday""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HeadHash.self, from: Data(#""5:abc""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CalendarDate.self, from: Data(#""2026-02-30""#.utf8)) }
    }

    @Test("the points liability writes null for a point value no programme fixes, never leaves the key out")
    func pointsLiabilityNulls() async throws {
        let (ledger, _) = try await salon()
        // No programme yet at the opening (the salon's starts on 2025-09-01).
        let liability = try await ledger.pointsLiability(from: day("2025-01-01"), to: day("2026-12-31"))
        #expect(liability.pointValueAtOpening == nil)
        let (decoded, object) = try roundTrip(liability)
        #expect(decoded == liability)
        #expect(object["pointValueAtOpening"] is NSNull, "\(String(describing: object["pointValueAtOpening"]))")
        #expect(object["pointValueAtClosing"] as? Int == liability.pointValueAtClosing.map(Int.init))
    }
}
