import COpenSSL

/// A SHA-256 value of the hash chain, 32 bytes kept inline (no allocation).
package struct ChainHash: Hashable, Sendable {
    package var words: (UInt64, UInt64, UInt64, UInt64)

    /// The hash before the first record: 32 zero bytes.
    package static let genesis = ChainHash(words: (0, 0, 0, 0))

    package init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes at `pointer`.
    @inline(__always)
    package init(loadingFrom pointer: UnsafeRawPointer) {
        words = (pointer.loadUnaligned(as: UInt64.self), (pointer + 8).loadUnaligned(as: UInt64.self),
                 (pointer + 16).loadUnaligned(as: UInt64.self), (pointer + 24).loadUnaligned(as: UInt64.self))
    }

    /// Writes the 32 bytes at `pointer`.
    @inline(__always)
    package func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: words.0, as: UInt64.self)
        (pointer + 8).storeBytes(of: words.1, as: UInt64.self)
        (pointer + 16).storeBytes(of: words.2, as: UInt64.self)
        (pointer + 24).storeBytes(of: words.3, as: UInt64.self)
    }

    package var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    package init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        self = array.withUnsafeBytes { ChainHash(loadingFrom: $0.baseAddress!) }
    }

    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = hexValue(utf8[2 * index]), let low = hexValue(utf8[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        self.init(bytes: bytes)
    }

    package static func == (lhs: ChainHash, rhs: ChainHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(words.0); hasher.combine(words.1); hasher.combine(words.2); hasher.combine(words.3)
    }

    /// The chain link of a format-1 record at `position` whose bytes before the hash are `body`:
    /// `SHA-256(previous ‖ position as 8 bytes big-endian ‖ body)`.
    ///
    /// OpenSSL's SHA-256 on a context on the stack: no allocation, no provider lookup.
    @inline(__always)
    package static func link(previous: ChainHash, position: UInt64, body: UnsafeRawBufferPointer) -> ChainHash {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        var prefix = (previous.words.0, previous.words.1, previous.words.2, previous.words.3, position.bigEndian)
        withUnsafeBytes(of: &prefix) { _ = SHA256_Update(&context, $0.baseAddress, $0.count) }
        SHA256_Update(&context, body.baseAddress, body.count)
        return finish(&context)
    }

    /// The chain link of a format-2 record: as ``link(previous:position:body:)``, then the names the
    /// record's type code and stream number stand for, each after one length byte:
    /// `SHA-256(previous ‖ position ‖ body ‖ len(type) ‖ type ‖ len(stream) ‖ stream)`. A record's
    /// hash thereby covers what gives it its meaning, though the names live in tables beside it.
    ///
    /// The names are laid out in a buffer on the stack and hashed with one call: four calls over the
    /// strings, or a heap buffer rebuilt per record, cost a batched append 5–7% of its CPU time.
    @inline(__always)
    package static func link(previous: ChainHash, position: UInt64, body: UnsafeRawBufferPointer, typeName: String, streamName: String) -> ChainHash {
        var context = SHA256_CTX()
        SHA256_Init(&context)
        var prefix = (previous.words.0, previous.words.1, previous.words.2, previous.words.3, position.bigEndian)
        withUnsafeBytes(of: &prefix) { _ = SHA256_Update(&context, $0.baseAddress, $0.count) }
        SHA256_Update(&context, body.baseAddress, body.count)
        withUnsafeTemporaryAllocation(byteCount: 2 + 2 * 255, alignment: 1) { buffer in
            guard let base = buffer.baseAddress else { return }
            let afterType = lengthPrefixed(typeName, into: base)
            let end = afterType + lengthPrefixed(streamName, into: base + afterType)
            SHA256_Update(&context, base, end)
        }
        return finish(&context)
    }

    /// Writes one length byte and `name`'s UTF-8 bytes at `destination` (room for 256 bytes); returns
    /// how many bytes it wrote. A name longer than 255 bytes, which the log never writes, is cut
    /// there (and then cannot hash as it was written).
    @inline(__always)
    private static func lengthPrefixed(_ name: String, into destination: UnsafeMutableRawPointer) -> Int {
        let written = name.utf8.withContiguousStorageIfAvailable { utf8 -> Int in
            let length = min(utf8.count, 255)
            destination.storeBytes(of: UInt8(truncatingIfNeeded: length), as: UInt8.self)
            if let source = utf8.baseAddress, length > 0 { (destination + 1).copyMemory(from: source, byteCount: length) }
            return 1 + length
        }
        if let written { return written }
        var contiguous = name
        contiguous.makeContiguousUTF8()
        return lengthPrefixed(contiguous, into: destination)
    }

    @inline(__always)
    private static func finish(_ context: inout SHA256_CTX) -> ChainHash {
        var digest = ChainHash.genesis
        withUnsafeMutableBytes(of: &digest.words) { bytes in
            _ = SHA256_Final(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), &context)
        }
        return digest
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
