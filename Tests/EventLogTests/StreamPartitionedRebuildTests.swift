import Foundation
import Synchronization
import Testing
@testable import EventLog

/// Per stream: how many events it has, and the sum, over them, of the largest number any event of
/// the log carried up to each — a value that depends on every stream's events, which a worker keeps up from
/// the events it only observes (and every batch stores under `~max`, as the watermark of the
/// client cards is). `log` counts the batches begun and the events applied and observed, and can
/// make one position's event fail.
struct StreamTally: StreamPartitionedProjection {
    var name = "streamTally"
    var version: UInt32 = 1
    let log = Record()

    final class Record: Sendable {
        let batches = Mutex(0)
        /// The positions whose events `apply` refuses.
        let failing = Mutex<ClosedRange<UInt64>?>(nil)
        /// The events applied and observed, in all.
        let applied = Mutex(0)
        let observed = Mutex(0)
    }

    struct Failure: Error, Equatable { let position: UInt64 }

    struct Batch {
        var streams: [String: (count: UInt64, sum: UInt64)] = [:]
        /// The largest number seen so far, the stored one included (`nil` until read).
        var largest: UInt64?
    }

    static let largestKey = Array("~max".utf8)

    /// Moves the batch's largest number to the event's, if larger.
    func see(_ event: RecordedEvent, in batch: inout Batch, state: ProjectionState) throws {
        let stored = try batch.largest ?? state.withValue(forKey: Self.largestKey) { $0.map { $0.loadUnaligned(as: UInt64.self) } } ?? 0
        batch.largest = max(stored, UInt64(String(decoding: event.payload, as: UTF8.self)) ?? 0)
    }

    func beginBatch(_ state: ProjectionState) throws -> Batch {
        log.batches.withLock { $0 += 1 }
        return Batch()
    }

    func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        if log.failing.withLock({ $0?.contains(event.position) }) == true { throw Failure(position: event.position) }
        log.applied.withLock { $0 += 1 }
        try see(event, in: &batch, state: state)
        let stream = event.stream
        let tally = try batch.streams[stream] ?? state.withValue(forKey: Array(stream.utf8)) { bytes in
            bytes.map { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        } ?? (0, 0)
        batch.streams[stream] = (tally.count + 1, tally.sum + (batch.largest ?? 0))
    }

    func observe(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws {
        log.observed.withLock { $0 += 1 }
        try see(event, in: &batch, state: state)
    }

    func entryCount(of batch: Batch) -> Int { batch.streams.count }

    func merge(_ other: Batch, into batch: inout Batch) throws {
        for (stream, tally) in other.streams {
            #expect(batch.streams[stream] == nil, "two workers applied stream \(stream)")
            batch.streams[stream] = tally
        }
        #expect(batch.largest == other.largest, "both workers saw every event")
    }

    func endBatch(_ batch: inout Batch, state: ProjectionState) throws {
        for (stream, tally) in batch.streams {
            try state.setValue([tally.count, tally.sum].withUnsafeBytes { Array($0) }, forKey: Array(stream.utf8))
        }
        if let largest = batch.largest { try state.setValue(withUnsafeBytes(of: largest) { Array($0) }, forKey: Self.largestKey) }
    }

    static func read(_ state: ProjectionState) throws -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        try state.forEach(prefix: []) { key, value in
            result[String(decoding: key, as: UTF8.self)] = value.count == 8 ? [value.loadUnaligned(as: UInt64.self)]
                : [value.loadUnaligned(as: UInt64.self), value.loadUnaligned(fromByteOffset: 8, as: UInt64.self)]
            return true
        }
        return result
    }
}

@Suite("Rebuilds that apply streams on several threads")
struct StreamPartitionedRebuildTests {
    /// A log of 500 events over 13 streams, each carrying a number that rises and falls, kept in
    /// `directory`, whose rebuild steps apply 120 events on `workers` threads and write 3 streams
    /// per transaction.
    func makeLog(_ directory: TemporaryDirectory, workers: Int) async throws -> EventLog {
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, rebuildBatchSize: 120,
                                                                             rebuildWriteLimit: 3, rebuildWorkers: workers))
        for index in 0..<500 { try await log.append([event("T\(index % 4)", "\((index * 37) % 1_009)")], to: "s\((index * 7) % 13)") }
        return log
    }

    @Test("each of several workers applies its own streams and observes the rest; together they store what one thread and a replay store",
          arguments: [1, 2, 3])
    func workersStoreWhatOneStores(workers: Int) async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory, workers: workers)
        let projection = StreamTally()
        try log.rebuild(projection)
        let stored = try log.readProjection(projection) { try StreamTally.read($0) }
        let replayed = try log.replay(StreamTally()) { try StreamTally.read($0) }
        #expect(stored == replayed)
        let streams = stored.filter { $0.key.hasPrefix("s") }
        #expect(streams.count == 13 && streams.values.map { $0[0] }.reduce(0, +) == 500)
        #expect(stored["~max"] == [1_007])
        #expect(Set(streams.values.map { $0[1] }).count > 5, "the sums of the largest numbers as of each stream's events: \(streams)")
        // Steps of 120 events: four of 120 and one of 20 read in snapshots; the switch applies none.
        let steps = 4
        #expect(projection.log.batches.withLock { $0 } >= steps * workers)
        #expect(projection.log.applied.withLock { $0 } == 500)
        #expect(projection.log.observed.withLock { $0 } >= steps * 120 * (workers - 1))
    }

    @Test("a failure stops the rebuild with the error one thread meets first, whichever worker meets it; the old version keeps serving",
          arguments: [UInt64(301), 302, 303])
    func workerFailure(first: UInt64) async throws {
        let directory = TemporaryDirectory()
        let log = try await makeLog(directory, workers: 3)
        try log.register(StreamTally())
        // Twenty failing events in a row, of streams that all three workers apply: the error is
        // the first one's, as on one thread (the workers that meet later ones stop there).
        let failing = StreamTally(version: 2)
        failing.log.failing.withLock { $0 = first...(first + 20) }
        let error = #expect(throws: EventLogError.self) { try log.rebuild(failing) }
        // The projection's error, as the cause of the rebuild's (an error need not be Sendable: it is described).
        #expect(error?.code == .storage && "\(error?.cause.map { "\($0)" } ?? "")" == "\(StreamTally.Failure(position: first))")
        let status = try log.projectionStatus("streamTally")
        #expect(status?.version == 1 && status?.checkpoint == 500)
        #expect(try log.readProjection(StreamTally()) { try StreamTally.read($0) } == (try log.replay(StreamTally()) { try StreamTally.read($0) }))
        // Once the failure is gone, the rebuild runs to the switch.
        failing.log.failing.withLock { $0 = nil }
        try log.rebuild(failing)
        #expect(try log.projectionStatus("streamTally")?.version == 2)
        #expect(try log.readProjection(failing) { try StreamTally.read($0) } == (try log.replay(failing) { try StreamTally.read($0) }))
    }

    @Test("a step ends early once its batches hold the entries they may, and stores what a replay does", arguments: [1, 3])
    func stepsEndByEntries(workers: Int) async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, rebuildBatchSize: 120, rebuildWriteLimit: 3,
                                                                             rebuildStepEntries: 4, rebuildWorkers: workers))
        for index in 0..<500 { try await log.append([event("T\(index % 4)", "\((index * 37) % 1_009)")], to: "s\((index * 7) % 13)") }
        let projection = StreamTally()
        try log.rebuild(projection)
        #expect(try log.readProjection(projection) { try StreamTally.read($0) } == (try log.replay(StreamTally()) { try StreamTally.read($0) }))
        // Steps of 120 events read 15 at a time (an eighth), ending once 4 of the 13 streams are
        // held: far more steps than the 5 that 120 events each would make.
        let steps = projection.log.batches.withLock { $0 } / workers
        #expect(steps >= 20, "\(steps) steps")
        #expect(projection.log.applied.withLock { $0 } == 500, "each event applied once")
    }

    @Test("an import's projection work ends a batch once it holds the entries it may, and stores what a replay does")
    func inlineBatchesEndByEntries() async throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(path: directory.child("log"), options: .init(durability: .nonDurable, projectionBatchSize: 10, rebuildBatchSize: 40,
                                                                             rebuildStepEntries: 3))
        let projection = StreamTally()
        try log.register(projection)
        // One transaction of 200 events over 13 streams: applied in batches of up to 40 events,
        // read 5 at a time, each batch ending once it holds 3 streams.
        try log.write { writer in
            for index in 0..<200 { try writer.append([event("T0", "\(index % 50)")], to: "s\(index % 13)") }
        }
        #expect(try log.readProjection(projection) { try StreamTally.read($0) } == (try log.replay(StreamTally()) { try StreamTally.read($0) }))
        let batches = projection.log.batches.withLock { $0 }
        #expect(batches >= 40, "\(batches) batches")
    }

    @Test("the number of workers is at least one and at most the stated maximum")
    func workerBounds() {
        #expect(EventLog.Options(rebuildWorkers: 0).rebuildWorkers == 1)
        #expect(EventLog.Options(rebuildWorkers: -5).rebuildWorkers == 1)
        #expect(EventLog.Options(rebuildWorkers: 1_000).rebuildWorkers == EventLog.Options.maximumRebuildWorkers)
        #expect(EventLog.Options(rebuildStepEntries: 0).rebuildStepEntries == 1)
        #expect((1...4).contains(EventLog.Options().rebuildWorkers))
    }
}
