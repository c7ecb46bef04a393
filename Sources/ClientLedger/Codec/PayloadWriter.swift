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

    /// How many bytes are written so far.
    package var count: Int { bytes.count }

    /// Takes back the last `count` bytes written, as after a write that failed halfway.
    package mutating func removeLast(_ count: Int) { bytes.removeLast(count) }

    package mutating func byte(_ value: UInt8) { bytes.append(value) }

    package mutating func unsigned(_ value: UInt64) {
        // Byte by byte: measured (instructions of a rebuild) below building the number on the stack
        // and appending it in one call, whose generic copy costs more than the few appends.
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

    /// Bytes read from another payload (an identifier, a string, a sealed section), with their
    /// length. Short ones — most identifiers — are appended byte by byte: cheaper than a copy call.
    package mutating func data(_ value: UnsafeRawBufferPointer) {
        unsigned(UInt64(value.count))
        if value.count <= 16 {
            for byte in value { bytes.append(byte) }
        } else {
            bytes.append(contentsOf: value)
        }
    }

    package mutating func string(_ value: String) { data(value.utf8) }

    /// Bytes already in this layout, copied as they are (no length prefix).
    package mutating func raw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }

    /// What `body` writes, prefixed by its length as ``data(_:)`` would: written in place, with no
    /// second buffer (the one-byte length slot grows in the rare case that the body is 128 bytes
    /// or more).
    package mutating func lengthPrefixed<Failure: Error>(_ body: (inout PayloadWriter) throws(Failure) -> Void) throws(Failure) {
        let slot = bytes.count
        bytes.append(0)
        try body(&self)
        let length = bytes.count - slot - 1
        if length < 0x80 {
            bytes[slot] = UInt8(length)
        } else {
            var prefix = PayloadWriter(capacity: 10)
            prefix.unsigned(UInt64(length))
            bytes.replaceSubrange(slot..<(slot + 1), with: prefix.bytes)
        }
    }

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
