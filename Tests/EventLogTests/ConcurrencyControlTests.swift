import Testing
@testable import EventLog

@Suite("Expected versions and safe retries")
struct ConcurrencyControlTests {
    @Test("a wrong expected version is refused and changes nothing")
    func wrongExpectedVersion() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event(), event()], to: "s", expecting: .noStream)
        let before = try fingerprint(log)
        let error = await expectError(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .exactly(1)) }
        #expect(error?.stream == "s")
        await expectError(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .noStream) }
        await expectError(.wrongExpectedVersion) { try await log.append([event()], to: "s", expecting: .exactly(7)) }
        #expect(try fingerprint(log) == before)
        try await log.append([event()], to: "s", expecting: .exactly(2))
        try await log.append([event()], to: "s", expecting: .streamExists)
        #expect(try log.read { try $0.streamVersion("s") } == 4)
    }

    @Test("expecting a stream that does not exist is refused as unknown stream")
    func unknownStream() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        await expectError(.streamNotFound) { try await log.append([event()], to: "s", expecting: .streamExists) }
        await expectError(.streamNotFound) { try await log.append([event()], to: "s", expecting: .exactly(3)) }
        #expect(try log.lastPosition() == 0)
        try await log.append([event()], to: "s", expecting: .exactly(0))
        #expect(try log.lastPosition() == 1)
    }

    @Test("of two writers that read the same version, exactly one wins")
    func racingWriters() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await log.append([event()], to: "s", expecting: .noStream)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await log.append([event()], to: "s", expecting: .exactly(1))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try log.read { try $0.streamVersion("s") } == 2)
    }

    @Test("a retried append with the same ids and content is recorded once", arguments: ["exactly", "noStream", "any"])
    func idempotentRetry(mode: String) async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        if mode == "exactly" { try await log.append([event("Start")], to: "s", expecting: .noStream) }
        let expected: ExpectedVersion = switch mode {
        case "exactly": .exactly(1)
        case "noStream": .noStream
        default: .any
        }
        let batch = [event("A", "1"), event("B", "2", metadata: EventMetadata(actor: "x"))]
        let first = try await log.append(batch, to: "s", expecting: expected)
        let before = try fingerprint(log)
        let retry = try await log.append(batch, to: "s", expecting: expected)
        #expect(retry.wasAlreadyRecorded)
        #expect(retry.firstPosition == first.firstPosition && retry.lastPosition == first.lastPosition)
        #expect(retry.streamVersion == first.streamVersion && retry.recordedAt == first.recordedAt)
        #expect(try fingerprint(log) == before)
    }

    @Test("the same ids with other content are refused")
    func idReusedWithOtherContent() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let id = EventID()
        try await log.append([event("A", "original", id: id)], to: "s", expecting: .noStream)
        let before = try fingerprint(log)
        let error = await expectError(.eventIDReused) { try await log.append([event("A", "changed", id: id)], to: "s", expecting: .noStream) }
        #expect(error?.position == 1)
        await expectError(.eventIDReused) { try await log.append([event("Other", "original", id: id)], to: "s", expecting: .noStream) }
        await expectError(.eventIDReused) { try await log.append([event("A", "original", id: id, metadata: EventMetadata(actor: "y"))], to: "s", expecting: .any) }
        #expect(try fingerprint(log) == before)
    }

    @Test("a retry after another writer appended is a wrong expected version, not a duplicate")
    func retryAfterOthers() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let mine = event("Mine")
        try await log.append([mine], to: "s", expecting: .noStream)
        try await log.append([event("Theirs")], to: "s", expecting: .exactly(1))
        // Retrying at the place it was recorded is recognised even though the stream moved on.
        #expect(try await log.append([mine], to: "s", expecting: .noStream).wasAlreadyRecorded)
        // A new event at a stale place is a conflict.
        await expectError(.wrongExpectedVersion) { try await log.append([event("New")], to: "s", expecting: .exactly(1)) }
        #expect(try log.lastPosition() == 2)
    }
}
