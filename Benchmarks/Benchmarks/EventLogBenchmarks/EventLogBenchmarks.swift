// The engine's speed targets (issue: the event log engine), on events of 100 payload bytes:
//
// - Append.Batched1000.Durable: 1,000 events per durable transaction, with hash chain and stream
//   index, spread over 10,000 streams, into one log that grows across iterations (1,000 iterations
//   make a 1,000,000-event log, as the reference programs do). One iteration is one transaction;
//   scaling by 1,000 reports events per second.
// - Scan.DecodeEveryEnvelope: a full scan of a 1,000,000-event log that decodes every envelope
//   (stream version, recorded-at, id, payload). Scaling by 1,000,000 reports events per second.
// - Append.Single.Durable.1 and .16: single-event durable appends, from one task one after another,
//   and from 16 concurrent tasks (group commit), each appending in a loop. Both make 512 appends per
//   iteration, so their throughputs compare directly (multiply by 512 for appends per second).
import Benchmark
import EventLog
import Foundation

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
    var sequence = 0

    func open(_ name: String, durability: EventLog.Durability) throws {
        path = freshDirectory(name)
        log = try EventLog(path: path, options: .init(durability: durability, initialMapSize: 1 << 30))
        sequence = 0
    }

    func close() {
        log = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}

private let batched = BenchLog()
private let scanned = BenchLog()
private let singles = BenchLog()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock, .peakMemoryResident], warmupIterations: 0)

    // The durable variant is the target; the non-durable one shows how much of it is CPU, not sync.
    for durability in [EventLog.Durability.durable, .nonDurable] {
        let name = durability == .durable ? "Durable" : "NonDurable"
        Benchmark("Append.Batched1000.\(name)",
                  configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(60), maxIterations: 1_000,
                                       setup: { try batched.open("batched", durability: durability) },
                                       teardown: { batched.close() })) { benchmark in
            guard let log = batched.log else { return }
            // Events are built outside the measurement: measured is the append, not the caller's allocations.
            let events = (0..<1_000).map { _ in [NewEvent(type: "Bench", payload: payload)] }
            var sequence = batched.sequence
            benchmark.startMeasurement()
            try log.write { writer in
                for batch in events {
                    try writer.append(batch, to: streamNames[sequence % streamCount])
                    sequence &+= 7_919 // a prime step: consecutive events go to scattered streams
                }
            }
            benchmark.stopMeasurement()
            batched.sequence = sequence
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
