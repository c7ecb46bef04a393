import Testing
@testable import EventLog

/// Overwrites one byte of the record at `position`, bypassing the log: what an attacker or a disk fault does.
func tamper(_ log: EventLog, position: UInt64, offsetFromEnd: Int? = nil, offset: Int? = nil, xor: UInt8 = 0x01) throws {
    try log.core.environment.write { txn in
        let stored = try #require(try txn.get(log.core.schema.events, key: position))
        var copy = Array(stored)
        let index = offset ?? (copy.count - (offsetFromEnd ?? 40))
        copy[index] ^= xor
        try copy.withUnsafeBytes { try txn.put(log.core.schema.events, key: position, value: $0) }
    }
}

@Suite("Hash chain")
struct HashChainTests {
    func filledLog(_ directory: TemporaryDirectory, events count: Int = 10) async throws -> EventLog {
        let log = try makeLog(directory)
        for index in 0..<count {
            try await log.append([event("E", "event \(index)")], to: "s\(index % 3)")
        }
        return log
    }

    @Test("the chain of an untouched log verifies, and its head hash is the last record's")
    func intact() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory)
        let verification = try log.verify()
        #expect(verification.isIntact && verification.eventsChecked == 10)
        #expect(verification.head == (try log.headHash()))
        #expect(verification.head?.position == 10)
        let head = try #require(verification.head)
        #expect(try HeadHash(head.description) == head)
        #expect(head.sha256.count == 64)
    }

    @Test("each hash is SHA-256 over the previous hash, the position, the record bytes and its type and stream names")
    func hashInputIsAsDocumented() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory, events: 3)
        try log.read { snapshot in
            var previous = ChainHash.genesis
            for position in UInt64(1)...3 {
                let bytes = try #require(try snapshot.txn.get(log.core.schema.events, key: position))
                let body = Array(bytes.dropLast(32))
                #expect(body[0] == 2, "records are written in format 2")
                // Independent computation with OpenSSL's one-shot API (EVP, not the chain's
                // SHA256_Init/Update/Final) over the concatenated input.
                var input = previous.bytes
                withUnsafeBytes(of: position.bigEndian) { input.append(contentsOf: $0) }
                input.append(contentsOf: body)
                let stream = Array("s\(position - 1)".utf8)
                input += [1] + Array("E".utf8) + [UInt8(stream.count)] + stream
                var expected = [UInt8](repeating: 0, count: 32)
                SHA256(input, input.count, &expected)
                #expect(Array(bytes.suffix(32)) == expected)
                previous = try #require(ChainHash(bytes: expected))
            }
        }
    }

    @Test("chain links match SHA-256 values computed elsewhere (Python's hashlib)")
    func knownAnswers() {
        // hashlib.sha256(b"\0" * 32 + (1).to_bytes(8, "big") + b"abc"), then the next link over bytes 0...199.
        let first = Array("abc".utf8).withUnsafeBytes { ChainHash.link(previous: .genesis, position: 1, body: $0) }
        #expect(first.hex == "328976acf07e9b1c4a8967f2d63902c9a724235b6363ac83087246ad84cd222a")
        let second = (0..<200).map { UInt8($0) }.withUnsafeBytes { ChainHash.link(previous: first, position: 2, body: $0) }
        #expect(second.hex == "b231d47b5ca1cd33261253b50c0d2710dd75678dc64646e77563eaad2a165fdc")
        // Format 2: hashlib.sha256(b"\0" * 32 + (1).to_bytes(8, "big") + b"abc" + bytes([16]) +
        // b"ClientRegistered" + bytes([8]) + b"client-1").
        let named = Array("abc".utf8).withUnsafeBytes { body in
            ChainHash.link(previous: .genesis, position: 1, body: body, typeName: "ClientRegistered", streamName: "client-1")
        }
        #expect(named.hex == "6acbf71ccba9b630ebb47101f901c273844a1499f8f9e5393cb1d68f1c03c61e")
    }

    @Test("a changed payload byte is found at its position", arguments: [1, 4, 10])
    func tamperedPayload(position: UInt64) async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory)
        try tamper(log, position: position)
        let verification = try log.verify()
        #expect(!verification.isIntact)
        #expect(verification.firstBrokenPosition == position)
        #expect(verification.problem != nil)
    }

    @Test("a rewritten record with a recomputed own hash still breaks the chain at the next record")
    func rewrittenWithOwnHash() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory)
        // Rewrite record 4's payload and give it a consistent hash; record 5 no longer links to it.
        try log.core.environment.write { txn in
            let stored = try #require(try txn.get(log.core.schema.events, key: 4))
            var copy = Array(stored)
            copy[copy.count - 40] ^= 1
            let previousBytes = try #require(try txn.get(log.core.schema.events, key: 3))
            let previous = ChainHash(loadingFrom: previousBytes.baseAddress! + previousBytes.count - 32)
            let header = try RecordHeader(position: 4, bytes: stored)
            let hash = try copy.withUnsafeBytes { bytes in
                try RecordHeader(position: 4, bytes: bytes).expectedHash(position: 4, previous: previous, typeName: "E", streamName: "s0")
            }
            #expect(header.version == 2)
            copy.replaceSubrange((copy.count - 32)..., with: hash.bytes)
            try copy.withUnsafeBytes { try txn.put(log.core.schema.events, key: 4, value: $0) }
        }
        let verification = try log.verify()
        #expect(verification.firstBrokenPosition == 5)
    }

    @Test("a deleted record is reported as missing")
    func deletedRecord() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory)
        try log.core.environment.write { txn in
            var key = UInt64(6).bigEndian
            try withUnsafeBytes(of: &key) { _ = try txn.delete(log.core.schema.events, key: $0) }
        }
        let verification = try log.verify()
        #expect(verification.firstBrokenPosition == 6)
    }

    @Test("an anchor written down earlier proves the history up to it, and exposes a rewrite")
    func anchor() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory, events: 5)
        let anchor = try #require(try log.headHash())
        try await log.append([event()], to: "later")
        #expect(try log.verify(anchors: [anchor]).anchorMatches == true)
        #expect(try log.verify(anchors: [anchor]).isIntact)
        let forged = try HeadHash("5:" + String(repeating: "0", count: 64))
        let checked = try log.verify(anchors: [anchor, forged])
        #expect(checked.anchors.map(\.holds) == [true, false])
        #expect(checked.anchors[1].problem?.contains("position 5") == true)
        #expect(!checked.isIntact)
        try tamper(log, position: 2)
        #expect(try !log.verify(anchors: [anchor]).isIntact)
    }

    @Test("a log cut short passes every check but an anchor kept outside it")
    func truncation() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory, events: 6)
        let anchor = try #require(try log.headHash())
        try log.core.environment.write { txn in
            var key = UInt64(6).bigEndian
            try withUnsafeBytes(of: &key) { _ = try txn.delete(log.core.schema.events, key: $0) }
        }
        #expect(try log.verify().isIntact, "without an anchor, a cut-off tail cannot be seen")
        let verification = try log.verify(anchors: [anchor])
        #expect(!verification.isIntact)
        #expect(verification.anchors.first?.problem?.contains("ends at position 5") == true)
    }

    @Test("a malformed anchor is an error that says what is wrong, never an anchor that checks nothing", arguments: [
        "1042:9f86d0…", "9f86d081884c7d65", "0:" + String(repeating: "a", count: 64), "x:" + String(repeating: "a", count: 64),
        "12:" + String(repeating: "g", count: 64), "", "12:" + String(repeating: "a", count: 63),
    ])
    func malformedAnchor(text: String) async throws {
        await expectError(.invalidHeadHash) { try HeadHash(text) }
        #expect(try HeadHash(" 12:" + String(repeating: "A", count: 64) + "\n").position == 12)
    }

    @Test("a damaged record header is a typed error naming its position when read")
    func corruptHeader() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory, events: 3)
        try tamper(log, position: 3, offset: 0, xor: 0x07)
        let newer = await expectError(.newerFormat) { try log.read { try $0.events(from: 3) } }
        #expect(newer?.position == 3)
        try tamper(log, position: 2, offset: 1, xor: 0x80)
        let error = await expectError(.corruptRecord) { try log.allEvents() }
        #expect(error?.position == 2)
        #expect(try log.verify().firstBrokenPosition == 2)
    }

    @Test("progress is reported while verifying")
    func progress() async throws {
        let directory = TemporaryDirectory()
        let log = try await filledLog(directory, events: 4)
        var reports: [(UInt64, UInt64)] = []
        _ = try log.verify { reports.append(($0, $1)) }
        #expect(reports.last.map { $0.0 == 4 && $0.1 == 4 } == true)
    }
}

import COpenSSL
