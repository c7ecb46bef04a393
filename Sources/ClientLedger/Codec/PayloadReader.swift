import EventLog

/// Reads what ``PayloadWriter`` wrote, from bytes it does not copy; every read checks bounds and
/// throws ``LedgerError/Code/corruptPayload`` past the end.
package struct PayloadReader {
    /// What the bytes are, named in messages only (so that reading never builds the name).
    package enum Subject {
        /// The payload of an event of this type.
        case event(LedgerEventType)
        /// Some other structure, such as a stored client card.
        case named(StaticString)
    }

    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private let subject: Subject

    package init(_ bytes: UnsafeRawBufferPointer, _ subject: Subject) {
        self.bytes = bytes
        self.subject = subject
    }

    package var isAtEnd: Bool { offset == bytes.count }

    /// How many bytes have been read.
    package var consumed: Int { offset }

    @inline(never)
    private func corrupt(_ what: String) -> LedgerError {
        switch subject {
        case .event(let type):
            return LedgerError(.corruptPayload, "the \(type.rawValue) payload is damaged: \(what) at byte \(offset) of \(bytes.count)")
        case .named(let name):
            // Derived data (a stored card): the log can make it again.
            return LedgerError(.corruptPayload, "the \(name) is damaged: \(what) at byte \(offset) of \(bytes.count); rebuild the projections from the log (ledger rebuild)")
        }
    }

    @inline(never)
    private func endsEarly() -> LedgerError { corrupt("it ends early") }

    @inline(__always)
    package mutating func byte() throws(LedgerError) -> UInt8 {
        guard offset < bytes.count else { throw endsEarly() }
        let value = bytes.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return value
    }

    package mutating func unsigned() throws(LedgerError) -> UInt64 {
        // Most numbers here (lengths, codes, small amounts) take one byte.
        let first = try byte()
        if first < 0x80 { return UInt64(first) }
        var value = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        while true {
            let next = try byte()
            guard shift < 64, shift != 63 || next <= 1 else { throw corrupt("a number is too long") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    package mutating func signed() throws(LedgerError) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A count or amount that must fit an `Int`.
    package mutating func int() throws(LedgerError) -> Int {
        let value = try signed()
        guard let int = Int(exactly: value) else { throw corrupt("a number is out of range") }
        return int
    }

    package mutating func bool() throws(LedgerError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw corrupt("a flag is neither 0 nor 1")
        }
    }

    package mutating func data() throws(LedgerError) -> UnsafeRawBufferPointer {
        let count = try unsigned()
        guard count <= UInt64(bytes.count - offset) else { throw corrupt("a field is longer than the payload") }
        defer { offset += Int(count) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(count)])
    }

    package mutating func string() throws(LedgerError) -> String {
        String(decoding: try data(), as: UTF8.self)
    }

    package mutating func timestamp() throws(LedgerError) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: try signed())
    }

    package mutating func identifier<Kind>(_: Kind.Type = Kind.self) throws(LedgerError) -> Identifier<Kind> {
        Identifier(unchecked: try string())
    }

    /// What ``PayloadWriter/optional(_:_:)`` wrote.
    package mutating func optional<T>(_ read: (inout PayloadReader) throws(LedgerError) -> T) throws(LedgerError) -> T? {
        try bool() ? try read(&self) : nil
    }

    /// What ``PayloadWriter/list(_:_:)`` wrote; a count beyond what the bytes could hold is damage.
    package mutating func list<T>(_ read: (inout PayloadReader) throws(LedgerError) -> T) throws(LedgerError) -> [T] {
        let count = try unsigned()
        guard count <= UInt64(bytes.count - offset) else { throw corrupt("a list claims \(count) entries") }
        var values: [T] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }

    /// Throws unless every byte was read: trailing bytes mean a layout this reader does not know.
    package func finish() throws(LedgerError) {
        guard isAtEnd else { throw corrupt("\(bytes.count - offset) bytes are left over") }
    }
}
