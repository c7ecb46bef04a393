import EventLog
import Foundation
import PostgresLog
import Testing

/// Writers appending through replicas while something happens to the database (a crash and a
/// restart, a failover), and what must hold afterwards.
enum CrashUnderLoad {
    typealias LocalLog = PushAndVerifyTests.LocalLog

    static let writers = 4
    static let perWriter = 100

    /// Runs `writers` writers, each appending `perWriter` events one by one to a stream of its own
    /// through `replicas` (paced, so that the crash meets them still writing), and `crash` once a
    /// tenth of the events are acknowledged. An append that fails is tried again with the same event
    /// id until it is acknowledged. Returns the acknowledged ids, and how many events the replica
    /// held when the crash began.
    static func run(_ replicas: [LocalLog], crash: @escaping @Sendable () async throws -> Void) async throws -> (acknowledged: [EventID], crashedAt: UInt64) {
        try await withThrowingTaskGroup(of: (ids: [EventID], crashedAt: UInt64?).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let replica = replicas[writer % replicas.count]
                    var ids: [EventID] = []
                    for index in 0..<perWriter {
                        let event = NewEvent(type: "Booked", payload: Array("\(writer)-\(index)".utf8))
                        var tries = 0
                        while true {
                            do {
                                try await replica.log.append([event], to: "writer-\(writer)")
                                break
                            } catch {
                                tries += 1
                                guard tries < 600 else { throw error }
                                try await Task.sleep(for: .milliseconds(25))
                            }
                        }
                        ids.append(event.id)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return (ids, nil)
                }
            }
            group.addTask {
                while try replicas[0].log.lastPosition() < UInt64(writers * perWriter / 10) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                let crashedAt = try replicas[0].log.lastPosition()
                try await crash()
                return ([], crashedAt)
            }
            return try await group.reduce(into: ([EventID](), UInt64(0))) { result, outcome in
                result.0 += outcome.ids
                if let crashedAt = outcome.crashedAt { result.1 = crashedAt }
            }
        }
    }

    /// Every acknowledged event is in the ledger exactly once, in an intact, gapless chain, and
    /// every replica holds it, at one head hash.
    static func expectEveryAcknowledgedEventOnce(_ shared: PostgresLog, _ replicas: [LocalLog], _ acknowledged: [EventID], crashedAt: UInt64) throws {
        // The crash met the writers half-way.
        #expect(crashedAt < UInt64(writers * perWriter))
        #expect(acknowledged.count == writers * perWriter)
        let verification = try shared.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.eventsChecked == UInt64(writers * perWriter))
        for replica in replicas { try shared.pull(into: replica.log) }
        let head = try #require(try shared.head())
        let recorded = try replicas[0].log.read { snapshot in try snapshot.events().map(\.id) }
        #expect(Set(recorded) == Set(acknowledged))
        #expect(recorded.count == acknowledged.count)
        for replica in replicas {
            #expect(try replica.log.headHash() == head)
            #expect(shared.replicaProblem(of: replica.log) == nil)
        }
    }
}
