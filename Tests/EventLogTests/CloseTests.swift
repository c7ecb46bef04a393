import Foundation
import Testing
@testable import EventLog

/// A closed handle refuses every call with `closed`; the last handle on a path lets go of its files.
@Suite("Closing a log")
struct CloseTests {
    @Test("a closed handle refuses every call, and closing twice does nothing")
    func refusesAfterClose() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s")
        #expect(!log.isClosed)
        log.close()
        log.close()
        #expect(log.isClosed)
        await expectError(.closed) { try await log.append([event()], to: "s") }
        await expectError(.closed) { try log.write { try $0.append([event()], to: "s") } }
        await expectError(.closed) { try log.read { $0.lastPosition } }
        await expectError(.closed) { try log.lastPosition() }
        await expectError(.closed) { try log.verify() }
        await expectError(.closed) { try log.flush() }
        await expectError(.closed) { try log.register(CountingProjection()) }
        await expectError(.closed) { try log.rebuild(CountingProjection()) }
        await expectError(.closed) { try log.readProjection(CountingProjection()) { _ in 0 } }
    }

    @Test("the last handle's close lets the path be opened again with other options")
    func reopensWithOtherOptions() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        let writer = try EventLog(path: path, options: .init(durability: .nonDurable))
        try await writer.append([event()], to: "s")
        writer.close()
        let reader = try EventLog(path: path, options: .readOnly)
        #expect(try reader.lastPosition() == 1)
        // While a read-only handle is open, this process cannot open the path for writing ...
        await expectError(.misuse) { try EventLog(path: path) }
        reader.close()
        // ... and once it is closed, it can.
        let again = try EventLog(path: path, options: .init(durability: .nonDurable))
        try await again.append([event()], to: "s")
        #expect(try again.lastPosition() == 2)
        #expect(try again.verify().isIntact)
    }

    @Test("closing one handle leaves another on the same path working")
    func otherHandleGoesOn() async throws {
        let directory = TemporaryDirectory()
        let first = try makeLog(directory)
        let second = try makeLog(directory)
        try await first.append([event()], to: "s")
        first.close()
        try await second.append([event()], to: "s")
        #expect(try second.lastPosition() == 2)
        await expectError(.closed) { try first.lastPosition() }
    }

    @Test("closing inside a read lets the read finish; the files are let go when the handle goes")
    func closeInsideRead() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        do {
            let log = try EventLog(path: path, options: .init(durability: .nonDurable))
            try await log.append([event()], to: "s")
            let seen = try log.read { snapshot in
                log.close()
                return snapshot.lastPosition
            }
            #expect(seen == 1)
            await expectError(.closed) { try log.lastPosition() }
        }
        let reader = try EventLog(path: path, options: .readOnly)
        #expect(try reader.lastPosition() == 1)
    }

    @Test("appends racing a close either commit whole or are refused as closed, and the log stays intact")
    func closeDuringAppends() async throws {
        let directory = TemporaryDirectory()
        let path = directory.child("log")
        let log = try EventLog(path: path, options: .init(durability: .nonDurable))
        let committed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        try await log.append([event("E", "\(index)"), event("E", "second \(index)")], to: "s\(index % 7)")
                        return true
                    } catch let error as EventLogError where error.code == .closed {
                        return false
                    }
                }
                if index == 100 { group.addTask { log.close(); return false } }
            }
            var count = 0
            for try await success in group where success { count += 1 }
            return count
        }
        let reader = try EventLog(path: path, options: .readOnly)
        #expect(try reader.lastPosition() == UInt64(committed * 2))
        #expect(try reader.verify().isIntact)
    }
}

extension CloseTests {
    @Test("a subscription of a handle that is closed ends with closed")
    func subscriptionEnds() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, subscriptionPollInterval: .milliseconds(10)))
        try await log.append([event()], to: "s")
        var iterator = log.subscribe().makeAsyncIterator()
        #expect(try await iterator.next()?.position == 1)
        log.close()
        await expectError(.closed) { try await iterator.next() }
    }
}
