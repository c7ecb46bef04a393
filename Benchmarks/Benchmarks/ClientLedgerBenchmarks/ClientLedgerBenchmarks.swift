// Projection speed targets (issue: projections), measured on a salon built through the public API:
//
// - Card.Query: one client card read from the projection and decrypted (name, e-mail, phone, notes).
//   Latency percentiles over many random clients.
// - Projections.Rebuild: a blue/green rebuild of the client cards from the first event. Scaling by
//   1,000 reports thousands of events per second when divided by the log's size (printed in setup).
//
// The salon is CLIENTLEDGER_BENCH_CLIENTS clients (default 20,000) with about ten events each:
// registration, consents, a note, checkouts with points, a subscription with uses, appointments
// with reminders.
import Benchmark
import ClientLedger
import EventLog
import Foundation

private final class Salon: @unchecked Sendable {
    var ledger: SalonLedger?
    var path = ""
    var clients: [ClientID] = []
    var events: UInt64 = 0

    func build() async throws {
        guard ledger == nil else { return }
        path = NSTemporaryDirectory() + "clientledger-bench-salon-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        let ledger = try SalonLedger(path: path, options: .init(durability: .nonDurable))
        let count = ProcessInfo.processInfo.environment["CLIENTLEDGER_BENCH_CLIENTS"].flatMap(Int.init) ?? 20_000
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(), at: Timestamp(rfc3339: "2025-01-01T00:00:00Z")!)
        let at = Timestamp(rfc3339: "2025-01-02T09:00:00Z")!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 8) {
                        let client = try ClientID("client-\(index)")
                        let day = at.adding(microseconds: Int64(index % 300) * 86_400_000_000)
                        try await ledger.registerClient(client, name: "Client Number \(index)", email: "c\(index)@example.org", phone: "+4930\(1_000_000 + index)", at: day)
                        try await ledger.changeConsent(of: client, .reminders, granted: true, source: "intake form", at: day)
                        try await ledger.addNote(to: client, note: try NoteID("n1"), text: "Prefers the window seat", alert: index % 7 == 0, at: day)
                        for visit in 0..<3 {
                            try await ledger.checkOut(client, visit: try VisitID("v\(visit)"), revenue: Int64(2_000 + visit * 1_500), at: day.adding(microseconds: Int64(visit + 1) * 3_600_000_000))
                        }
                        try await ledger.sellSubscription(to: client, subscription: try SubscriptionID("s1"), plan: "10 blow-dries", price: 25_000, allowance: .sessions(10), at: day)
                        try await ledger.useSubscription(try SubscriptionID("s1"), of: client, .sessions(1), at: day.adding(microseconds: 7_200_000_000))
                        try await ledger.bookAppointment(try AppointmentID("a1"), for: client, start: day.adding(microseconds: 30 * 86_400_000_000), minutes: 45, service: "cut", at: day)
                        try await ledger.scheduleReminder(for: try AppointmentID("a1"), of: client, channel: .sms, at: day)
                    }
                }
            }
            try await group.waitForAll()
        }
        clients = (0..<count).map { try! ClientID("client-\($0)") }
        events = try ledger.log.lastPosition()
        self.ledger = ledger
        print("salon: \(count) clients, \(events) events")
    }

    func close() {
        ledger = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}

private let salon = Salon()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], warmupIterations: 10)

    nonisolated(unsafe) var next = 0
    Benchmark("Card.Query",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 20_000,
                                   setup: { try await salon.build() })) { benchmark in
        guard let ledger = salon.ledger else { return }
        next = (next &+ 7_919) % salon.clients.count
        let card = try ledger.card(of: salon.clients[next])
        blackHole(card)
    }

    Benchmark("Projections.Rebuild",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3,
                                   setup: { try await salon.build() }, teardown: { salon.close() })) { benchmark in
        guard let ledger = salon.ledger else { return }
        try ledger.rebuildProjections()
    }
}
