/// Builds a binary payload: LEB128 varints, zig-zag signed varints, length-prefixed bytes.
///
/// The layout of every event type is in `docs/events.md`. All multi-byte integers are varints, so
/// small numbers (most amounts, counts, lengths) take one or two bytes.
package struct PayloadWriter {
    package private(set) var bytes: [UInt8]

    package init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func byte(_ value: UInt8) { bytes.append(value) }

    package mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func data(_ value: some Collection<UInt8>) {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    package mutating func string(_ value: String) { data(value.utf8) }

    package mutating func timestamp(_ value: Timestamp) { signed(value.microsecondsSinceEpoch) }

    /// An optional value: one byte `0` (absent) or `1` followed by the value.
    package mutating func optional<T>(_ value: T?, _ write: (inout PayloadWriter, T) -> Void) {
        if let value { byte(1); write(&self, value) } else { byte(0) }
    }

    /// A list: its count as a varint, then each value.
    package mutating func list<T>(_ values: [T], _ write: (inout PayloadWriter, T) -> Void) {
        unsigned(UInt64(values.count))
        for value in values { write(&self, value) }
    }
}

import EventLog
