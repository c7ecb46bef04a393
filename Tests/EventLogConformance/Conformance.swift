import EventLog
import Foundation

/// The engine's conformance suite: what every store behind the engine's seam must do, checked
/// through the public API of an `EventLog` and nothing else. The LMDB tests run each case on a
/// log of its own; the PostgreSQL tests on a replica of a ledger in PostgreSQL, and then check that
/// the ledger holds exactly what the replica holds.
///
/// A case throws ``ConformanceFailure`` naming what did not hold.
public enum Conformance {
    /// Every case, for a parameterised test.
    public static let cases: [ConformanceCase] = [
        ConformanceCase("events get gapless positions, stream versions and one recorded-at per append, and keep their content") { log in
            let first = try await log.append([event("A", "1"), event("B", "2")], to: "s", expecting: .noStream)
            try require(first.firstPosition == 1 && first.lastPosition == 2 && first.streamVersion == 2, "first append: \(first)")
            let second = try await log.append([event("C", "3")], to: "t", expecting: .noStream)
            try require(second.firstPosition == 3 && second.streamVersion == 1, "second append: \(second)")
            try require(second.recordedAt >= first.recordedAt, "recorded-at went back")
            let stored = try log.read { try $0.events(inStream: "s") }
            try require(stored.map(\.type) == ["A", "B"] && stored.map { Array($0.payload) } == [Array("1".utf8), Array("2".utf8)], "content of s")
            try require(Set(stored.map(\.recordedAt)).count == 1, "one recorded-at per append")
            try require(try log.lastPosition() == 3, "last position")
        },
        ConformanceCase("a wrong expected version is refused and changes nothing") { log in
            try await log.append([event(), event()], to: "s", expecting: .noStream)
            let before = try fingerprint(log)
            try await refused(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .exactly(1)) }
            try await refused(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .noStream) }
            try require(try fingerprint(log) == before, "a refused append changed the log")
            try await log.append([event()], to: "s", expecting: .exactly(2))
            try await log.append([event()], to: "s", expecting: .streamExists)
            try require(try log.read { try $0.streamVersion("s") } == 4, "version after")
        },
        ConformanceCase("expecting a stream that does not exist is refused as stream not found") { log in
            try await refused(.streamNotFound) { try await log.append([event()], to: "s", expecting: .streamExists) }
            try await refused(.streamNotFound) { try await log.append([event()], to: "s", expecting: .exactly(3)) }
            try require(try log.lastPosition() == 0, "nothing appended")
            try await log.append([event()], to: "s", expecting: .exactly(0))
        },
        ConformanceCase("of eight writers that read the same version, exactly one wins") { log in
            try await log.append([event()], to: "s", expecting: .noStream)
            let won = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { (try? await log.append([event()], to: "s", expecting: .exactly(1))) == nil ? 0 : 1 }
                }
                var total = 0
                for await outcome in group { total += outcome }
                return total
            }
            try require(won == 1, "\(won) writers won")
            try require(try log.read { try $0.streamVersion("s") } == 2, "version after")
        },
        ConformanceCase("a retried append with the same ids and content is recorded once") { log in
            for (stream, expected) in [("a", ExpectedVersion.noStream), ("b", .any)] {
                let batch = [event("A", "1"), event("B", "2")]
                let first = try await log.append(batch, to: stream, expecting: expected)
                let before = try fingerprint(log)
                let retried = try await log.append(batch, to: stream, expecting: expected)
                try require(retried.wasAlreadyRecorded && retried.firstPosition == first.firstPosition, "retry on \(stream): \(retried)")
                try require(try fingerprint(log) == before, "a retry appended")
            }
        },
        ConformanceCase("the same ids with other content are refused") { log in
            let original = event("A", "1")
            try await log.append([original], to: "s", expecting: .noStream)
            let before = try fingerprint(log)
            try await refused(.eventIDReused) {
                try await log.append([NewEvent(id: original.id, type: "A", payload: Array("other".utf8))], to: "s", expecting: .any)
            }
            try require(try fingerprint(log) == before, "a refused append changed the log")
        },
        ConformanceCase("appends to several streams in one write commit together, with one instant") { log in
            try log.write { writer in
                try writer.append([event()], to: "a", expecting: .noStream)
                try writer.append([event(), event()], to: "b", expecting: .noStream)
                try writer.append([event()], to: "c")
            }
            let events = try log.read { try $0.events() }
            try require(events.count == 4 && Set(events.map(\.recordedAt)).count == 1, "one write, one instant: \(events.count) events")
            try require(try log.read { try $0.streamVersion("b") } == 2, "version of b")
        },
        ConformanceCase("a write whose closure throws leaves nothing behind") { log in
            try await log.append([event()], to: "s", expecting: .noStream)
            let before = try fingerprint(log)
            struct Abandon: Error {}
            do {
                try log.write { writer in
                    try writer.append([event()], to: "s", expecting: .exactly(1))
                    try writer.append([event()], to: "new-stream")
                    throw Abandon()
                }
                throw ConformanceFailure("the write's error was not rethrown")
            } catch is Abandon {}
            try require(try fingerprint(log) == before, "a rolled-back write changed the log")
            try require(try log.read { try $0.streamVersion("new-stream") } == nil, "a rolled-back stream exists")
            try await log.append([event()], to: "s", expecting: .exactly(1))
        },
        ConformanceCase("a refused append inside a write can be caught; the rest commits and reads its own writes") { log in
            try await log.append([event()], to: "s", expecting: .noStream)
            try log.write { writer in
                do {
                    try writer.append([event()], to: "s", expecting: .exactly(5))
                    throw ConformanceFailure("a wrong expected version inside a write was not refused")
                } catch let error as EventLogError where error.code == .wrongExpectedVersion {}
                try writer.append([event()], to: "t", expecting: .noStream)
                try require(try writer.streamVersion("t") == 1, "the write does not read its own append")
            }
            try require(try log.lastPosition() == 2, "last position")
        },
        ConformanceCase("a read sees a snapshot: appends committed meanwhile are not in it") { log in
            try await log.append([event()], to: "s", expecting: .noStream)
            let seen = try log.read { snapshot -> (UInt64, UInt64) in
                let before = snapshot.lastPosition
                // Another thread appends and commits while this snapshot is open.
                let appended = DispatchSemaphore(value: 0)
                Thread {
                    _ = try? log.write { try $0.append([event()], to: "s", expecting: .exactly(1)) }
                    appended.signal()
                }.start()
                appended.wait()
                return (before, try snapshot.events().count == 1 ? snapshot.lastPosition : 0)
            }
            try require(seen.0 == 1 && seen.1 == 1, "the snapshot saw \(seen)")
            try require(try log.lastPosition() == 2, "the append committed")
        },
        ConformanceCase("a subscription hands out every event in order, from a position on") { log in
            try await log.append([event("A"), event("B")], to: "s", expecting: .noStream)
            let subscription = log.subscribe(after: 1)
            try await log.append([event("C")], to: "t", expecting: .noStream)
            var types: [String] = []
            for try await recorded in subscription {
                types.append(recorded.type)
                if types.count == 2 { break }
            }
            try require(types == ["B", "C"], "subscription: \(types)")
        },
    ]

    /// A new event with a new id.
    static func event(_ type: String = "Happened", _ text: String = "payload") -> NewEvent {
        NewEvent(type: type, payload: Array(text.utf8))
    }

    /// What a refused operation must leave as it was.
    static func fingerprint(_ log: EventLog) throws -> String {
        "\(try log.lastPosition()) \(try log.headHash().map(String.init(describing:)) ?? "-")"
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(message()) }
    }

    /// Runs `body`, which must throw an `EventLogError` with `code`.
    static func refused(_ code: EventLogError.Code, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as EventLogError where error.code == code {
            return
        } catch {
            throw ConformanceFailure("expected \(code), got \(error)")
        }
        throw ConformanceFailure("expected \(code), but nothing was thrown")
    }
}

/// One case of the suite.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    public let description: String
    private let body: @Sendable (EventLog) async throws -> Void

    init(_ description: String, _ body: @escaping @Sendable (EventLog) async throws -> Void) {
        self.description = description
        self.body = body
    }

    /// Runs the case on `log`, a new, empty log of the backend under test.
    public func run(on log: EventLog) async throws { try await body(log) }
}

/// What did not hold.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
