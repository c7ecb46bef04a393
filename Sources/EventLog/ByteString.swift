/// A string that compares and hashes by its UTF-8 bytes, as LMDB keys do.
///
/// Swift's `String ==` treats canonically equivalent strings as equal ("é" precomposed and "e" +
/// combining accent), while LMDB stores them as two different keys. Caches of names use this
/// wrapper so that they agree with the files byte for byte.
package struct ByteString: Hashable, Sendable {
    package let string: String

    package init(_ string: String) { self.string = string }

    package static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    package func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
