// The engine's speed targets (issue: the event log engine), on events of 100 payload bytes:
//
// - Append.Batched1000.Durable: 1,000,000 events into a fresh log, 1,000 per durable transaction,
//   with hash chain and stream index, spread over 10,000 streams. One iteration is the whole run, as
//   the reference programs measure it (events per second over all 1,000 commits, checkpoints and
//   slow syncs included); scaling by 1,000,000 reports events per second. .NonDurable shows how much
//   of it is CPU, not sync.
// - Reference.RawLMDB.Batched1000 and Reference.SQLite.Batched1000: the same run of the reference
//   programs (../../shared/reference: raw LMDB with 120-byte values; SQLite in WAL mode), ported call
//   for call (Sources/ReferenceWorkloads). They run in the same process as ours, seconds from it, so
//   that the targets (at least 40% of raw LMDB and 1.5x SQLite) compare like with like on the same
//   disk minute.
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

/// Measures `run` (1,000,000 events) and records its events per second.
private func measureRun(_ benchmark: Benchmark, _ run: () throws -> Void) throws {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let elapsed = try clock.measure(run)
    benchmark.stopMeasurement()
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    benchmark.measurement(eventsPerSecond, Int((Double(runTransactions * 1_000) / seconds).rounded()))
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
                        try log.write { writer in
                            for batch in events[(transaction * 1_000)..<((transaction + 1) * 1_000)] {
                                try writer.append(batch, to: streamNames[sequence % streamCount])
                                sequence &+= 7_919 // a prime step: consecutive events go to scattered streams
                            }
                        }
                    }
                }
            }
        }
    }

    Benchmark("Reference.RawLMDB.Batched1000", configuration: runConfiguration) { benchmark in
        let directory = freshDirectory("reference-lmdb")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let store = try RawLMDBAppender(directory: directory)
            try measureRun(benchmark) {
                for _ in 0..<runTransactions { try store.appendBatch(1_000) }
            }
        }
    }

    Benchmark("Reference.SQLite.Batched1000", configuration: runConfiguration) { benchmark in
        let path = freshDirectory("reference-sqlite") + ".db"
        let remove = { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        remove()
        defer { remove() }
        do {
            let store = try SQLiteAppender(path: path)
            try measureRun(benchmark) {
                for _ in 0..<runTransactions { try store.appendBatch(1_000) }
            }
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
