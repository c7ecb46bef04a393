import Testing
import EventLog

/// The engine's own hash tables (stream heads and names on the append path) must behave exactly
/// like `Dictionary`: a wrong answer here would hand out a wrong stream version or number.
@Suite("Hash tables")
struct HashTableTests {
    @Test("NumberTable agrees with Dictionary over random inserts, updates, reservations and copies")
    func numberTableAgreesWithDictionary() {
        var random = SeededRandom(seed: 7)
        var table = NumberTable<Int>()
        var reference: [UInt64: Int] = [:]
        // Small keys collide in slots; 0 and .max are the edges of the key space.
        let keyPool: [UInt64] = [0, 1, 2, .max, .max - 1] + (0..<3_000).map { _ in UInt64.random(in: 1...6_000, using: &random) }
        var snapshots: [(NumberTable<Int>, [UInt64: Int])] = []
        for step in 0..<20_000 {
            let key = keyPool[Int.random(in: 0..<keyPool.count, using: &random)]
            table.set(step, for: key)
            reference[key] = step
            if step % 2_500 == 0 { snapshots.append((table, reference)) }
            if step % 5_000 == 4_999 { table.reserveCapacity(table.count + 1_000) }
        }
        #expect(table.count == reference.count)
        for key in keyPool + [3, 6_001, 123_456_789] { #expect(table[key] == reference[key]) }
        var seen: [UInt64: Int] = [:]
        table.forEach { seen[$0] = $1 }
        #expect(seen == reference)
        // Copies taken along the way kept their contents (copy on write).
        for (copy, expected) in snapshots {
            #expect(copy.count == expected.count)
            for key in keyPool { #expect(copy[key] == expected[key]) }
        }
    }

    @Test("NameTable agrees with Dictionary, comparing names by their UTF-8 bytes")
    func nameTableAgreesWithDictionary() {
        var random = SeededRandom(seed: 11)
        var table = NameTable<Int>()
        var reference: [ByteString: Int] = [:]
        // Lengths 0 to 40 cover the 8-byte steps and every tail length; the two spellings of "é"
        // are equal to Swift's `==` but are two different names for LMDB, and here.
        var names = ["", "a", "é", "e\u{301}", "stream-1", "stream-10", String(repeating: "x", count: 255)]
        names += (0..<2_000).map { index in
            let length = Int.random(in: 1...40, using: &random)
            return "s\(index)-" + String((0..<length).map { _ in Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &random))) })
        }
        for step in 0..<10_000 {
            let name = names[Int.random(in: 0..<names.count, using: &random)]
            table.set(step, for: name)
            reference[ByteString(name)] = step
        }
        #expect(table.count == reference.count)
        for name in names + ["absent", "stream-100", "e"] { #expect(table[name] == reference[ByteString(name)]) }
        // Changed in place through a slot, and through `forEach`.
        for name in names.prefix(500) {
            guard let slot = table.index(of: name) else { continue }
            table[slot: slot] += 1_000_000
            reference[ByteString(name)] = table[slot: slot]
        }
        table.forEach { _, value in value += 1 }
        var seen: [ByteString: Int] = [:]
        table.forEach { name, value in seen[ByteString(name)] = value }
        #expect(seen == reference.mapValues { $0 + 1 })
        #expect(table.index(of: "absent") == nil)
        table.set(1, for: "é")
        table.set(2, for: "e\u{301}")
        #expect(table["é"] == 1 && table["e\u{301}"] == 2)
    }

    @Test("Two name tables hash with different seeds, and each finds its own names")
    func seedsDiffer() {
        var first = NameTable<Int>(), second = NameTable<Int>()
        for index in 0..<100 {
            first.set(index, for: "client-\(index)")
            second.set(index, for: "client-\(index)")
        }
        for index in 0..<100 {
            #expect(first["client-\(index)"] == index && second["client-\(index)"] == index)
        }
        let bytes = Array("client-1".utf8)
        let hashes = (0..<8).map { seed in bytes.withUnsafeBytes { NameTable<Int>.hash($0, seed: UInt64(seed)) } }
        #expect(Set(hashes).count == hashes.count)
        #expect(!hashes.contains(0))
    }
}
