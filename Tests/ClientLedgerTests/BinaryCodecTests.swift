import Foundation
import Testing
import EventLog
@testable import ClientLedger

@Suite("Binary payloads")
struct BinaryCodecTests {
    static let key = ClientKey(bytes: [UInt8](0..<32))

    static func decode(_ event: LedgerEvent, _ bytes: [UInt8], key: ClientKey?) throws -> BinaryCodec.Decoded {
        try bytes.withUnsafeBytes { try BinaryCodec.decode(event.type, client: event.client, payload: $0, key: key) }
    }

    @Test("every event type is covered by the samples")
    func coverage() throws {
        #expect(Set(try sampleEvents().map(\.type)) == Set(LedgerEventType.allCases))
    }

    @Test("every event round-trips through its binary payload")
    func roundTrip() throws {
        for event in try sampleEvents() {
            let bytes = try BinaryCodec.encode(event, key: Self.key)
            let decoded = try Self.decode(event, bytes, key: Self.key)
            #expect(decoded.event == event, "\(event.type)")
            #expect(!decoded.personalDataErased)
        }
    }

    @Test("a reason on a reactivation or an erasure round-trips; without one the payload is the one of before")
    func lifecycleReasons() throws {
        let at = instant("2026-03-14T09:26:53Z")
        for (with, without) in [(LedgerEvent.clientReactivated(ClientReactivated(at: at, client: ada, reason: "back from abroad")),
                                 LedgerEvent.clientReactivated(ClientReactivated(at: at, client: ada))),
                                (.clientErased(ClientErased(at: at, client: ada, reason: "request of 2026-11-30")),
                                 .clientErased(ClientErased(at: at, client: ada)))] {
            let bytes = try BinaryCodec.encode(with, key: nil)
            #expect(try Self.decode(with, bytes, key: nil).event == with)
            // Layout version 1 had no reason: its payload is still written, and read, as it was.
            let old = try BinaryCodec.encode(without, key: nil)
            #expect(bytes.count > old.count)
            #expect(try Self.decode(without, old, key: nil).event == without)
            #expect(try InterchangeCodec.decode(line: InterchangeCodec.encode(with), lineNumber: 1) == with)
            #expect(!InterchangeCodec.encode(without).contains("reason"))
        }
        // The reason is checked as every text is.
        let client = try ClientID("ada")
        let refused = #expect(throws: LedgerError.self) {
            try LedgerEvent.clientErased(ClientErased(at: at, client: client, reason: String(repeating: "x", count: 5_000))).validate()
        }
        #expect(refused?.field == "reason")
    }

    @Test("payloads are compact and never JSON")
    func compact() throws {
        let checkout = try BinaryCodec.encode(.checkedOut(CheckedOut(at: instant("2026-03-14T09:26:53Z"), client: ada, visit: try VisitID("v1"), revenue: 4_550)), key: nil)
        #expect(checkout.count <= 16)
        #expect(!checkout.contains(UInt8(ascii: "{")))
    }

    @Test("without the key, personal fields read as erased and everything else stays")
    func erasedClient() throws {
        for event in try sampleEvents() {
            let bytes = try BinaryCodec.encode(event, key: Self.key)
            let decoded = try Self.decode(event, bytes, key: nil)
            #expect(decoded.personalDataErased == event.type.carriesPersonalData, "\(event.type)")
            #expect(decoded.event.at == event.at && decoded.event.client == event.client)
            switch decoded.event {
            case .clientRegistered(let e):
                #expect(e.name == "" && e.email == nil && e.phone == nil && e.birthDate == nil)
                #expect(e.referredBy?.rawValue == "babbage")
            case .clientDetailsChanged(let e):
                #expect(e.name == nil && e.email == nil && e.phone == nil && e.birthDate == nil)
            case .noteAdded(let e):
                #expect(e.text == "" && e.alert)
            case .documentAttached(let e):
                #expect(e.name == "" && e.bytes == 48_213 && e.mediaType == "application/pdf")
            case .intakeRecorded(let e):
                #expect(e.answers.isEmpty)
            default:
                #expect(decoded.event == event)
            }
        }
    }

    @Test("personal data is not in the payload in the clear")
    func sealed() throws {
        let event = try sampleEvents()[0]
        let bytes = try BinaryCodec.encode(event, key: Self.key)
        #expect(bytes.firstRange(of: Array("Lovelace".utf8)) == nil)
        #expect(bytes.firstRange(of: Array("ada@example".utf8)) == nil)
    }

    @Test("a sealed section bound to one client does not open as another's")
    func boundToClient() throws {
        let event = try sampleEvents()[0]
        let bytes = try BinaryCodec.encode(event, key: Self.key)
        #expect(throws: LedgerError.self) {
            try bytes.withUnsafeBytes { try BinaryCodec.decode(.clientRegistered, client: try ClientID("mallory"), payload: $0, key: Self.key) }
        }
    }

    @Test("damaged, truncated, padded or newer payloads are typed errors", arguments: [0, 1, 2, 3])
    func damaged(kind: Int) throws {
        let event = try sampleEvents()[13]
        var bytes = try BinaryCodec.encode(event, key: nil)
        switch kind {
        case 0: bytes.removeLast()
        case 1: bytes.append(0)
        case 2: bytes[0] = 9
        default: bytes = [1]
        }
        do {
            _ = try Self.decode(event, bytes, key: nil)
            Issue.record("decoded a damaged payload")
        } catch let error as LedgerError {
            #expect(error.code == (kind == 2 ? .newerPayloadVersion : .corruptPayload))
        }
    }

    @Test("sealed bytes open only with their key and context, and a failed open leaves the key usable")
    func sealing() throws {
        let key = BinaryCodecTests.key
        let context = SealingContext(.clientRegistered, ada)
        for plaintext in [[UInt8](), [7], Array("Ada Lovelace, ada@example.org".utf8), [UInt8](repeating: 1, count: 5_000)] {
            let sealed = try key.seal(plaintext, context: context)
            #expect(sealed.count == 12 + plaintext.count + 16)
            #expect(try sealed.withUnsafeBytes { try key.open($0, context: context) } == plaintext)
            // Random nonces: sealing twice gives two different byte strings.
            #expect(try key.seal(plaintext, context: context) != sealed)
            var tampered = sealed
            tampered[tampered.count - 1] ^= 1
            #expect(throws: LedgerError.self) { try tampered.withUnsafeBytes { try key.open($0, context: context) } }
            #expect(throws: LedgerError.self) { try sealed.withUnsafeBytes { try key.open($0, context: SealingContext(.clientRegistered, try ClientID("bob"))) } }
            #expect(throws: LedgerError.self) { try sealed.withUnsafeBytes { try key.open($0, context: SealingContext(.noteAdded, ada)) } }
            #expect(throws: LedgerError.self) { try sealed.withUnsafeBytes { try ClientKey.generate().open($0, context: context) } }
            #expect(throws: LedgerError.self) { try sealed.dropLast().withUnsafeBytes { try key.open($0, context: context) } }
            // The same key, after the failures, still opens (its reused context starts afresh).
            #expect(try sealed.withUnsafeBytes { try key.open($0, context: context) } == plaintext)
        }
        #expect(throws: LedgerError.self) { try [UInt8](repeating: 0, count: 27).withUnsafeBytes { try key.open($0, context: context) } }
    }

    @Test("a type with personal data cannot be written without a key")
    func needsKey() throws {
        #expect(throws: LedgerError.self) { try BinaryCodec.encode(try sampleEvents()[0], key: nil) }
    }
}

@Suite("Golden payloads: every old payload stays readable")
struct GoldenPayloadTests {
    static var fixture: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/payloads-v1.txt") }

    /// Writes the fixture when `GOLDEN_FIXTURE_DIR` is set; run once per new layout version.
    @Test("write the golden payloads (only with GOLDEN_FIXTURE_DIR set)")
    func write() throws {
        guard let folder = ProcessInfo.processInfo.environment["GOLDEN_FIXTURE_DIR"] else { return }
        var text = "# One line per sample event: index, type, payload in hex (layout version 1, key bytes 0...31).\n"
        for (index, event) in try sampleEvents().enumerated() {
            let bytes = try BinaryCodec.encode(event, key: BinaryCodecTests.key)
            text += "\(index) \(event.type.rawValue) \(bytes.map { String(format: "%02x", $0) }.joined())\n"
        }
        try text.write(toFile: folder + "/payloads-v1.txt", atomically: true, encoding: .utf8)
    }

    @Test("layout version 1 of every type decodes to the same event")
    func readsVersion1() throws {
        let samples = try sampleEvents()
        let lines = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == samples.count)
        var types = Set<LedgerEventType>()
        for line in lines {
            let parts = line.split(separator: " ")
            let index = try #require(Int(parts[0]))
            let type = try #require(LedgerEventType(rawValue: String(parts[1])))
            let hex = Array(parts[2].utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            let decoded = try bytes.withUnsafeBytes { try BinaryCodec.decode(type, client: samples[index].client, payload: $0, key: BinaryCodecTests.key) }
            #expect(decoded.event == samples[index], "line \(index) \(type)")
            types.insert(type)
        }
        #expect(types == Set(LedgerEventType.allCases))
    }
}
