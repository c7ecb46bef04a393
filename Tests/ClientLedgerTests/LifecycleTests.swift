import Foundation
import Testing
@testable import ClientLedger

/// A service closes its ledger (to reopen it with other options, or at shutdown) and gets a clear
/// refusal, not a crash, from anything that still calls it.
@Suite("Closing a ledger")
struct LifecycleTests {
    @Test("a closed ledger refuses commands and queries with closed, and reopens read-only")
    func closedLedger() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        let ledger = try SalonLedger(path: path, options: .init(durability: .nonDurable))
        let ada = try ClientID("ada")
        try await ledger.registerClient(ada, name: "Ada Lovelace")
        ledger.close()
        ledger.close()
        await expectRefusal(ledger, .closed) { try await ledger.registerClient(try ClientID("bea"), name: "Bea") }
        await expectRefusal(ledger, .closed) { try await ledger.checkOut(ada, visit: try VisitID("v1"), revenue: 100) }
        await expectRefusal(ledger, .closed) { try ledger.card(of: ada) }
        await expectRefusal(ledger, .closed) { try await ledger.clients() }
        await expectRefusal(ledger, .closed) { try await ledger.residualValue() }
        await expectRefusal(ledger, .closed) { try await ledger.reminderCoverage() }
        await expectRefusal(ledger, .closed) { try ledger.backup(to: directory.path + "/backup") }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/backup"))

        // Closed, the path is free for other options in this process: read-only here.
        let reader = try SalonLedger(path: path, options: .readOnly)
        #expect(try reader.card(of: ada)?.name == "Ada Lovelace")
    }
}
