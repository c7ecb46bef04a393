import Foundation
import Testing
@testable import EventLog

@Suite("Storage: map growth, stream-head checkpoints")
struct StorageTests {
    @Test("the map grows by itself; nobody sees MDB_MAP_FULL")
    func mapGrowth() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, initialMapSize: 64 << 10)
        let start = log.core.environment.currentMapSize
        let payload = [UInt8](repeating: 42, count: 50_000)
        for index in 0..<60 {
            try await log.append([NewEvent(type: "Big", payload: payload)], to: "s\(index % 7)")
        }
        try log.write { writer in
            for index in 0..<40 { try writer.append([NewEvent(type: "Big", payload: payload)], to: "w\(index)") }
        }
        #expect(log.core.environment.currentMapSize > start * 16)
        #expect(try log.lastPosition() == 100)
        #expect(try log.verify().isIntact)
    }

    @Test("room reserved ahead of a large write lets it run once; without it, the write runs again at each doubling")
    func reservedRoom() throws {
        let payload = [UInt8](repeating: 42, count: 50_000)
        func runs(reserving bytes: Int?) throws -> Int {
            let directory = TemporaryDirectory()
            let log = try makeLog(directory, initialMapSize: 64 << 10)
            if let bytes { try log.reserveRoom(bytes: bytes) }
            var runs = 0
            try log.write { writer in
                runs += 1
                for index in 0..<80 { try writer.append([NewEvent(type: "Big", payload: payload)], to: "w\(index)") }
            }
            #expect(try log.lastPosition() == 80)
            #expect(try log.verify().isIntact)
            return runs
        }
        #expect(try runs(reserving: nil) > 2)
        #expect(try runs(reserving: 80 * 100_000) == 1)
        // Room the address space cannot hold is refused, and the log keeps the map it had.
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, initialMapSize: 64 << 10)
        let refused = #expect(throws: EventLogError.self) { try log.reserveRoom(bytes: Int.max) }
        #expect(refused?.code == .storage)
        try log.write { writer in _ = try writer.append([NewEvent(type: "Big", payload: payload)], to: "after") }
        #expect(try log.read { try $0.events(inStream: "after").count } == 1)
    }

    @Test("stream heads stay right across checkpoints, reopening, and a reader older than the cache",
          arguments: [UInt64(1), 3, 1000])
    func checkpoints(interval: UInt64) async throws {
        let directory = TemporaryDirectory()
        var expected: [String: UInt64] = [:]
        do {
            let log = try makeLog(directory, checkpointInterval: interval)
            for index in 0..<40 {
                let stream = "s\(index * 7 % 5)"
                let version = expected[stream] ?? 0
                try await log.append([event()], to: stream, expecting: .exactly(version))
                expected[stream] = version + 1
            }
            for (stream, version) in expected {
                #expect(try log.read { try $0.streamVersion(stream) } == version)
            }
        }
        let log = try makeLog(directory, checkpointInterval: interval)
        for (stream, version) in expected {
            #expect(try log.read { try $0.streamVersion(stream) } == version)
            #expect(try log.storedEvents(stream).map(\.streamVersion) == Array(1...version))
            try await log.append([event()], to: stream, expecting: .exactly(version))
        }
        #expect(try log.verify().isIntact)
    }

    @Test("the heads checkpoint is right whether or not the writer's cache saw every append since the last one")
    func checkpointWithAndWithoutTheWritersCache() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, checkpointInterval: 10)
        var expected: [String: UInt64] = [:]
        func appendSingles(_ count: Int, to streams: [String]) async throws {
            for index in 0..<count {
                let stream = streams[index % streams.count]
                let version = expected[stream] ?? 0
                try await log.append([event()], to: stream, expecting: .exactly(version))
                expected[stream] = version + 1
            }
        }
        /// The heads checkpoint and every stream's entry in `streams`, read straight from the file.
        func storedHeads() throws -> (checkpoint: UInt64, versions: [String: UInt64]) {
            try log.core.environment.read { txn in
                let schema = log.core.schema
                var versions: [String: UInt64] = [:]
                for stream in expected.keys {
                    let number = try #require(try txn.streamNumber(schema, name: stream))
                    versions[stream] = try #require(try txn.streamEntry(schema, number: number)).head.version
                }
                return (try txn.headsCheckpoint(schema), versions)
            }
        }
        struct Stop: Error {}

        try await appendSingles(6, to: ["a", "b", "c"])
        // A write that fails after appending aborts, and the writer's cache goes with it: the next
        // checkpoint must take the heads from the records (a, b and c are not appended to again).
        #expect(throws: Stop.self) {
            try log.write { writer in
                try writer.append([event()], to: "a")
                throw Stop()
            }
        }
        try await appendSingles(4, to: ["d"])
        var stored = try storedHeads()
        #expect(stored.checkpoint == 10)
        #expect(stored.versions == expected)
        // From here the cache sees every append: the next checkpoint takes the heads from it.
        try await appendSingles(10, to: ["a", "d", "e"])
        stored = try storedHeads()
        #expect(stored.checkpoint == 20)
        #expect(stored.versions == expected)
        #expect(try log.verify().isIntact)
    }

    @Test("many concurrent appenders: every event lands once, positions are gapless, versions per stream are right")
    func concurrentAppenders() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, durability: .durable)
        let tasks = 16, perTask = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<perTask {
                        try await log.append([event("E", "\(task)-\(index)")], to: "stream-\(task % 4)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = try log.allEvents()
        #expect(all.count == tasks * perTask)
        #expect(all.map(\.position) == Array(1...UInt64(tasks * perTask)))
        #expect(Set(all.map { String(decoding: $0.payload, as: UTF8.self) }).count == tasks * perTask)
        for stream in 0..<4 {
            #expect(try log.storedEvents("stream-\(stream)").map(\.streamVersion) == Array(1...UInt64(tasks / 4 * perTask)))
        }
        #expect(try log.verify().isIntact)
    }

    #if os(Linux)
    @Test("releasing the mapped pages gives back the resident memory a pass took, and reads stay right")
    func releaseMappedPages() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, initialMapSize: 64 << 20)
        try log.write { writer in
            for index in 0..<400 {
                try writer.append([NewEvent(type: "Big", payload: [UInt8](repeating: UInt8(index % 251), count: 60_000))], to: "s\(index % 9)")
            }
        }
        func sum(_ snapshot: LogSnapshot) throws -> Int {
            var total = 0
            try snapshot.forEachEvent { event in total &+= event.payload.reduce(0) { $0 &+ Int($1) } &* Int(event.position) }
            return total
        }
        try log.read { snapshot in
            let first = try sum(snapshot)
            let touched = try residentFileKilobytes()
            log.core.environment.releaseMappedPages(above: 0)
            let released = try residentFileKilobytes()
            // 400 × 60 kB were mapped and read; other tests running meanwhile move this by a few MB at most.
            #expect(touched - released > 16_000, "resident file pages: \(touched) kB after the pass, \(released) kB after releasing")
            #expect(try sum(snapshot) == first)
        }
        #expect(try log.verify().isIntact)
    }

    /// This process's resident file-backed memory (`RssFile` in `/proc/self/status`), in kB.
    private func residentFileKilobytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
    #endif

    @Test("small durable commits write into zeros kept ahead of the data file's end; batches and non-durable logs keep none")
    func dataFileReserve() async throws {
        /// The data file's bytes past LMDB's last page.
        func ahead(_ log: EventLog, _ directory: TemporaryDirectory) throws -> [UInt8] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory.child("log") + "/data.mdb"))
            return Array(data.dropFirst(log.core.environment.usedSize))
        }
        let small = TemporaryDirectory()
        do {
            let log = try makeLog(small, durability: .durable, initialMapSize: 64 << 20)
            for index in 0..<20 { try await log.append([event("Small", "event \(index)")], to: "s\(index % 3)") }
            let zeros = try ahead(log, small)
            #expect(zeros.count >= DataFileReserve.lowWater)
            #expect(zeros.allSatisfy { $0 == 0 })
            // The commits that wrote into the reserve read back and verify, now and after reopening.
            #expect(try log.allEvents().map { String(decoding: $0.payload, as: UTF8.self) } == (0..<20).map { "event \($0)" })
            #expect(try log.verify().isIntact)
        }
        let reopened = try makeLog(small, durability: .durable, initialMapSize: 64 << 20)
        #expect(try reopened.lastPosition() == 20)
        #expect(try reopened.verify().isIntact)

        // Commits of 1,000 events grow the file by far more than the limit: zeroing would cost more
        // than it saves. A non-durable log never syncs, so it has nothing to save.
        for (durability, eventsPerCommit) in [(EventLog.Durability.durable, 1_000), (.nonDurable, 1)] {
            let directory = TemporaryDirectory()
            let log = try makeLog(directory, durability: durability, initialMapSize: 64 << 20)
            for commit in 0..<8 {
                try log.write { writer in
                    for index in 0..<eventsPerCommit {
                        try writer.append([event("Batched", String(repeating: "x", count: 100))], to: "s\(commit)-\(index % 50)")
                    }
                }
            }
            // Without a reserve the file ends at LMDB's last page.
            #expect(try ahead(log, directory).isEmpty, "\(durability), \(eventsPerCommit) events per commit")
        }
    }
}
