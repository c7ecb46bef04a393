import Foundation
import Testing
@testable import ClientLedger

/// Errors reach a service as it expects them: a typed ``LedgerError``, an `NSError` with a stable
/// domain and code, a localized description that says what was wrong, and one JSON shape.
@Suite("Errors for services")
struct ErrorBridgingTests {
    @Test("a refused command bridges to NSError with a stable domain, code and user info")
    func bridgesToNSError() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ghost = try ClientID("ghost")
        let refusal = try #require(await expectRefusal(ledger, .unknownClient) {
            try await ledger.checkOut(ghost, visit: try VisitID("v1"), revenue: 100)
        })
        let error = refusal as NSError
        #expect(error.domain == "ClientLedger.LedgerError")
        #expect(error.code == 16)
        #expect(error.userInfo["code"] as? String == "unknownClient")
        #expect(error.userInfo["client"] as? String == "ghost")
        #expect(error.localizedDescription == refusal.message)
        #expect((refusal as any Error).localizedDescription.contains("ghost"))
    }

    @Test("an engine failure under a ledger error is its underlying NSError")
    func underlyingError() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        ledger.close()
        let refusal = try #require(await expectRefusal(ledger, .closed) { try ledger.card(of: try ClientID("ada")) })
        let error = refusal as NSError
        #expect(error.code == LedgerError.Code.numbered.firstIndex(of: .closed).map { $0 + 1 })
        let underlying = try #require(error.userInfo[NSUnderlyingErrorKey] as? NSError)
        #expect(underlying.domain == "EventLog.EventLogError")
        #expect(underlying.userInfo["code"] as? String == "closed")
    }

    @Test("numbers are unique, and a code the caller made is 0")
    func numbering() {
        #expect(Set(LedgerError.Code.numbered).count == LedgerError.Code.numbered.count)
        #expect(Set(EventLogError.Code.numbered).count == EventLogError.Code.numbered.count)
        #expect((LedgerError(.init(rawValue: "mine"), "a caller's own") as NSError).code == 0)
    }

    @Test("an import error keeps its line in the description, and its JSON round-trips")
    func importErrorJSON() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let input = """
        {"type":"ClientRegistered","at":"2026-01-05T10:00:00Z","client":"ada","name":"Ada"}
        {"type":"ClientRegistered","at":"2026-01-05T10:00:00Z","client":"bea","nmae":"Bea"}
        """
        let refusal = try #require(await expectRefusal(ledger, .invalidField) { try await ledger.importInterchange(input) })
        #expect(refusal.line == 2)
        #expect(refusal.field == "nmae")
        #expect(refusal.localizedDescription.hasPrefix("line 2: "))
        let json = try JSONEncoder().encode(refusal)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["code"] as? String == "invalidField")
        #expect(object["line"] as? Int == 2)
        #expect(object["field"] as? String == "nmae")
        let decoded = try JSONDecoder().decode(LedgerError.self, from: json)
        #expect(decoded.code == refusal.code && decoded.message == refusal.message && decoded.line == 2 && decoded.field == "nmae")
    }

    @Test("a path that holds something else than a ledger is notALedger, and is left as it was")
    func notALedger() async throws {
        let directory = ScratchDirectory()
        let file = directory.path + "/notes.txt"
        try Data("shopping list".utf8).write(to: URL(fileURLWithPath: file))
        for options in [SalonLedger.Options(durability: .nonDurable), .readOnly] {
            do {
                _ = try SalonLedger(path: file, options: options)
                Issue.record("opened a text file as a ledger")
            } catch {
                #expect(error.code == .notALedger, "\(error)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data("shopping list".utf8))
        }
    }
}
