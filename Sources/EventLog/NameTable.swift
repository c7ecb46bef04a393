/// A hash table from names (compared by their UTF-8 bytes, as LMDB compares keys) to values: the
/// writer's stream cache (name → number and head, looked up once per append, see
/// ``WriterStreamCache``) and the name → code caches.
///
/// Why not `Dictionary<ByteString, …>`: with a `Hasher` call, a generic `==` and a lock around it,
/// the stream-name lookup was the largest single cost of a batched append after SHA-256 (about a
/// tenth). Here a name is hashed in one pass over its bytes, eight at a time, with a folded 64×64-bit
/// multiply (the mixing step of wyhash), and compared with `memcmp` only when the full 64-bit hashes
/// agree.
///
/// Names come from callers, so the hash is keyed: each table draws a random seed, and without it
/// nobody can choose names that collide. Open addressing with linear probing (see
/// ``OpenAddressing``); no removal (a cache is dropped whole). A value type with copy-on-write storage,
/// whose values can be changed in place through their slot (``index(of:)``, ``subscript(slot:)``).
package struct NameTable<Value> {
    /// One slot: hash, value and name side by side, so a lookup touches one cache line.
    fileprivate struct Slot {
        /// The full hash of the name; `0` marks an empty slot (a name's hash is never 0).
        var hash: UInt64
        /// The value; an empty slot holds the table's placeholder (not an optional, whose tag
        /// would widen every slot).
        var value: Value
        var name: String
    }

    private var slots: [Slot] = []
    private var shift: UInt64 = 64
    private let seed: UInt64
    /// What empty slots hold.
    private let placeholder: Value
    /// The number of entries.
    package private(set) var count = 0

    /// An empty table with its own random seed; `placeholder` fills its empty slots and is never
    /// returned.
    package init(placeholder: Value) {
        seed = UInt64.random(in: .min ... .max)
        self.placeholder = placeholder
    }

    /// The slot that holds `name`, or `nil`. Valid until the table next grows (a ``set(_:for:)`` of
    /// a new name).
    package func index(of name: String) -> Int? {
        guard count > 0 else { return nil }
        let original = name
        var name = name
        return name.withUTF8 { bytes in
            let hash = Self.hash(UnsafeRawBufferPointer(bytes), seed: seed)
            return slots.withUnsafeBufferPointer { slots in
                let mask = slots.count - 1
                var index = slot(hash)
                while true {
                    let found = slots[index].hash
                    if found == 0 { return nil }
                    if found == hash && (sameRepresentation(slots[index].name, original) || Self.equal(slots[index].name, UnsafeRawBufferPointer(bytes))) {
                        return index
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// The value for `name`, or `nil`.
    package subscript(name: String) -> Value? {
        index(of: name).map { slots[$0].value }
    }

    /// The value in slot `index`, found by ``index(of:)`` or returned by ``set(_:for:)``; changed in
    /// place.
    package subscript(slot index: Int) -> Value {
        get { slots[index].value }
        _modify { yield &slots[index].value }
    }

    /// Sets the value for `name`, adding the name if it is new, and returns its slot.
    @discardableResult
    package mutating func set(_ value: Value, for name: String) -> Int {
        if OpenAddressing.mustGrow(toHold: count + 1, capacity: slots.count) { resize(toHold: count + 1) }
        var copy = name
        let hash = copy.withUTF8 { Self.hash(UnsafeRawBufferPointer($0), seed: seed) }
        let mask = slots.count - 1
        var index = slot(hash)
        while true {
            let found = slots[index].hash
            if found == 0 {
                slots[index] = Slot(hash: hash, value: value, name: name)
                count += 1
                return index
            }
            if found == hash && utf8Equal(slots[index].name, name) {
                slots[index].value = value
                return index
            }
            index = (index + 1) & mask
        }
    }

    /// Calls `body` with every entry, in no particular order; `body` may change the value.
    package mutating func forEach(_ body: (String, inout Value) throws -> Void) rethrows {
        for index in slots.indices where slots[index].hash != 0 {
            try body(slots[index].name, &slots[index].value)
        }
    }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash >> shift)
    }

    /// Rehashes into room for `entries` entries.
    private mutating func resize(toHold entries: Int) {
        let capacity = OpenAddressing.capacity(toHold: entries)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        slots = OpenAddressing.rehash(slots, capacity: capacity, empty: Slot(hash: 0, value: placeholder, name: ""),
                                      isEmpty: { $0.hash == 0 }, home: { slot($0.hash) })
    }

    private static func equal(_ name: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var name = name
        return name.withUTF8 { stored in
            guard stored.count == bytes.count else { return false }
            guard let left = stored.baseAddress, let right = bytes.baseAddress else { return true } // both empty
            return memcmp(left, right, bytes.count) == 0
        }
    }

    /// 64×64 → 128-bit multiply, folded to 64 bits by XOR of its halves.
    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The keyed hash of `bytes`, never 0.
    @inline(__always)
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var state = seed ^ 0x2D35_8DCC_AA6C_78A5 ^ UInt64(truncatingIfNeeded: count)
        var offset = 0
        if let base = bytes.baseAddress {
            while offset + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                state = fold(word ^ 0x8BB8_4B93_962E_ACC9 ^ seed, state ^ 0x4B33_A62E_D433_D4A3)
                offset += 8
            }
            if offset < count {
                var word: UInt64 = 0
                for index in offset..<count {
                    word |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << (8 * UInt64(index - offset))
                }
                state = fold(word ^ 0x8BB8_4B93_962E_ACC9 ^ seed, state ^ 0x4B33_A62E_D433_D4A3)
            }
        }
        let hash = fold(state ^ 0x4D5A_2DA5_1DE1_AA47, 0x9E37_79B9_7F4A_7C15 ^ seed)
        return hash == 0 ? 1 : hash
    }
}

extension NameTable where Value: FixedWidthInteger {
    /// An empty table of numbers (its empty slots hold 0).
    package init() { self.init(placeholder: 0) }
}

extension NameTable: Sendable where Value: Sendable {}
extension NameTable.Slot: Sendable where Value: Sendable {}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
