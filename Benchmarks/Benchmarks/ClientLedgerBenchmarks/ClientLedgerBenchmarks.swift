// Projection speed targets (issue: projections), measured on a salon built through the public API:
//
// - Card.Query: one client card read from the projection and decrypted (name, e-mail, phone, notes).
//   Latency percentiles over up to a million queries spread over all clients (80,000 clients: each
//   card read about a dozen times): what a service that has been answering for a while sees.
// - Card.Query.FirstRead: the same query, each client's card read for the first time since the
//   salon was built (20,000 clients). Such a read first maps the card's page into the process (a
//   minor page fault: LMDB writes its pages with pwrite, so a page written is not yet mapped).
// - Projections.Rebuild: a blue/green rebuild of the client cards from the first event. Scaling by
//   1,000 reports thousands of events per second when divided by the log's size (printed in setup).
//
// - Projections.Rebuild.Large (only with CLIENTLEDGER_BENCH_LARGE_CLIENTS=1000000): the same rebuild
//   over ten events per client, spread over the whole log, for the 10-million-event peak resident
//   memory target; CLIENTLEDGER_BENCH_REBUILD_WORKERS sets how many threads apply each step,
//   CLIENTLEDGER_BENCH_REBUILD_STEP_CLIENTS how many clients a step may hold.
//
// The salon is CLIENTLEDGER_BENCH_CLIENTS clients (default 20,000) with about ten events each:
// registration, consents, a note, checkouts with points, a subscription with uses, appointments
// with reminders.
import Benchmark
import ClientLedger
import EventLog
import Foundation

/// One client's history, through the commands: registration, consent, a note, three checkouts with
/// points, a subscription and one use, an appointment with its reminder (13 events).
private func recordHistory(of client: ClientID, number: Int, in ledger: SalonLedger, on day: Timestamp) async throws {
    try await ledger.registerClient(client, name: "Client Number \(number)", email: "c\(number)@example.org", phone: "+4930\(1_000_000 + number)", at: day)
    try await ledger.changeConsent(of: client, .reminders, granted: true, source: "intake form", at: day)
    try await ledger.addNote(to: client, note: try NoteID("n1"), text: "Prefers the window seat", alert: number % 7 == 0, at: day)
    for visit in 0..<3 {
        try await ledger.checkOut(client, visit: try VisitID("v\(visit)"), revenue: Int64(2_000 + visit * 1_500), at: day.adding(microseconds: Int64(visit + 1) * 3_600_000_000))
    }
    try await ledger.sellSubscription(to: client, subscription: try SubscriptionID("s1"), plan: "10 blow-dries", price: 25_000, allowance: .sessions(10), at: day)
    try await ledger.useSubscription(try SubscriptionID("s1"), of: client, .sessions(1), at: day.adding(microseconds: 7_200_000_000))
    try await ledger.bookAppointment(try AppointmentID("a1"), for: client, start: day.adding(microseconds: 30 * 86_400_000_000), minutes: 45, service: "cut", at: day)
    try await ledger.scheduleReminder(for: try AppointmentID("a1"), of: client, channel: .sms, at: day)
}

/// A salon ledger that lives from a benchmark's setup to its teardown, in a fresh directory.
private class BenchSalon: @unchecked Sendable {
    var ledger: SalonLedger?
    var path = ""
    var events: UInt64 = 0

    /// A new, empty ledger in a fresh directory named after `name`, with the salon's loyalty
    /// programme recorded.
    func startLedger(_ name: String) async throws -> SalonLedger {
        path = NSTemporaryDirectory() + "clientledger-bench-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        let ledger = try SalonLedger(path: path, options: .init(durability: .nonDurable))
        try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(), at: Timestamp(rfc3339: "2025-01-01T00:00:00Z")!)
        return ledger
    }

    /// Keeps `ledger` for the benchmark and prints the log's size.
    func finish(_ ledger: SalonLedger, clients: Int) throws {
        events = try ledger.log.lastPosition()
        self.ledger = ledger
        print("\(path): \(clients) clients, \(events) events")
    }

    func close() {
        ledger = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}

private final class Salon: BenchSalon, @unchecked Sendable {
    var clients: [ClientID] = []

    func build() async throws {
        guard ledger == nil else { return }
        let ledger = try await startLedger("salon")
        let count = ProcessInfo.processInfo.environment["CLIENTLEDGER_BENCH_CLIENTS"].flatMap(Int.init) ?? 20_000
        let at = Timestamp(rfc3339: "2025-01-02T09:00:00Z")!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 8) {
                        let day = at.adding(microseconds: Int64(index % 300) * 86_400_000_000)
                        try await recordHistory(of: try ClientID("client-\(index)"), number: index, in: ledger, on: day)
                    }
                }
            }
            try await group.waitForAll()
        }
        clients = (0..<count).map { try! ClientID("client-\($0)") }
        try finish(ledger, clients: count)
    }
}

private let salon = Salon()

/// A log of CLIENTLEDGER_BENCH_LARGE_CLIENTS clients (for issue 4's memory target: 1,000,000) with ten
/// events each. Building a million clients through the commands would cost a key-file sync per client,
/// so one client is recorded through the commands and its first ten events (registration, consent,
/// note, checkouts with points, a subscription) are copied to every other client's stream in
/// transactions of 10,000 clients, in the order that is hardest on a rebuild (see `build()`). The
/// payloads are valid; only the names and e-mails repeat.
private final class LargeSalon: BenchSalon, @unchecked Sendable {
    static var clients: Int? { ProcessInfo.processInfo.environment["CLIENTLEDGER_BENCH_LARGE_CLIENTS"].flatMap(Int.init) }

    func build() async throws {
        guard ledger == nil, let count = Self.clients else { return }
        do {
            let ledger = try await startLedger("large")
            let template = try ClientID("template")
            try await recordHistory(of: template, number: 7, in: ledger, on: Timestamp(rfc3339: "2025-01-02T09:00:00Z")!)
            let events = try ledger.log.read { try $0.events(inStream: SalonLedger.stream(of: template)) }.prefix(10)
            var random = SystemRandomNumberGenerator()
            // Every client's first event, then every client's second, …: each client's events lie
            // spread over the whole log, so each rebuild batch updates cards all over the table.
            for (version, event) in events.enumerated() {
                for first in stride(from: 0, to: count, by: 10_000) {
                    try ledger.log.write { writer in
                        for index in first..<min(count, first + 10_000) {
                            let copy = NewEvent(id: EventID(random: &random), type: event.type, metadata: event.metadata, payload: Array(event.payload))
                            try writer.append([copy], to: SalonLedger.clientStreamPrefix + "large-\(index)", expecting: .exactly(UInt64(version)))
                        }
                    }
                }
            }
        }
        // Reopened, so that the pages the build mapped are not counted against the rebuild; with
        // CLIENTLEDGER_BENCH_REBUILD_WORKERS workers applying each step (default: one per core), and
        // steps of at most CLIENTLEDGER_BENCH_REBUILD_STEP_CLIENTS clients (default 125,000).
        var options = SalonLedger.Options(durability: .nonDurable)
        let environment = ProcessInfo.processInfo.environment
        if let workers = environment["CLIENTLEDGER_BENCH_REBUILD_WORKERS"].flatMap(Int.init) { options.rebuildWorkers = workers }
        if let clients = environment["CLIENTLEDGER_BENCH_REBUILD_STEP_CLIENTS"].flatMap(Int.init) { options.rebuildStepClients = clients }
        try finish(try SalonLedger(path: path, options: options), clients: count)
    }
}

private let largeSalon = LargeSalon()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], warmupIterations: 10)

    // Wall clock only: sampling resident memory reads /proc from a second thread every 5 ms, which
    // on two cores lands inside microsecond-long queries (it moved this p90 from 26 to 39 µs).
    /// Reads the card of the client 7,919 clients (a prime step) after the last one read.
    func readNextCard(_ last: inout Int) throws {
        guard let ledger = salon.ledger else { return }
        last = (last &+ 7_919) % salon.clients.count
        blackHole(try ledger.card(of: salon.clients[last]))
    }

    nonisolated(unsafe) var next = 0
    Benchmark("Card.Query",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 1_000_000,
                                   setup: { try await salon.build() })) { _ in try readNextCard(&next) }

    nonisolated(unsafe) var first = 0
    Benchmark("Card.Query.FirstRead",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 20_000,
                                   setup: { try await salon.build() })) { _ in try readNextCard(&first) }

    Benchmark("Projections.Rebuild",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3,
                                   setup: { try await salon.build() }, teardown: { salon.close() })) { benchmark in
        guard let ledger = salon.ledger else { return }
        try ledger.rebuildProjections()
    }

    demoBenchmarks()

    // Only when CLIENTLEDGER_BENCH_LARGE_CLIENTS is set: building the log takes about two minutes.
    if LargeSalon.clients != nil {
        Benchmark("Projections.Rebuild.Large",
                  configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 1,
                                       setup: { try await largeSalon.build() }, teardown: { largeSalon.close() })) { benchmark in
            guard let ledger = largeSalon.ledger else { return }
            try ledger.rebuildProjections()
        }
    }
}
