/// A string that compares and hashes by its UTF-8 bytes, as LMDB keys do.
///
/// Swift's `String ==` treats canonically equivalent strings as equal ("é" precomposed and "e" +
/// combining accent), while LMDB stores them as two different keys. Caches of names use this
/// wrapper so that they agree with the files byte for byte.
package struct ByteString: Hashable, Sendable {
    package let string: String

    package init(_ string: String) { self.string = string }

    package static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        utf8Equal(lhs.string, rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Whether two strings have the same UTF-8 bytes: a `memcmp` over their contiguous storage (the
/// generic `utf8.elementsEqual` walks the view byte by byte, several times slower), unless they have
/// the same representation.
@inline(__always)
package func utf8Equal(_ lhs: String, _ rhs: String) -> Bool {
    if sameRepresentation(lhs, rhs) { return true }
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    var a = lhs, b = rhs
    return a.withUTF8 { x in
        b.withUTF8 { y in
            guard let p = x.baseAddress, let q = y.baseAddress else { return x.count == y.count }
            return memcmp(p, q, x.count) == 0
        }
    }
}

/// Whether two strings are bit for bit the same value: the same inline bytes of a small string (up to
/// 15 UTF-8 bytes), or the same storage object. Such strings have the same bytes, so a cache lookup
/// with the very string it stored (a type name from a literal, a stream name kept by the caller)
/// needs no comparison. `false` says nothing: equal strings can have different representations.
@inline(__always)
package func sameRepresentation(_ lhs: String, _ rhs: String) -> Bool {
    guard MemoryLayout<String>.size == 16 else { return false }
    return unsafeBitCast(lhs, to: (UInt64, UInt64).self) == unsafeBitCast(rhs, to: (UInt64, UInt64).self)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
