// The engine's speed targets (issue: the event log engine), on events of 100 payload bytes:
//
// - Append.Batched1000.Durable: 1,000,000 events into a fresh log, 1,000 per durable transaction,
//   with hash chain and stream index, spread over 10,000 streams. One iteration is the whole run, as
//   the reference programs measure it (events per second over all 1,000 commits, checkpoints and
//   slow syncs included); scaling by 1,000,000 reports events per second. .NonDurable shows how much
//   of it is CPU, not sync.
// - Compare.Batched1000.Durable: the targets themselves (at least 40% of raw LMDB and 1.5x SQLite,
//   in the same run). The reference programs' batched append (../../shared/reference: raw LMDB with
//   120-byte values; SQLite in WAL mode), ported call for call (Sources/ReferenceWorkloads), and ours
//   each make a whole run of 1,000,000 events into a fresh store, in turns of 100 transactions, so
//   that all three meet the same disk; it reports ours as a percentage of each reference.
// - Scan.DecodeEveryEnvelope: a full scan of a 1,000,000-event log that decodes every envelope
//   (stream version, recorded-at, id, payload). Scaling by 1,000,000 reports events per second.
// - Append.Single.Durable.1 and .16: single-event durable appends, from one task one after another,
//   and from 16 concurrent tasks (group commit), each appending in a loop. Both make 512 appends per
//   iteration, so their throughputs compare directly (multiply by 512 for appends per second).
import Benchmark
import EventLog
import Foundation
import ReferenceWorkloads

private let payload = [UInt8](repeating: 0x61, count: 100)
private let streamCount = 10_000
private let streamNames = (0..<streamCount).map { "stream-\($0)" }

private func freshDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "clientledger-bench-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

/// A log that lives from a benchmark's setup to its teardown.
private final class BenchLog: @unchecked Sendable {
    var log: EventLog?
    var path = ""

    func open(_ name: String, durability: EventLog.Durability) throws {
        path = freshDirectory(name)
        log = try EventLog(path: path, options: .init(durability: durability, initialMapSize: 1 << 30))
    }

    func close() {
        log = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The batched runs: 1,000 transactions of 1,000 events, as in the reference programs.
private let runTransactions = 1_000
/// The batched runs' figure: events per second over a whole run.
private let eventsPerSecond = BenchmarkMetric.custom("Events per second", polarity: .prefersLarger, useScalingFactor: false)

/// The comparison's figures: each system's events per second over its whole run, and ours as a
/// percentage of raw LMDB's (target: 40 or more) and of SQLite's (target: 150 or more).
private let oursEventsPerSecond = BenchmarkMetric.custom("Ours, events per second", polarity: .prefersLarger, useScalingFactor: false)
private let lmdbEventsPerSecond = BenchmarkMetric.custom("Raw LMDB, events per second", polarity: .prefersLarger, useScalingFactor: false)
private let sqliteEventsPerSecond = BenchmarkMetric.custom("SQLite, events per second", polarity: .prefersLarger, useScalingFactor: false)
private let percentOfLMDB = BenchmarkMetric.custom("Ours, % of raw LMDB", polarity: .prefersLarger, useScalingFactor: false)
private let percentOfSQLite = BenchmarkMetric.custom("Ours, % of SQLite", polarity: .prefersLarger, useScalingFactor: false)
/// The comparison's turn: each system appends this many transactions before the next takes over.
private let compareTurnTransactions = 100

/// The events per second of a whole run (1,000,000 events) that took `elapsed`.
private func runRate(_ elapsed: Duration) -> Double {
    Double(runTransactions * 1_000) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// Measures `run` (1,000,000 events) and records its events per second.
private func measureRun(_ benchmark: Benchmark, _ run: () throws -> Void) throws {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let elapsed = try clock.measure(run)
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, Int(runRate(elapsed).rounded()))
}

/// Appends transaction `transaction` of a run: its 1,000 events of `events`, each to the stream
/// `sequence` points at, which moves on by a prime step so that consecutive events go to scattered
/// streams.
private func appendTransaction(_ transaction: Int, of events: [[NewEvent]], to log: EventLog, sequence: inout Int) throws {
    try log.write { writer in
        for batch in events[(transaction * 1_000)..<((transaction + 1) * 1_000)] {
            try writer.append(batch, to: streamNames[sequence % streamCount])
            sequence &+= 7_919
        }
    }
}

/// One run's events, one single-event batch each, with distinct ids; built on first use.
private let millionEvents = (0..<(runTransactions * 1_000)).map { _ in [NewEvent(type: "Bench", payload: payload)] }
private let scanned = BenchLog()
private let singles = BenchLog()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock, .peakMemoryResident], warmupIterations: 0)

    // Each iteration is a whole run of 1,000,000 events into a fresh store; it reports the run's events
    // per second (the scaled wall clock is nanoseconds per event).
    let runConfiguration = Benchmark.Configuration(metrics: [eventsPerSecond, .wallClock, .peakMemoryResident], scalingFactor: .mega,
                                                   maxDuration: .seconds(60), maxIterations: 5)
    let compareConfiguration = Benchmark.Configuration(metrics: [percentOfLMDB, percentOfSQLite, oursEventsPerSecond, lmdbEventsPerSecond,
                                                                 sqliteEventsPerSecond, .peakMemoryResident],
                                                       maxDuration: .seconds(120), maxIterations: 5)
    for durability in [EventLog.Durability.durable, .nonDurable] {
        let name = durability == .durable ? "Durable" : "NonDurable"
        Benchmark("Append.Batched1000.\(name)", configuration: runConfiguration) { benchmark in
            let path = freshDirectory("batched")
            // Removed after the log is closed (at the end of the `do` block).
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                let log = try EventLog(path: path, options: .init(durability: durability, initialMapSize: 1 << 30))
                // The events are built once, outside the measurement: measured is the log, not the caller.
                let events = millionEvents
                var sequence = 0
                try measureRun(benchmark) {
                    for transaction in 0..<runTransactions {
                        try appendTransaction(transaction, of: events, to: log, sequence: &sequence)
                    }
                }
            }
        }
    }

    // Ours, raw LMDB and SQLite in turns of 100 transactions each, so that all three see the same
    // disk minutes: the disk's sync speed drifts by 2x within minutes, and three whole runs one
    // after another can each meet a different disk. Who goes first rotates from turn to turn.
    Benchmark("Compare.Batched1000.Durable", configuration: compareConfiguration) { benchmark in
        let ours = freshDirectory("compare-ours")
        let lmdbDirectory = freshDirectory("compare-lmdb")
        let sqlitePath = freshDirectory("compare-sqlite") + ".db"
        let remove = {
            for path in [ours, lmdbDirectory, sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm"] {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        remove()
        // Removed after the stores are closed (at the end of the `do` block).
        defer { remove() }
        try FileManager.default.createDirectory(atPath: lmdbDirectory, withIntermediateDirectories: true)
        do {
            let log = try EventLog(path: ours, options: .init(durability: .durable, initialMapSize: 1 << 30))
            let lmdb = try RawLMDBAppender(directory: lmdbDirectory)
            let sqlite = try SQLiteAppender(path: sqlitePath)
            let events = millionEvents
            var sequence = 0
            var transaction = 0
            let clock = ContinuousClock()
            // Time spent by each system: 0 ours, 1 raw LMDB, 2 SQLite.
            var elapsed = [Duration](repeating: .zero, count: 3)
            benchmark.startMeasurement()
            for turn in 0..<(runTransactions / compareTurnTransactions) {
                for slot in 0..<3 {
                    let system = (turn + slot) % 3
                    elapsed[system] += try clock.measure {
                        switch system {
                        case 0:
                            for _ in 0..<compareTurnTransactions {
                                try appendTransaction(transaction, of: events, to: log, sequence: &sequence)
                                transaction += 1
                            }
                        case 1:
                            for _ in 0..<compareTurnTransactions { try lmdb.appendBatch(1_000) }
                        default:
                            for _ in 0..<compareTurnTransactions { try sqlite.appendBatch(1_000) }
                        }
                    }
                }
            }
            benchmark.stopMeasurement()
            let rates = elapsed.map(runRate)
            benchmark.measurement(oursEventsPerSecond, Int(rates[0].rounded()))
            benchmark.measurement(lmdbEventsPerSecond, Int(rates[1].rounded()))
            benchmark.measurement(sqliteEventsPerSecond, Int(rates[2].rounded()))
            benchmark.measurement(percentOfLMDB, Int((100 * rates[0] / rates[1]).rounded()))
            benchmark.measurement(percentOfSQLite, Int((100 * rates[0] / rates[2]).rounded()))
        }
    }

    Benchmark("Scan.DecodeEveryEnvelope",
              configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxIterations: 10,
                                   setup: {
                                       try scanned.open("scan", durability: .nonDurable)
                                       guard let log = scanned.log else { return }
                                       for start in stride(from: 0, to: 1_000_000, by: 10_000) {
                                           try log.write { writer in
                                               for index in start..<(start + 10_000) {
                                                   try writer.append([NewEvent(type: "Bench", payload: payload)], to: streamNames[index % streamCount])
                                               }
                                           }
                                       }
                                       try log.flush()
                                   },
                                   teardown: { scanned.close() })) { benchmark in
        guard let log = scanned.log else { return }
        let (count, checksum) = try log.read { snapshot in
            var count = 0
            var checksum: UInt64 = 0
            try snapshot.forEachEvent { event in
                count += 1
                checksum &+= event.streamVersion &+ UInt64(event.payload.count)
                checksum &+= UInt64(bitPattern: event.recordedAt.microsecondsSinceEpoch) &+ event.id.low
            }
            return (count, checksum)
        }
        precondition(count == 1_000_000, "the scan saw \(count) events")
        blackHole(checksum)
    }

    for appenders in [1, 16] {
        Benchmark("Append.Single.Durable.\(appenders)",
                  configuration: .init(metrics: [.throughput, .wallClock], maxDuration: .seconds(20), maxIterations: 100,
                                       setup: { try singles.open("single\(appenders)", durability: .durable) },
                                       teardown: { singles.close() })) { benchmark in
            guard let log = singles.log else { return }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<appenders {
                    group.addTask {
                        for index in 0..<(512 / appenders) {
                            try await log.append([NewEvent(type: "Bench", payload: payload)], to: "stream-\(task)-\(index % 4)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
