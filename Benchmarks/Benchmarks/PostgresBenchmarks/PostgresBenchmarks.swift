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
// - Postgres.Append.ThreeProcesses.16: the same, with the three replicas in three processes (this
//   benchmark's own executable started again as an appender: `CLIENTLEDGER_BENCH_APPENDER` in its
//   environment makes it one), their 16 tasks split 6/5/5; timed from the signal to start to the
//   last process's report.
// - Postgres.Append.HundredLedgers: 100 ledgers (salons) in one database, each with a replica of
//   its own in this process (no followers: each replica is its ledger's only writer), and a task
//   of its own that appends 10 events at a time, 10 times: 10,000 events per iteration. Reports
//   events per second aggregated over the ledgers.
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
import Synchronization

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
    /// The ledgers of the replicas, where each has its own (`shared` otherwise).
    var sharedLogs: [PostgresLog] = []

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
        for (index, replica) in replicas.enumerated() {
            (index < sharedLogs.count ? sharedLogs[index] : shared)?.detach(replica)
            replica.close()
        }
        sharedLogs = []
        source?.close()
        replicas = []
        source = nil
        shared = nil
        cluster = nil
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths = []
    }
}

/// Appends 512 single events from `tasks` concurrent tasks, task `t` through replica `t % count`;
/// with `only`, runs only the tasks `t` with `t % only.of == only.index` (one process's share).
private func appendSingles(_ replicas: [EventLog], tasks: Int, only: (index: Int, of: Int)? = nil) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks where only.map({ task % $0.of == $0.index }) ?? true {
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

/// The environment variable that makes this executable an appender process, with its work:
/// `CONNINFO<tab>LEDGER<tab>REPLICA_PATH<tab>INDEX<tab>PROCESSES`.
private let appenderVariable = "CLIENTLEDGER_BENCH_APPENDER"

/// An appender process: attaches a replica, says `ready`, then for every `go` line on its standard
/// input appends its share of the 512 and says `done`; ends at the end of its input.
private func runAppender(_ work: String) -> Never {
    let parts = work.split(separator: "\t").map(String.init)
    guard parts.count == 5, let index = Int(parts[3]), let processes = Int(parts[4]) else { exit(2) }
    do {
        let shared = try PostgresLog(connectingTo: parts[0], ledger: parts[1])
        let log = try EventLog(path: parts[2], options: .init(durability: .durable, initialMapSize: 1 << 28))
        try shared.attach(log)
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        while readLine() == "go" {
            let finished = DispatchSemaphore(value: 0)
            let failure = Mutex<(any Error)?>(nil)
            Task {
                do { try await appendSingles([log], tasks: 16, only: (index, processes)) } catch { failure.withLock { $0 = error } }
                finished.signal()
            }
            finished.wait()
            if let error = failure.withLock({ $0 }) {
                FileHandle.standardError.write(Data("appender: \(error)\n".utf8))
                exit(1)
            }
            FileHandle.standardOutput.write(Data("done\n".utf8))
        }
        shared.detach(log)
        log.close()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("appender: \(error)\n".utf8))
        exit(1)
    }
}

/// The appender processes of `Postgres.Append.ThreeProcesses.16`.
private final class Appenders: @unchecked Sendable {
    private var children: [(process: Process, input: FileHandle, output: FileHandle)] = []

    func start(_ count: Int, conninfo: String, ledger: String, directory: (Int) -> String) throws {
        for index in 0..<count {
            let child = Process(), input = Pipe(), output = Pipe()
            child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            child.arguments = []
            child.environment = ProcessInfo.processInfo.environment.merging(
                [appenderVariable: [conninfo, ledger, directory(index), "\(index)", "\(count)"].joined(separator: "\t")]) { $1 }
            child.standardInput = input
            child.standardOutput = output
            child.standardError = FileHandle.standardError
            try child.run()
            children.append((child, input.fileHandleForWriting, output.fileHandleForReading))
        }
        for child in children { try expect("ready", from: child.output) }
    }

    /// One iteration: every process appends its share; returns when all have.
    func round() throws {
        for child in children { child.input.write(Data("go\n".utf8)) }
        for child in children { try expect("done", from: child.output) }
    }

    func stop() {
        for child in children {
            try? child.input.close()
            child.process.waitUntilExit()
        }
        children = []
    }

    private func expect(_ word: String, from output: FileHandle) throws {
        var line: [UInt8] = []
        while true {
            var byte: UInt8 = 0
            guard read(output.fileDescriptor, &byte, 1) == 1 else { throw BenchError("an appender ended before saying \(word)") }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        guard String(decoding: line, as: UTF8.self) == word else { throw BenchError("an appender said \(String(decoding: line, as: UTF8.self)), not \(word)") }
    }
}

let benchmarks: @Sendable () -> Void = {
    if let work = ProcessInfo.processInfo.environment[appenderVariable] { runAppender(work) }
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

    let processes = Bench(), appenders = Appenders()
    Benchmark("Postgres.Append.ThreeProcesses.16",
              configuration: .init(setup: {
                  _ = try processes.start()
                  guard let cluster = processes.cluster else { return }
                  let paths = (0..<3).map { freshDirectory("process\($0)") }
                  processes.paths += paths
                  try appenders.start(3, conninfo: cluster.conninfo, ledger: "salon", directory: { paths[$0] })
              }, teardown: {
                  appenders.stop()
                  processes.stop()
              })) { _ in
        try appenders.round()
    }

    let hundred = Bench()
    Benchmark("Postgres.Append.HundredLedgers",
              configuration: .init(metrics: [eventsPerSecond, .wallClock], maxIterations: 20,
                                   setup: {
                                       let cluster = try PostgresCluster(fsync: true)
                                       hundred.cluster = cluster
                                       for index in 0..<100 {
                                           let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: "salon-\(index)")
                                           let replica = try hundred.log("ledger\(index)")
                                           try shared.attach(replica, pollInterval: nil)
                                           hundred.replicas.append(replica)
                                           hundred.sharedLogs.append(shared)
                                       }
                                   }, teardown: { hundred.stop() })) { benchmark in
        let replicas = hundred.replicas
        try measureEvents(benchmark, 10_000) {
            let finished = DispatchSemaphore(value: 0)
            let failure = Mutex<(any Error)?>(nil)
            Task {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for replica in replicas {
                            group.addTask {
                                for round in 0..<10 {
                                    // New events each time (new ids): the same ones would be retries.
                                    let events = (0..<10).map { _ in NewEvent(type: "Bench", payload: payload) }
                                    try await replica.append(events, to: "stream-\(round % 4)")
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
                finished.signal()
            }
            finished.wait()
            if let error = failure.withLock({ $0 }) { throw error }
            return 10_000
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
