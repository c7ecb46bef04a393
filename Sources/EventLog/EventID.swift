import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The caller-given unique id of an event: 16 bytes, written as a UUID.
///
/// Give every event a fresh id when it is first decided, and keep that id when the same append is
/// retried: the log recognises a retry by its ids (see ``EventLog/append(_:to:expecting:)``).
public struct EventID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first eight bytes, big-endian.
    public let high: UInt64
    /// The last eight bytes, big-endian.
    public let low: UInt64

    /// Creates an id from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A new random (version 4) id, from the operating system's random source (read in batches,
    /// so that making an id costs no system call).
    public init() {
        var generator = BatchedSystemRandom()
        self.init(random: &generator)
    }

    /// A new random (version 4) id drawn from `generator` — reproducible with a seeded generator.
    public init<G: RandomNumberGenerator>(random generator: inout G) {
        let high = (generator.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        self.init(high: high, low: low)
    }

    /// Parses the 36-character UUID form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case).
    public init?(_ text: String) {
        var value: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        for (index, byte) in text.utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 { value.0 = value.0 << 4 | UInt64(nibble) } else { value.1 = value.1 << 4 | UInt64(nibble) }
            nibbles += 1
        }
        guard nibbles == 32, text.utf8.count == 36 else { return nil }
        self.init(high: value.0, low: value.1)
    }

    /// Whether every byte is zero (an id that was never set; appends refuse it).
    public var isZero: Bool { high == 0 && low == 0 }

    /// The UUID form, lower case.
    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (half, word) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let position = half * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
                out.append(hex[Int((word >> UInt64(60 - nibble * 4)) & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func < (lhs: EventID, rhs: EventID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Writes the 16 bytes, big-endian, at `pointer`.
    @inline(__always)
    package func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: high.bigEndian, as: UInt64.self)
        (pointer + 8).storeBytes(of: low.bigEndian, as: UInt64.self)
    }

    /// Reads 16 big-endian bytes at `pointer`.
    @inline(__always)
    package init(loadingFrom pointer: UnsafeRawPointer) {
        self.init(high: UInt64(bigEndian: pointer.loadUnaligned(as: UInt64.self)),
                  low: UInt64(bigEndian: (pointer + 8).loadUnaligned(as: UInt64.self)))
    }
}

/// Random numbers from the operating system's CSPRNG (`/dev/urandom`), read 4 KiB at a time:
/// `SystemRandomNumberGenerator` makes one system call per number, which cost more than an append
/// when every event needs a fresh id.
struct BatchedSystemRandom: RandomNumberGenerator {
    private static let pool = Mutex(Pool())

    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
        var device: Int32 = -2

        mutating func refill() {
            if device == -2 { device = open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
            let complete = words.withUnsafeMutableBytes { buffer -> Bool in
                guard device >= 0 else { return false }
                var filled = 0
                while filled < buffer.count {
                    let count = read(device, buffer.baseAddress! + filled, buffer.count - filled)
                    if count <= 0 { return false }
                    filled += count
                }
                return true
            }
            if !complete {
                var system = SystemRandomNumberGenerator()
                for index in words.indices { words[index] = system.next() }
            }
            next = 0
        }

        mutating func take() -> UInt64 {
            if next == words.count { refill() }
            defer { next += 1 }
            return words[next]
        }
    }

    mutating func next() -> UInt64 {
        Self.pool.withLock { $0.take() }
    }
}
