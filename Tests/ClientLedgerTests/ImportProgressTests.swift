import EventLog
import Synchronization
import Testing
@testable import ClientLedger

/// An import tells how far it is: through its first read (checking), then its second (recording),
/// every 10,000 events and at the end of each.
@Suite("Import progress")
struct ImportProgressTests {
    @Test("progress counts up through checking, then recording, and ends at the import's events")
    func progress() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        let ada = try ClientID("ada")
        var events: [LedgerEvent] = [.clientRegistered(ClientRegistered(at: day("2026-01-01"), client: ada, name: "Ada"))]
        for index in 1..<25_000 {
            events.append(.noteAdded(NoteAdded(at: day("2026-01-01"), client: ada, note: id("n\(index)"), text: "note \(index)", alert: false)))
        }
        let seen = Mutex<[ImportProgress]>([])
        let summary = try await ledger.importEvents(events) { step in seen.withLock { $0.append(step) } }
        #expect(summary.events == 25_000)
        let steps = seen.withLock { $0 }
        #expect(steps.map(\.phase) == [.checking, .checking, .checking, .recording, .recording, .recording])
        #expect(steps.map(\.events) == [10_000, 20_000, 25_000, 10_000, 20_000, 25_000])
        #expect(steps.last?.total == 25_000)
        #expect(steps.first?.total == nil)
    }
}
