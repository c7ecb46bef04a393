import Foundation
import Testing
@testable import EventLog

/// A fresh directory under the system temp folder, removed when the test is done with it.
final class TemporaryDirectory {
    let path: String

    init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "eventlog-tests/\(safe)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory (not created).
    func child(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func event(_ type: String = "Happened", _ text: String = "payload", id: EventID = EventID(), metadata: EventMetadata = .none) -> NewEvent {
    NewEvent(id: id, type: type, metadata: metadata, payload: bytes(text))
}

/// Opens a log in a new temporary directory, non-durable unless asked (tests need no fsync).
func makeLog(_ directory: TemporaryDirectory, durability: EventLog.Durability = .nonDurable,
             initialMapSize: Int = 1 << 20, checkpointInterval: UInt64 = 100_000) throws -> EventLog {
    try EventLog(path: directory.child("log"), options: .init(
        durability: durability, initialMapSize: initialMapSize, headsCheckpointInterval: checkpointInterval))
}

/// What a test compares to prove that a refused operation changed nothing.
func fingerprint(_ log: EventLog) throws -> String {
    "\(try log.lastPosition()) \(try log.headHash().map(String.init(describing:)) ?? "-")"
}

/// Expects `body` to throw an ``EventLogError`` with `code`, and returns it.
@discardableResult
func expectError<T>(_ code: EventLogError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async -> EventLogError? {
    do {
        _ = try await body()
        Issue.record("expected \(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as EventLogError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected EventLogError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension EventLog {
    /// The stored events of `stream`, copied.
    func storedEvents(_ stream: String) throws -> [StoredEvent] {
        try read { try $0.events(inStream: stream) }
    }

    /// Every stored event, copied.
    func allEvents() throws -> [StoredEvent] {
        try read { try $0.events() }
    }
}
