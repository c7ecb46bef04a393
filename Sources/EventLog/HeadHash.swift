/// The position and chain hash of an event: a short proof of everything up to it.
///
/// Each record's hash covers the previous record's hash, so the head hash at position *n* pins the
/// exact bytes of events 1…*n*. An accountant writes it down (``description`` is
/// `position:64-hex-digits`) and later checks it with ``EventLog/verify(anchor:progress:)``: if any
/// of those events was changed, removed or reordered, the check fails.
public struct HeadHash: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The global position of the event.
    public let position: UInt64
    package let hash: ChainHash

    package init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }

    /// The SHA-256 chain hash, 64 lower-case hexadecimal digits.
    public var sha256: String { hash.hex }

    /// `position:sha256`, for example `1042:9f86d081884c7d65…`.
    public var description: String { "\(position):\(hash.hex)" }

    /// Parses the form that ``description`` prints.
    public init?(_ description: String) {
        let parts = description.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let position = UInt64(parts[0]), position > 0, let hash = ChainHash(hex: parts[1]) else { return nil }
        self.init(position: position, hash: hash)
    }
}
