import Foundation
import Testing
@testable import ClientLedger

/// A service follows the ledger from a checkpoint and gets decoded events, personal data opened.
@Suite("Change feed")
struct ChangeFeedTests {
    let ada: ClientID = id("ada")

    func collect(_ changes: LedgerChanges, count: Int) async throws -> [RecordedLedgerEvent] {
        var events: [RecordedLedgerEvent] = []
        for try await change in changes {
            events.append(change)
            if events.count == count { break }
        }
        return events
    }

    @Test("stored events first, then each new one as it commits, decoded and in order")
    func catchUpThenLive() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890", at: day("2026-01-02"))
        try await ledger.changeConsent(of: ada, .reminders, granted: true, at: day("2026-01-02"))
        let follower = Task { try await collect(ledger.changes(), count: 4) }
        try await ledger.bookAppointment(id("a1"), for: ada, start: day("2026-01-20"), minutes: 45, service: "cut", at: day("2026-01-03"))
        try await ledger.scheduleReminder(for: id("a1"), of: ada, channel: .sms, sendAt: day("2026-01-19"), at: day("2026-01-03"))
        let events = try await follower.value
        #expect(events.map(\.position) == [1, 2, 3, 4])
        guard case .clientRegistered(let registered) = events[0].event else { Issue.record("\(events[0])"); return }
        #expect(registered.name == "Ada Lovelace" && registered.phone == "+441234567890")
        guard case .reminderScheduled(let reminder) = events[3].event else { Issue.record("\(events[3])"); return }
        #expect(reminder.appointment == id("a1") && reminder.channel == .sms && reminder.sendAt == day("2026-01-19"))
        // What a command returned is what the feed hands out.
        let recorded = try await ledger.checkOut(ada, visit: id("v1"), revenue: 100, at: day("2026-01-20"))
        #expect(try await collect(ledger.changes(after: 4), count: recorded.count) == recorded)
    }

    @Test("resuming after a checkpoint starts with the next event; an erased client's events say so")
    func checkpointAndErasure() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada Lovelace", at: day("2026-01-02"))
        try await ledger.addNote(to: ada, note: id("n1"), text: "Allergic to latex", at: day("2026-01-02"))
        try await ledger.erase(ada, at: day("2026-01-03"))
        let events = try await collect(ledger.changes(after: 1), count: 2)
        #expect(events.map(\.position) == [2, 3])
        #expect(events[0].personalDataErased)
        guard case .noteAdded(let note) = events[0].event else { Issue.record("\(events[0])"); return }
        #expect(note.text.isEmpty)
        #expect(events[1].event.type == .clientErased)
    }

    @Test("a feed of a ledger that is closed ends with closed; a cancelled one ends quietly")
    func endings() async throws {
        let directory = ScratchDirectory()
        let ledger = try makeLedger(directory)
        try await ledger.registerClient(ada, name: "Ada Lovelace", at: day("2026-01-02"))
        let waiting = Task { try await collect(ledger.changes(after: 1), count: 1) }
        let cancelled = Task { try await collect(ledger.changes(after: 1), count: 1) }
        cancelled.cancel()
        #expect(try await cancelled.value.isEmpty)
        ledger.close()
        do {
            _ = try await waiting.value
            Issue.record("the feed went on after close")
        } catch let error as LedgerError {
            #expect(error.code == .closed)
        }
    }
}
