import Testing
@testable import EventLog

@Suite("Appending and reading")
struct AppendAndReadTests {
    @Test("an empty log has no position, no head hash, and an intact chain")
    func emptyLog() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        #expect(try log.lastPosition() == 0)
        #expect(try log.headHash() == nil)
        let verification = try log.verify()
        #expect(verification.isIntact && verification.eventsChecked == 0 && verification.head == nil)
        #expect(try log.read { try $0.streamVersion("nobody") } == nil)
    }

    @Test("events get gapless positions, stream versions, one recorded-at per append, and keep their content")
    func positionsAndVersions() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let correlation = EventID()
        let first = try await log.append([event("A", "one", metadata: EventMetadata(correlationID: correlation, actor: "anna")),
                                          event("B", "two")], to: "s1", expecting: .noStream)
        #expect(first.firstPosition == 1 && first.lastPosition == 2 && first.streamVersion == 2 && !first.wasAlreadyRecorded)
        let second = try await log.append([event("C", "three", metadata: EventMetadata(causationID: correlation))], to: "s2")
        #expect(second.firstPosition == 3 && second.streamVersion == 1)
        let third = try await log.append([event("A", "four")], to: "s1", expecting: .exactly(2))
        #expect(third.firstPosition == 4 && third.streamVersion == 3)
        #expect(third.recordedAt >= second.recordedAt && second.recordedAt >= first.recordedAt)

        let all = try log.allEvents()
        #expect(all.map(\.position) == [1, 2, 3, 4])
        #expect(all.map(\.stream) == ["s1", "s1", "s2", "s1"])
        #expect(all.map(\.streamVersion) == [1, 2, 1, 3])
        #expect(all.map(\.type) == ["A", "B", "C", "A"])
        #expect(all.map { String(decoding: $0.payload, as: UTF8.self) } == ["one", "two", "three", "four"])
        #expect(all[0].metadata == EventMetadata(correlationID: correlation, actor: "anna"))
        #expect(all[2].metadata == EventMetadata(causationID: correlation))
        #expect(all[0].recordedAt == all[1].recordedAt)

        let stream = try log.storedEvents("s1")
        #expect(stream.map(\.position) == [1, 2, 4])
        #expect(try log.read { try $0.events(inStream: "s1", fromVersion: 2) }.map(\.streamVersion) == [2, 3])
        #expect(try log.read { try $0.streamVersion("s1") } == 3)
        #expect(try log.read { try $0.event(at: 3) }?.type == "C")
        #expect(try log.read { try $0.event(at: 5) } == nil)
        #expect(try log.read { try $0.events(from: 2, limit: 2) }.map(\.position) == [2, 3])
    }

    @Test("an empty actor is stored as no actor, without a crash (regression)")
    func emptyActor() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event(metadata: EventMetadata(actor: ""))], to: "s")
        #expect(try log.allEvents().first?.metadata.actor == nil)
        #expect(try log.verify().isIntact)
    }

    @Test("payloads are read in place, without copying, inside the read closure")
    func zeroCopyRead() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let big = [UInt8](repeating: 7, count: 100_000)
        try await log.append([NewEvent(type: "Big", payload: big)], to: "s")
        let sum = try log.read { snapshot in
            var total = 0
            try snapshot.forEachEvent { event in total += event.payload.reduce(0) { $0 + Int($1) } }
            return total
        }
        #expect(sum == 700_000)
    }

    @Test("reading an unknown stream is a typed error")
    func unknownStream() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        await expectError(.streamNotFound) { try log.storedEvents("ghost") }
    }

    @Test("events survive closing and reopening the log, and appends go on from there")
    func reopen() async throws {
        let directory = TemporaryDirectory()
        do {
            let log = try makeLog(directory, durability: .durable)
            try await log.append([event("A", "1")], to: "s", expecting: .noStream)
        }
        let log = try makeLog(directory)
        #expect(try log.lastPosition() == 1)
        try await log.append([event("A", "2")], to: "s", expecting: .exactly(1))
        #expect(try log.storedEvents("s").map(\.streamVersion) == [1, 2])
        #expect(try log.verify().isIntact)
    }

    @Test("two handles on one path share the log")
    func twoHandles() async throws {
        let directory = TemporaryDirectory()
        let one = try makeLog(directory)
        let two = try makeLog(directory)
        try await one.append([event()], to: "s")
        #expect(try two.lastPosition() == 1)
        try await two.append([event()], to: "s", expecting: .exactly(1))
        #expect(try one.read { try $0.streamVersion("s") } == 2)
    }

    @Test("timestamps print and parse as RFC 3339")
    func timestamps() {
        let instant = Timestamp(rfc3339: "2026-11-22T10:02:56.123456Z")
        #expect(instant?.description == "2026-11-22T10:02:56.123456Z")
        #expect(Timestamp(rfc3339: "2026-11-22T11:02:56+01:00") == Timestamp(rfc3339: "2026-11-22T10:02:56Z"))
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59Z")?.microsecondsSinceEpoch == -1_000_000)
        #expect(Timestamp(secondsSinceEpoch: 0).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(rfc3339: "2026-02-29T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2026-11-22") == nil)
        #expect(Timestamp(rfc3339: "2026-11-22T10:02:56") == nil)
    }

    @Test("event ids print and parse as UUIDs")
    func eventIDs() {
        let id = EventID()
        #expect(EventID(id.description) == id)
        #expect(EventID("not-a-uuid") == nil)
        #expect(EventID("00000000-0000-0000-0000-000000000001") == EventID(high: 0, low: 1))
    }
}
