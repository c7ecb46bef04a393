import EventLog
import Testing
@testable import ClientLedger

/// The client cards' rebuild applies different clients' events on several threads
/// (``EventLog/Options/rebuildWorkers``); what it stores must be what the appends stored inline,
/// byte for byte: cards, query index, watermark and decision index.
@Suite("Rebuilds on several threads")
struct ParallelRebuildTests {
    /// Every key and value of the cards' active database.
    static func stored(_ ledger: SalonLedger) throws -> [[UInt8]: [UInt8]] {
        try ledger.log.readProjection(ClientCardProjection()) { state in
            var entries: [[UInt8]: [UInt8]] = [:]
            try state.forEach(prefix: []) { key, value in
                entries[Array(key)] = Array(value)
                return true
            }
            return entries
        }
    }

    @Test("property: on random histories, a rebuild by one, two or three workers, in steps of any number of clients, stores what the appends stored",
          arguments: [UInt64(41), 42])
    func workersStoreWhatAppendsStored(seed: UInt64) async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        let built = try makeLedger(directory)
        let end = try await QueryIndexTests.agendaHistory(built, seed: seed, commands: 400)
        try await DecisionIndexTests.pointsHistory(built, seed: seed, commands: 300, from: end)
        // The cards' rebuild is one that workers may split (else the workers below are one).
        // Asserted where it compiles: an `is` test of a static conformance is always true at run time.
        let _: any StreamPartitionedProjection = ClientCardProjection()
        let inline = try Self.stored(built)
        #expect(inline.count > 500, "the history gave the cards and indexes something to hold: \(inline.count) entries")
        // Closed, so that the next handle's options (its workers) are the path's.
        built.close()
        // Steps of 97 events (or fewer, once they hold 5 clients), written 3 clients' entries per
        // transaction, so that a rebuild takes many steps and pieces.
        for (workers, stepClients) in [(1, 250_000), (2, 250_000), (3, 250_000), (2, 5)] {
            let reopened = try SalonLedger(path: path, options: .init(durability: .nonDurable, rebuildBatchSize: 97, rebuildWriteLimit: 3,
                                                                      rebuildWorkers: workers, rebuildStepClients: stepClients))
            try reopened.rebuildProjections()
            let rebuilt = try Self.stored(reopened)
            #expect(rebuilt == inline, "\(workers) workers, steps of \(stepClients) clients: \(rebuilt.count) entries against \(inline.count)")
            reopened.close()
        }
    }

    @Test("a worker keeps the watermark up from other clients' events: an appointment they carried past leaves the upcoming list, as inline")
    func watermarkFromOtherClients() async throws {
        let directory = ScratchDirectory()
        let path = directory.path + "/ledger"
        let built = try makeLedger(directory)
        let ada: ClientID = id("ada"), ben: ClientID = id("ben")
        // Ada's and Ben's streams follow each other, so that two or three workers apply them apart.
        try await built.registerClient(ada, name: "Ada", at: day("2026-01-01"))
        try await built.registerClient(ben, name: "Ben", at: day("2026-01-01"))
        try await built.bookAppointment(id("a1"), for: ada, start: Timestamp(rfc3339: "2026-01-05T10:00:00Z")!, minutes: 30, service: "cut",
                                        at: day("2026-01-02"))
        // Ben's checkout carries the watermark past Ada's appointment; Ada's next event, dated
        // before it, lets the appointment go from her upcoming list.
        try await built.checkOut(ben, visit: id("v1"), revenue: 2_000, at: day("2026-01-06"))
        try await built.changeConsent(of: ada, .reminders, granted: true, at: Timestamp(rfc3339: "2026-01-02T13:00:00Z")!)
        // Enough events after them that the rebuild reads them in a step, not in its last write.
        for index in 0..<20 { try await built.changeConsent(of: ben, .marketing, granted: index % 2 == 0, at: day("2026-01-07")) }
        let inline = try Self.stored(built)
        built.close()
        for workers in [2, 3] {
            let reopened = try SalonLedger(path: path, options: .init(durability: .nonDurable, rebuildWriteLimit: 1, rebuildWorkers: workers))
            try reopened.rebuildProjections()
            #expect(try Self.stored(reopened) == inline, "\(workers) workers")
            reopened.close()
        }
    }
}
