import ClientLedger
import ClientLedgerPostgres
import EventLog
import Foundation
import PostgresLog
import PostgresTestSupport
import Testing

/// A salon ledger in PostgreSQL shared by three processes, each an instance of a service with a
/// replica of its own (`SalonReplicaWorker`, built beside the tests): the money rules hold across
/// them as in one process; writers killed at random moments and a server stopped under load lose
/// nothing acknowledged; every replica ends at one head hash with the same cards.
@Suite("PostgreSQL: three processes", .serialized)
struct MultiProcessTests {
    /// The worker built beside the test binary (the test target depends on it).
    static func workerPath() throws -> String {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
        let path = directory.appendingPathComponent("SalonReplicaWorker").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw ServerError("the worker is not built at \(path)") }
        return path
    }

    /// Starts a worker; its standard output goes to `output` if given.
    static func start(_ arguments: [String], output: Pipe? = nil) throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try workerPath())
        child.arguments = arguments
        child.standardOutput = output ?? FileHandle.nullDevice
        child.standardError = FileHandle.standardError
        try child.run()
        return child
    }

    /// Waits for `child` to end without holding a thread of the cooperative pool.
    static func ended(_ child: Process) async throws -> Int32 {
        while child.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return child.terminationStatus
    }

    static let day = SalonReplicaTests.day

    @Test func threeProcessesRaceTheMoneyRulesAsOneDoes() async throws {
        let conninfo = try PostgresServer.conninfo()
        let id = PushAndVerifyTests.ledgerID(#function)
        let directory = NSTemporaryDirectory() + "salon-processes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shared = try PostgresLog(connectingTo: conninfo, ledger: id)
        let seed = try SalonLedger(replicaAt: directory + "/seed", of: shared, options: .init(durability: .nonDurable), pollInterval: nil)
        defer { seed.close() }
        let ada = try ClientID("ada")
        try await SalonReplicaTests.seedRace(seed)

        // Three processes, started together, race 100 redemptions and 50 session uses from 150 tasks.
        let start = String(Int((Date().timeIntervalSince1970 + 3) * 1000))
        let shares = [(34, 17), (33, 17), (33, 16)]
        var outputs: [Pipe] = []
        var children: [Process] = []
        for (index, share) in shares.enumerated() {
            let output = Pipe()
            outputs.append(output)
            children.append(try Self.start([conninfo, id, directory + "/instance\(index)", "race", start, "\(share.0)", "\(share.1)"], output: output))
        }
        var redeemed = 0, used = 0
        for (child, output) in zip(children, outputs) {
            #expect(try await Self.ended(child) == 0)
            let words = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(whereSeparator: \.isWhitespace)
            try #require(words.count == 4 && words[0] == "redeemed" && words[2] == "used", "\(words)")
            redeemed += Int(words[1]) ?? -1000
            used += Int(words[3]) ?? -1000
        }
        #expect(redeemed == 10)
        #expect(used == 10)

        // Every instance's replica, opened again, catches up to one head hash and the same card.
        try shared.pull(into: seed.log)
        let head = try #require(try shared.head())
        #expect(try shared.verify().isIntact)
        let expected = try #require(try seed.card(of: ada))
        #expect(expected.points == 0)
        #expect(expected.subscriptions.first?.remaining == 0)
        for index in shares.indices {
            let instance = try SalonLedger(replicaAt: directory + "/instance\(index)", of: shared, pollInterval: nil)
            #expect(try instance.log.headHash() == head)
            #expect(try instance.card(of: ada) == expected)
            instance.close()
        }
    }

    @Test func killedWritersAndAServerStoppedUnderLoadLoseNothingAcknowledged() async throws {
        let cluster = try PostgresCluster()
        let id = "salon-kill"
        let directory = NSTemporaryDirectory() + "salon-kill-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let shared = try PostgresLog(connectingTo: cluster.conninfo, ledger: id)
        let clients = try (0..<4).map { try ClientID("c\($0)") }
        do {
            let seed = try SalonLedger(replicaAt: directory + "/seed", of: shared, options: .init(durability: .nonDurable), pollInterval: nil)
            for client in clients { try await seed.registerClient(client, name: "Client \(client.rawValue)", at: Self.day("2026-01-02")) }
            seed.close()
        }

        var incarnation = 0
        func startWriter(_ index: Int) throws -> Process {
            incarnation += 1
            return try Self.start([cluster.conninfo, id, directory + "/instance\(index)", "checkouts", "w\(index)i\(incarnation)",
                                   directory + "/acks\(index)"])
        }
        func acknowledged() -> [String] {
            (0..<3).flatMap { index in
                ((try? String(contentsOfFile: directory + "/acks\(index)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
        }
        var writers = try (0..<3).map(startWriter)
        var kills = 0
        var acknowledgedAtRestart = 0
        for round in 0..<9 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 250...700)))
            if round == 4 {
                // The server stopped under load, as by a power cut, and started again.
                try cluster.stopImmediately()
                try await Task.sleep(for: .milliseconds(300))
                try cluster.start()
                acknowledgedAtRestart = acknowledged().count
            } else {
                let index = Int.random(in: 0..<3)
                kill(writers[index].processIdentifier, SIGKILL)
                _ = try await Self.ended(writers[index])
                kills += 1
                writers[index] = try startWriter(index)
            }
        }
        try await Task.sleep(for: .milliseconds(1_000))
        for writer in writers {
            kill(writer.processIdentifier, SIGKILL)
            _ = try await Self.ended(writer)
        }

        let acks = acknowledged()
        // The writers carried on after the server came back.
        #expect(acks.count > acknowledgedAtRestart)
        #expect(acknowledgedAtRestart > 0)
        #expect(kills == 8)
        #expect(try shared.verify().isIntact)
        let head = try #require(try shared.head())
        var cards: [ClientCard] = []
        for name in ["seed", "instance0", "instance1", "instance2"] {
            let instance = try SalonLedger(replicaAt: directory + "/" + name, of: shared, pollInterval: nil)
            #expect(try instance.log.headHash() == head, "\(name)")
            let these = try clients.map { try #require(try instance.card(of: $0)) }
            if cards.isEmpty { cards = these } else { #expect(these == cards, "\(name)") }
            instance.close()
        }
        // Every acknowledged checkout is recorded, and none twice.
        let visits = cards.flatMap { $0.visits.map(\.visit.rawValue) }
        #expect(Set(visits).count == visits.count)
        let missing = Set(acks).subtracting(visits)
        #expect(missing.isEmpty, "acknowledged but not recorded: \(missing.sorted().prefix(10))")
        #expect(Set(acks).count == acks.count)
    }
}
