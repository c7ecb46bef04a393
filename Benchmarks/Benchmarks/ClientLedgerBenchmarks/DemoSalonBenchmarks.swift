// Costs that follow the answer, measured on a realistic salon: the `ledger demo` history
// (SalonDemo) of CLIENTLEDGER_BENCH_DEMO_CLIENTS clients over CLIENTLEDGER_BENCH_DEMO_YEARS years
// (default 50,000 over three: 2.6 million events in time order, each client's events spread among
// everyone else's; 1,000,000 over one is about 17 million).
//
// - Demo.Card: one client card, clients in a prime stride.
// - Demo.Coverage, Demo.Residual, Demo.Nudges: the daily queries as of a day after the history's end
//   (the query index answers: they read their 14 days of appointments, the open subscriptions, the
//   clients who may be due). Demo.Coverage.AsOfLastWeek asks a week before the end, where every
//   card is read.
// - Demo.Search: a client searched by a surname prefix (the in-memory index; built in setup).
// - Demo.Checkout.200 and Demo.Checkout.50000: a checkout (with its points) for a client with 200
//   and with 50,000 events: what a command costs on a long history.
// - Demo.Card.DuringCoverage: card reads while another task asks for the coverage over and over.
// - Demo.Checkout.DuringRebuild: checkouts while another task rebuilds the projections over and over
//   (.OneWrite: with each rebuild step's writes in one transaction).
// - Demo.Raw.Get and Demo.Raw.Put3: the same run's raw-LMDB floor under a card read (one mdb_get of
//   a 512-byte value among as many keys as the salon has clients) and under a checkout (one write
//   transaction of three 512-byte puts, without sync as the benchmark's ledger). Demo.Raw.Rebuild
//   and Demo.Raw.Import: the floors under Demo.Rebuild (every record read once, every entry of the
//   rebuilt projection written once, in key order, in transactions of 4,096 puts) and Demo.Import
//   (every record, stream and projection entry written in one durable transaction).
// - Demo.Rebuild: the client cards and their indexes rebuilt from the whole time-ordered log
//   (reports events/s; .OneWorker: each step's events applied on one thread), Demo.Export:
//   every event written out as interchange lines (the UTF-8
//   chunks a service streams to a file), and Demo.Import: that export imported into an empty
//   ledger from its file (events/s and peak resident memory).
//
// Every latency benchmark reports wall clock percentiles (p50 … p99).
//
// package-benchmark runs each benchmark in a process of its own: the salon is built once (about
// three minutes at 50,000 clients, sixteen at a million over one year) into
// $TMPDIR/clientledger-bench-demo-<clients>-<seed>[-<years>y] and reopened by the others, and by
// later runs. Delete that directory to build it again.
import Benchmark
import ClientLedger
import EventLog
import Foundation
import ReferenceWorkloads
import SalonDemo
import Synchronization

/// A flag one task raises for another to stop.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var raised: Bool { value.load(ordering: .relaxed) }
    func raise() { value.store(true, ordering: .relaxed) }
}

/// The demo salon, built once per process, plus two clients with long histories.
private final class DemoBench: @unchecked Sendable {
    var ledger: SalonLedger?
    var path = ""
    /// Where the history ends.
    var now = Timestamp(microsecondsSinceEpoch: 0)
    /// When the queries ask: a day after the history's end, after every checkout the checkout
    /// benchmarks record (dated in that day), so that the query index answers, as it does for a
    /// query as of now.
    var asked: Timestamp { now.adding(microseconds: 86_400_000_000) }
    var clients: [ClientID] = []
    var surnames: [String] = []
    let long200 = try! ClientID("long-200")
    let long50k = try! ClientID("long-50000")
    var visit = 0
    /// After the latest checkout of the long histories: the benchmark's checkouts come after it,
    /// in time order, as a salon's do.
    var checkoutClock = Timestamp(microsecondsSinceEpoch: 0)

    static var size: Int { ProcessInfo.processInfo.environment["CLIENTLEDGER_BENCH_DEMO_CLIENTS"].flatMap(Int.init) ?? 50_000 }
    /// How many years of history (CLIENTLEDGER_BENCH_DEMO_YEARS, default 3): a salon of a million
    /// clients over one year is about 17 million events.
    static var years: Int { ProcessInfo.processInfo.environment["CLIENTLEDGER_BENCH_DEMO_YEARS"].flatMap(Int.init) ?? 3 }
    /// The salon's directory name: clients, seed, and years when they are not the default three.
    static var name: String { "clientledger-bench-demo-\(size)-\(seed)" + (years == 3 ? "" : "-\(years)y") }

    static let seed: UInt64 = 2026

    /// Builds (or reopens) the salon. Only the search benchmark reads every card (for surnames,
    /// and to build the in-memory search index before it measures): at a million clients that
    /// reading is minutes on a cold file, which the others need not wait for.
    /// `rebuildWriteLimit`, `rebuildWorkers`: the ledger's ``SalonLedger/Options/rebuildWriteLimit``
    /// and ``SalonLedger/Options/rebuildWorkers`` (`nil`: the default).
    func build(searching: Bool = false, rebuildWriteLimit: Int? = nil, rebuildWorkers: Int? = nil) async throws {
        if let ledger {
            if searching, surnames.isEmpty { try await prepareSearch(ledger) }
            return
        }
        let pristine = NSTemporaryDirectory() + Self.name
        now = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let complete = pristine + "/benchmark-salon-complete"
        if !FileManager.default.fileExists(atPath: complete) {
            try? FileManager.default.removeItem(atPath: pristine)
            path = pristine
            try await record(SalonLedger(path: pristine, options: .init(durability: .nonDurable)))
            _ = FileManager.default.createFile(atPath: complete, contents: Data())
        }
        // Every benchmark works on a fresh copy: the checkouts and rebuilds of earlier runs would
        // otherwise pile up in the salon (its 200-event client had a million events after a day of
        // runs, and a rebuild wrote that card for seconds).
        path = pristine + "-run"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: pristine, toPath: path)
        var options = SalonLedger.Options(durability: .nonDurable)
        if let rebuildWriteLimit { options.rebuildWriteLimit = rebuildWriteLimit }
        if let rebuildWorkers { options.rebuildWorkers = rebuildWorkers }
        let ledger = try SalonLedger(path: path, options: options)
        // The demo's ids: c1 … cN.
        clients = try (1...Self.size).map { try ClientID("c\($0)") }
        if searching { try await prepareSearch(ledger) }
        checkoutClock = try [long200, long50k].compactMap { try ledger.card(of: $0, now: now)?.lastVisit }.max() ?? now
        checkoutClock = max(checkoutClock, now)
        self.ledger = ledger
        print("\(path): \(Self.size) demo clients over \(Self.years) years, \(try ledger.log.lastPosition()) events, history ends \(now)")
    }

    private func prepareSearch(_ ledger: SalonLedger) async throws {
        surnames = try await ledger.clients().compactMap { $0.name?.split(separator: " ").last.map { String($0.prefix(4)) } }
        _ = try await ledger.clients(search: "warm up the index")
    }

    /// The interchange export of the salon, beside it.
    var exportPath: String { NSTemporaryDirectory() + Self.name + ".jsonl" }

    /// Writes ``exportPath`` if it is not there yet (building the salon for it, then closing it).
    func writeExport() async throws {
        guard !FileManager.default.fileExists(atPath: exportPath) else { return }
        try await build()
        guard let ledger else { return }
        let partial = exportPath + ".partial"
        _ = FileManager.default.createFile(atPath: partial, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        try ledger.exportInterchangeUTF8 { try output.write(contentsOf: $0) }
        try output.close()
        try FileManager.default.moveItem(atPath: partial, toPath: exportPath)
        ledger.close()
        self.ledger = nil
    }

    /// Records the demo history and the two long ones.
    private func record(_ ledger: SalonLedger) async throws {
        var salon = DemoSalon(clients: Self.size, seed: Self.seed, years: Self.years, now: now)
        let events = salon.generate()
        // In parts: the generated events are in memory already; one part is one transaction.
        for first in stride(from: 0, to: events.count, by: 100_000) {
            try await ledger.importEvents(Array(events[first..<min(events.count, first + 100_000)]), actor: "benchmark")
        }
        // Two long histories: checkouts with their points, a few hours apart, ending before `now`.
        for (client, count) in [(long200, 200), (long50k, 50_000)] {
            let start = now.adding(microseconds: -Int64(count) * 3_600_000_000)
            var history: [LedgerEvent] = [.clientRegistered(ClientRegistered(at: start, client: client, name: "Long History"))]
            for index in 0..<(count - 1) / 2 {
                let at = start.adding(microseconds: Int64(index + 1) * 3_600_000_000)
                let visit = try VisitID("h\(index)")
                history.append(.checkedOut(CheckedOut(at: at, client: client, visit: visit, revenue: 3_000)))
                history.append(.pointsAccrued(PointsAccrued(at: at, client: client, points: 30, reason: .revenue, visit: visit)))
            }
            for first in stride(from: 0, to: history.count, by: 20_000) {
                try await ledger.importEvents(Array(history[first..<min(history.count, first + 20_000)]), actor: "benchmark")
            }
        }
        try ledger.log.flush()
        ledger.close()
    }
}

private let demo = DemoBench()

/// The seconds since `start`, for the long passes' events per second.
private func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let demoBenchmarks: @Sendable () -> Void = {
    func latency(_ maxIterations: Int, seconds: Int = 10, searching: Bool = false) -> Benchmark.Configuration {
        .init(metrics: [.wallClock], maxDuration: .seconds(seconds), maxIterations: maxIterations, setup: { try await demo.build(searching: searching) })
    }

    nonisolated(unsafe) var card = 0
    Benchmark("Demo.Card", configuration: latency(200_000)) { _ in
        guard let ledger = demo.ledger else { return }
        card = (card &+ 7_919) % demo.clients.count
        blackHole(try ledger.card(of: demo.clients[card], now: demo.now))
    }

    Benchmark("Demo.Coverage", configuration: latency(5_000)) { _ in
        blackHole(try await demo.ledger?.reminderCoverage(now: demo.asked))
    }

    Benchmark("Demo.Coverage.AsOfLastWeek", configuration: latency(50)) { _ in
        blackHole(try await demo.ledger?.reminderCoverage(now: demo.asked.adding(microseconds: -8 * 86_400_000_000)))
    }

    Benchmark("Demo.Residual", configuration: latency(2_000)) { _ in
        blackHole(try await demo.ledger?.residualValue(asOf: demo.asked))
    }

    Benchmark("Demo.Nudges", configuration: latency(2_000)) { _ in
        blackHole(try await demo.ledger?.visitNudgesDue(now: demo.asked))
    }

    nonisolated(unsafe) var searched = 0
    Benchmark("Demo.Search", configuration: latency(20_000, searching: true)) { _ in
        guard let ledger = demo.ledger, !demo.surnames.isEmpty else { return }
        searched = (searched &+ 7_919) % demo.surnames.count
        blackHole(try await ledger.clients(search: demo.surnames[searched]))
    }

    for (name, client) in [("Demo.Checkout.200", demo.long200), ("Demo.Checkout.50000", demo.long50k)] {
        Benchmark(name, configuration: latency(2_000)) { _ in
            guard let ledger = demo.ledger else { return }
            demo.visit += 1
            blackHole(try await ledger.checkOut(client, visit: try VisitID("bench-\(getpid())-\(demo.visit)"), revenue: 2_500,
                                                at: demo.checkoutClock.adding(microseconds: Int64(demo.visit))))
        }
    }

    // Checkouts as Demo.Checkout.200 while another task rebuilds the projections over and over: how
    // long a command waits for a rebuild's writes. ".OneWrite": each rebuild step written in one
    // transaction (rebuildWriteLimit Int.max), as before steps were written in pieces. For 75 s,
    // so that the checkouts span whole rebuilds (about 27 s each), their starts and switches.
    for (name, limit) in [("Demo.Checkout.DuringRebuild", nil as Int?), ("Demo.Checkout.DuringRebuild.OneWrite", Int.max)] {
        let stop = StopFlag()
        let stopped = DispatchSemaphore(value: 0)
        Benchmark(name, configuration: .init(metrics: [.wallClock], maxDuration: .seconds(75), maxIterations: 1_000_000,
                                             setup: {
                                                 try await demo.build(rebuildWriteLimit: limit)
                                                 // A thread of its own: a rebuild blocks its thread, which must not be
                                                 // one of the few that run the benchmark's tasks.
                                                 Thread.detachNewThread {
                                                     while !stop.raised {
                                                         try? demo.ledger?.rebuildProjections { _ in
                                                             if stop.raised { throw CancellationError() }
                                                         }
                                                     }
                                                     stopped.signal()
                                                 }
                                             }, teardown: {
                                                 stop.raise()
                                                 stopped.wait()
                                             })) { _ in
            guard let ledger = demo.ledger else { return }
            demo.visit += 1
            blackHole(try await ledger.checkOut(demo.long200, visit: try VisitID("bench-\(getpid())-\(demo.visit)"), revenue: 2_500,
                                                at: demo.checkoutClock.adding(microseconds: Int64(demo.visit))))
        }
    }

    // The raw-LMDB floor, in a directory of its own, built from the salon's client ids.
    nonisolated(unsafe) var raw: RawLMDBTable?
    nonisolated(unsafe) var rawDirectory = ""
    let rawSetup: @Sendable () async throws -> Void = {
        try await demo.build()
        rawDirectory = NSTemporaryDirectory() + "clientledger-bench-raw-\(getpid())"
        try? FileManager.default.removeItem(atPath: rawDirectory)
        try FileManager.default.createDirectory(atPath: rawDirectory, withIntermediateDirectories: true)
        raw = try RawLMDBTable(directory: rawDirectory, keys: demo.clients.map(\.rawValue), valueSize: 512)
    }
    let rawTeardown: @Sendable () async throws -> Void = {
        raw = nil
        try? FileManager.default.removeItem(atPath: rawDirectory)
    }
    nonisolated(unsafe) var rawRead = 0
    Benchmark("Demo.Raw.Get", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 200_000,
                                                   setup: rawSetup, teardown: rawTeardown)) { _ in
        rawRead = (rawRead &+ 7_919) % demo.clients.count
        blackHole(try raw?.get(demo.clients[rawRead].rawValue))
    }
    nonisolated(unsafe) var rawWritten = 0
    Benchmark("Demo.Raw.Put3", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 2_000,
                                                    setup: rawSetup, teardown: rawTeardown)) { _ in
        rawWritten += 1
        try raw?.put(["event-\(rawWritten)-a", "event-\(rawWritten)-b", demo.long50k.rawValue])
    }

    let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
    // ".OneWorker": each step's events applied on one thread, as before rebuilds used every core.
    for (name, workers) in [("Demo.Rebuild", nil as Int?), ("Demo.Rebuild.OneWorker", 1)] {
        Benchmark(name, configuration: .init(metrics: [.wallClock, .peakMemoryResident, eventsPerSecond], warmupIterations: 0,
                                             maxDuration: .seconds(120), maxIterations: 2, setup: { try await demo.build(rebuildWorkers: workers) })) { benchmark in
            guard let ledger = demo.ledger else { return }
            let events = try ledger.log.lastPosition()
            let start = ContinuousClock.now
            try ledger.rebuildProjections()
            let seconds = secondsSince(start)
            benchmark.measurement(eventsPerSecond, Int(Double(events) / seconds))
        }
    }

    // The raw-LMDB floors under Demo.Rebuild and Demo.Import, on the same salon (``RawLMDBFloor``):
    // every record of the log read once and every entry of the rebuilt cards and indexes written
    // once, in key order, in write transactions of 4,096 puts; and every record, stream and
    // projection entry of the salon written into an empty environment in one durable transaction.
    // No parsing, deciding, applying, encoding or chain check.
    nonisolated(unsafe) var floor: RawLMDBFloor?
    nonisolated(unsafe) var floorProjection = ""
    let floorSetup: @Sendable () async throws -> Void = {
        try await demo.build()
        // LMDB allows one environment per file in a process.
        demo.ledger?.close()
        demo.ledger = nil
        let opened = try RawLMDBFloor(source: demo.path)
        // The active database of the two slots; the other is empty.
        let slots = ["projection/clientCards/a", "projection/clientCards/b"]
        floorProjection = try slots.max { try opened.entries(of: $0) < opened.entries(of: $1) } ?? slots[0]
        floor = opened
    }
    for (name, importing) in [("Demo.Raw.Rebuild", false), ("Demo.Raw.Import", true)] {
        // The rebuild's floor keeps the log's pages mapped as it reads them: its memory is not a floor.
        Benchmark(name, configuration: .init(metrics: importing ? [.wallClock, .peakMemoryResident, eventsPerSecond] : [.wallClock, eventsPerSecond],
                                             warmupIterations: 0, maxDuration: .seconds(60), maxIterations: importing ? 1 : 3,
                                             setup: floorSetup, teardown: { floor = nil })) { benchmark in
            guard let floor else { return }
            let directory = NSTemporaryDirectory() + "clientledger-bench-raw-floor-\(getpid())"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let start = ContinuousClock.now
            let counts = importing
                ? try floor.importing(["events", "streams", "streamIndex", "eventTypes", "meta", "projections", floorProjection], into: directory)
                : try floor.rebuild(events: "events", projection: floorProjection, into: directory)
            let seconds = secondsSince(start)
            print("\(name): \(counts.records) records (\(counts.recordBytes) bytes), \(counts.entries) other entries (\(counts.entryBytes) bytes)")
            benchmark.measurement(eventsPerSecond, Int(Double(counts.records) / seconds))
        }
    }

    Benchmark("Demo.Export", configuration: .init(metrics: [.wallClock, .peakMemoryResident, eventsPerSecond], warmupIterations: 0,
                                                  maxDuration: .seconds(120), maxIterations: 2, setup: { try await demo.build() })) { benchmark in
        guard let ledger = demo.ledger else { return }
        var bytes = 0
        let start = ContinuousClock.now
        let events = try ledger.exportInterchangeUTF8 { bytes &+= $0.count }
        let seconds = secondsSince(start)
        blackHole(bytes)
        benchmark.measurement(eventsPerSecond, Int(Double(events) / seconds))
    }

    // The demo salon's export imported into an empty ledger, as `ledger import` does: events/s and
    // the peak resident memory of the process. The export is written once, beside the salon; the
    // first run's setup also builds (and then closes) the salon, so its memory figure is not the
    // import's alone: take the second run's.
    Benchmark("Demo.Import", configuration: .init(metrics: [.wallClock, .peakMemoryResident, eventsPerSecond], warmupIterations: 0,
                                                  maxDuration: .seconds(300), maxIterations: 1,
                                                  setup: { try await demo.writeExport() })) { benchmark in
        let target = NSTemporaryDirectory() + "clientledger-bench-import-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: target)
        defer { try? FileManager.default.removeItem(atPath: target) }
        let ledger = try SalonLedger(path: target)
        let start = ContinuousClock.now
        let summary = try await ledger.importInterchange(contentsOf: URL(fileURLWithPath: demo.exportPath), actor: "benchmark")
        let seconds = secondsSince(start)
        ledger.close()
        benchmark.measurement(eventsPerSecond, Int(Double(summary.events) / seconds))
    }

    // Card reads while another task asks for the coverage without pause.
    nonisolated(unsafe) var during = 0
    nonisolated(unsafe) var background: Task<Void, Never>?
    Benchmark("Demo.Card.DuringCoverage",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 100_000,
                                   setup: {
                                       try await demo.build()
                                       background = Task.detached {
                                           while !Task.isCancelled { _ = try? await demo.ledger?.reminderCoverage(now: demo.asked) }
                                       }
                                   },
                                   teardown: { background?.cancel() })) { _ in
        guard let ledger = demo.ledger else { return }
        during = (during &+ 7_919) % demo.clients.count
        blackHole(try ledger.card(of: demo.clients[during], now: demo.now))
    }
}
