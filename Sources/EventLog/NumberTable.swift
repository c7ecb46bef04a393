/// A hash table from numbers the log hands out (stream numbers, type codes) to values: the
/// engine's caches on the append and read paths.
///
/// Why not `Dictionary`: it hashes every key with SipHash through `Hasher`, a defence against keys
/// chosen to collide, at the price of a call and a few dozen instructions per lookup. These keys are
/// not chosen by anyone: the log numbers streams 1, 2, 3, … A multiplicative (Fibonacci) hash
/// spreads such keys evenly for one multiply. When every batched append looked its stream's head up
/// in one of these, `Dictionary` took about a fifth of the append's time; appends now go through
/// ``WriterStreamCache`` and come here only for streams it does not know.
///
/// Open addressing with linear probing (see ``OpenAddressing``). Entries are never removed one by
/// one (a cache is dropped whole). A value type with copy-on-write storage, like the standard
/// collections.
package struct NumberTable<Value> {
    /// One slot: key and value side by side, so a lookup touches one cache line, not two.
    fileprivate struct Slot {
        /// `0` marks an empty slot; the value of key `0` itself is kept in `zeroValue`.
        var key: UInt64
        var value: Value?
    }

    private var slots: [Slot] = []
    private var zeroValue: Value?
    /// `64 - log2(capacity)`: the multiply's top bits pick the slot.
    private var shift: UInt64 = 64
    /// The number of entries.
    package private(set) var count = 0

    /// An empty table with room for `minimumCapacity` entries before it grows.
    package init(minimumCapacity: Int = 0) {
        if minimumCapacity > 0 { resize(toHold: minimumCapacity) }
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value for `key`, or `nil`.
    @inline(__always)
    package subscript(key: UInt64) -> Value? {
        if key == 0 { return zeroValue }
        return slots.withUnsafeBufferPointer { slots in
            guard !slots.isEmpty else { return nil }
            let mask = slots.count - 1
            var index = slot(key)
            while true {
                let found = slots[index].key
                if found == key { return slots[index].value }
                if found == 0 { return nil }
                index = (index + 1) & mask
            }
        }
    }

    /// Sets the value for `key`, adding the key if it is new.
    package mutating func set(_ value: Value, for key: UInt64) {
        if key == 0 {
            if zeroValue == nil { count += 1 }
            zeroValue = value
            return
        }
        if OpenAddressing.mustGrow(toHold: count + 1, capacity: slots.count) { resize(toHold: count + 1) }
        let mask = slots.count - 1
        var index = slot(key)
        while true {
            let found = slots[index].key
            if found == key {
                slots[index].value = value
                return
            }
            if found == 0 {
                slots[index] = Slot(key: key, value: value)
                count += 1
                return
            }
            index = (index + 1) & mask
        }
    }

    /// Calls `body` with every entry, in no particular order.
    package func forEach<E: Error>(_ body: (UInt64, Value) throws(E) -> Void) throws(E) {
        if let zeroValue { try body(0, zeroValue) }
        for slot in slots where slot.key != 0 {
            if let value = slot.value { try body(slot.key, value) }
        }
    }

    /// Makes room for at least `minimumCapacity` entries.
    package mutating func reserveCapacity(_ minimumCapacity: Int) {
        if OpenAddressing.mustGrow(toHold: minimumCapacity, capacity: slots.count) { resize(toHold: minimumCapacity) }
    }

    /// Rehashes into room for `entries` entries.
    private mutating func resize(toHold entries: Int) {
        let capacity = OpenAddressing.capacity(toHold: entries)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        slots = OpenAddressing.rehash(slots, capacity: capacity, empty: Slot(key: 0, value: nil),
                                      isEmpty: { $0.key == 0 }, home: { slot($0.key) })
    }
}

extension NumberTable: Sendable where Value: Sendable {}
extension NumberTable.Slot: Sendable where Value: Sendable {}
