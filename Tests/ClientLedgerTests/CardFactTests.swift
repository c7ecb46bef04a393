import Foundation
import Testing
import EventLog
@testable import ClientLedger

/// The facts a card stores (``CardJournal``) are part of the projection's stored state: a rebuild,
/// a replay and the inline projection must write them byte for byte alike, and a change of their
/// layout needs a new projection version. These fixtures pin the layout, from payloads as stored.
@Suite("Golden card facts: each payload gives the same fact bytes")
struct GoldenCardFactTests {
    static var fixture: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/card-facts-v2.txt") }

    /// The sample of every type, and the optional fields left out where a type has them, and a fact
    /// of 128 bytes or more (its length prefix takes two bytes).
    static func samples() throws -> [LedgerEvent] {
        let at = instant("2026-03-14T09:26:53.589793Z")
        return try sampleEvents() + [
            .clientRegistered(ClientRegistered(at: at, client: ada, name: "Ada", email: nil, phone: nil, birthDate: nil, referredBy: nil)),
            .consentChanged(ConsentChanged(at: at, client: ada, consent: .marketing, granted: false, source: nil)),
            .clientArchived(ClientArchived(at: at, client: ada, reason: nil)),
            .pointsAccrued(PointsAccrued(at: at, client: ada, points: 100, reason: .referral, visit: nil)),
            .discountRedeemed(DiscountRedeemed(at: at, client: ada, points: 250, discount: 1_250, visit: nil)),
            .subscriptionPurchased(SubscriptionPurchased(at: at, client: ada, subscription: try SubscriptionID("s3"),
                                                         plan: String(repeating: "long plan name ", count: 12), price: 1, allowance: .sessions(1))),
            .reminderScheduled(ReminderScheduled(at: at, client: ada, appointment: try AppointmentID("a2"), channel: .email,
                                                 sendAt: instant("1969-12-31T23:59:59Z"))),
        ]
    }

    /// The fact bytes the card projection appends for one stored payload, or `nil` for none.
    static func fact(_ type: LedgerEventType, payload: [UInt8]) throws -> [UInt8]? {
        var entries = PayloadWriter()
        return try payload.withUnsafeBytes { try CardJournal.appendEntry(type: type, payload: $0, to: &entries) } ? entries.bytes : nil
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(_ hex: Substring) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        return try stride(from: 0, to: digits.count, by: 2).map { try #require(UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)) }
    }

    /// Writes the fixture when `GOLDEN_FIXTURE_DIR` is set; run once per new card layout.
    @Test("write the golden card facts (only with GOLDEN_FIXTURE_DIR set)")
    func write() throws {
        guard let folder = ProcessInfo.processInfo.environment["GOLDEN_FIXTURE_DIR"] else { return }
        var text = "# One line per sample: index, type, payload in hex (key bytes 0...31), the card fact in hex or - for none.\n"
        for (index, event) in try Self.samples().enumerated() {
            let payload = try BinaryCodec.encode(event, key: BinaryCodecTests.key)
            text += "\(index) \(event.type.rawValue) \(Self.hex(payload)) \(try Self.fact(event.type, payload: payload).map(Self.hex) ?? "-")\n"
        }
        try text.write(toFile: folder + "/card-facts-v2.txt", atomically: true, encoding: .utf8)
    }

    @Test("every payload gives the fact bytes of card layout 2")
    func readsLayout2() throws {
        let lines = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == (try Self.samples()).count)
        var types = Set<LedgerEventType>()
        for line in lines {
            let parts = line.split(separator: " ")
            try #require(parts.count == 4)
            let type = try #require(LedgerEventType(rawValue: String(parts[1])))
            let expected = parts[3] == "-" ? nil : try Self.bytes(parts[3])
            #expect(try Self.fact(type, payload: try Self.bytes(parts[2])) == expected, "line \(parts[0]) \(type)")
            types.insert(type)
        }
        #expect(types == Set(LedgerEventType.allCases))
    }

    /// Whether `payload` decodes, as the log's readers see it.
    static func decodes(_ type: LedgerEventType, _ payload: [UInt8]) -> Bool {
        (try? payload.withUnsafeBytes { try BinaryCodec.decode(type, client: ada, payload: $0, key: nil, keepSealed: true) }) != nil
    }

    @Test("a damaged payload gives a fact exactly when it decodes, and a failure appends nothing")
    func damagedPayloads() throws {
        var random = SeededRandom(seed: 11)
        let before: [UInt8] = [0xAB, 0xCD]
        var failures = 0
        for event in try Self.samples() where CardJournal.Kind(event.type) != nil {
            let payload = try BinaryCodec.encode(event, key: BinaryCodecTests.key)
            var damaged: [[UInt8]] = (0..<payload.count).map { Array(payload[..<$0]) } + [payload + [0]]
            for _ in 0..<200 {
                var copy = payload
                copy[Int.random(in: 0..<copy.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                damaged.append(copy)
            }
            for bytes in damaged {
                var entries = PayloadWriter()
                entries.raw(before)
                let appended = try? bytes.withUnsafeBytes { try CardJournal.appendEntry(type: event.type, payload: $0, to: &entries) }
                #expect((appended != nil) == Self.decodes(event.type, bytes), "\(event.type) \(Self.hex(bytes))")
                if appended == nil {
                    failures += 1
                    #expect(entries.bytes == before, "\(event.type): a failed fact left bytes behind")
                }
            }
        }
        #expect(failures > 1_000) // the damage was real
    }
}
