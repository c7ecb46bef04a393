// A ledger in PostgreSQL with LMDB replicas (docs/postgres.md), on a PostgreSQL 15 server of the
// benchmark's own (Debian's postgresql package) with its default durability (fsync on), over a Unix
// socket; events of 100 payload bytes, every replica durable.
//
// - Postgres.Append.Single.1 and .16: single-event appends through one replica, from one task one
//   after another, and from 16 concurrent tasks (group commit: one PostgreSQL transaction per local
//   one). 512 appends per iteration, as Append.Single.Durable.1/.16 of the engine make on LMDB alone.
// - Postgres.Append.ThreeReplicas.16: the same 512 appends from 16 tasks spread over three replicas
//   of the one ledger (three instances in one process), which race for its head: each append that
//   finds another replica's events first catches up and runs again.
// - Postgres.Pull: an empty replica catching up with a ledger of 200,000 events, every link checked;
//   reports events per second.
// - Postgres.Push: an LMDB log of 200,000 events pushed into an empty ledger; events per second.
//
// Published figures of PostgreSQL event stores for comparison: Commanded's EventStore, 4.9–8.6 k
// events/s appended (its README's benchmarks).
import Benchmark
import EventLog
import Foundation
import PostgresLog
import PostgresTestSupport

private let payload = [UInt8](repeating: 0x61, count: 100)
/// The figure of Pull and Push: events per second over the whole run.
private let eventsPerSecond = BenchmarkMetric.custom("Events per second", polarity: .prefersLarger, useScalingFactor: false)

/// Measures `run`, which moves `count` events, and records its events per second.
private func measureEvents(_ benchmark: Benchmark, _ count: Int, _ run: () throws -> UInt64) throws {
    let clock = ContinuousClock()
    var moved: UInt64 = 0
    benchmark.startMeasurement()
    let elapsed = try clock.measure { moved = try run() }
    benchmark.stopMeasurement()
    guard moved == UInt64(count) else { throw BenchError("moved \(moved) events, not \(count)") }
    benchmark.measurement(eventsPerSecond, Int((Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)).rounded()))
}

private struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func freshDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "clientledger-bench-pg-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

/// The server, the ledger and its replicas of one benchmark, from its setup to its teardown.
private final class Bench: @unchecked Sendable {
    var cluster: PostgresCluster?
    var shared: PostgresLog?
    var replicas: [EventLog] = []
    var source: EventLog?
    var paths: [String] = []

    func start() throws -> PostgresLog {
        let cluster = try PostgresCluster(fsync: true)
        self.cluster = cluster
        let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: "salon")
        self.shared = shared
        return shared
    }

    func log(_ name: String) throws -> EventLog {
        let path = freshDirectory(name)
        paths.append(path)
        return try EventLog(path: path, options: .init(durability: .durable, initialMapSize: 1 << 28))
    }

    /// A local log of `count` events over 1,000 streams, appended in transactions of 1,000.
    func filledLog(_ name: String, count: Int) throws -> EventLog {
        let log = try self.log(name)
        for start in stride(from: 0, to: count, by: 1_000) {
            try log.write { writer in
                for index in start..<min(count, start + 1_000) {
                    try writer.append([NewEvent(type: "Bench", payload: payload)], to: "stream-\(index % 1_000)")
                }
            }
        }
        return log
    }

    func stop() {
        for replica in replicas { shared?.detach(replica); replica.close() }
        source?.close()
        replicas = []
        source = nil
        shared = nil
        cluster = nil
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths = []
    }
}

/// Appends 512 single events from `tasks` concurrent tasks, task `t` through replica `t % count`.
private func appendSingles(_ replicas: [EventLog], tasks: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            let replica = replicas[task % replicas.count]
            group.addTask {
                for index in 0..<(512 / tasks) {
                    try await replica.append([NewEvent(type: "Bench", payload: payload)], to: "stream-\(task)-\(index % 4)")
                }
            }
        }
        try await group.waitForAll()
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock], maxDuration: .seconds(20), maxIterations: 50)

    for (name, replicaCount, tasks) in [("Single.1", 1, 1), ("Single.16", 1, 16), ("ThreeReplicas.16", 3, 16)] {
        let bench = Bench()
        Benchmark("Postgres.Append.\(name)",
                  configuration: .init(setup: {
                      let shared = try bench.start()
                      for index in 0..<replicaCount {
                          let replica = try bench.log("replica\(index)")
                          try shared.attach(replica)
                          bench.replicas.append(replica)
                      }
                  }, teardown: { bench.stop() })) { _ in
            try await appendSingles(bench.replicas, tasks: tasks)
        }
    }

    let eventCount = 200_000
    let pull = Bench()
    Benchmark("Postgres.Pull",
              configuration: .init(metrics: [eventsPerSecond, .wallClock], maxIterations: 5,
                                   setup: {
                                       let shared = try pull.start()
                                       let source = try pull.filledLog("pull-source", count: eventCount)
                                       pull.source = source
                                       try shared.push(from: source)
                                   }, teardown: { pull.stop() })) { benchmark in
        guard let shared = pull.shared else { return }
        let replica = try pull.log("pull-replica-\(UUID().uuidString.prefix(6))")
        try measureEvents(benchmark, eventCount) { try shared.pull(into: replica) }
        replica.close()
    }

    let push = Bench()
    Benchmark("Postgres.Push",
              configuration: .init(metrics: [eventsPerSecond, .wallClock], maxIterations: 5,
                                   setup: {
                                       _ = try push.start()
                                       push.source = try push.filledLog("push-source", count: eventCount)
                                   }, teardown: { push.stop() })) { benchmark in
        guard let cluster = push.cluster, let source = push.source else { return }
        // A ledger of its own for each iteration: a push into an empty ledger.
        let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: "push-\(UUID().uuidString.prefix(8))")
        try measureEvents(benchmark, eventCount) { try shared.push(from: source).eventsCopied }
    }
}
