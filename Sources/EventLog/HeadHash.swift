/// The position and chain hash of an event: a short proof of everything up to it.
///
/// Each record's hash covers the previous record's hash, so the head hash at position *n* pins the
/// exact bytes of events 1…*n*. An accountant writes it down (``description`` is
/// `position:64-hex-digits`) and later checks it with ``EventLog/verify(anchors:progress:)``: if any
/// of those events was changed, removed or reordered — or the log was cut short before *n* — the
/// check fails.
public struct HeadHash: Hashable, Sendable, CustomStringConvertible {
    /// The global position of the event.
    public let position: UInt64
    package let hash: ChainHash

    package init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }

    /// The SHA-256 chain hash, 64 lower-case hexadecimal digits.
    public var sha256: String { hash.hex }

    /// `position:sha256`, for example `1042:9f86d081884c7d65…` (64 digits in full).
    public var description: String { "\(position):\(hash.hex)" }

    /// Parses the form that ``description`` prints: a position from 1, a colon, and 64 hexadecimal
    /// digits (surrounding spaces are ignored).
    ///
    /// Throws ``EventLogError/Code/invalidHeadHash`` saying what is wrong — an anchor that does not
    /// parse must never silently check nothing.
    public init(_ text: String) throws(EventLogError) {
        let trimmed = text.trimmingSpaces
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw EventLogError(.invalidHeadHash, "\"\(text)\" is not a head hash: expected POSITION:HASH, such as 1042:9f86d081…, with all 64 hexadecimal digits")
        }
        guard let position = UInt64(parts[0]), position > 0 else {
            throw EventLogError(.invalidHeadHash, "\"\(parts[0])\" in the head hash \"\(text)\" is not a position (a whole number from 1)")
        }
        guard let hash = ChainHash(hex: parts[1]) else {
            throw EventLogError(.invalidHeadHash, "the hash in \"\(text)\" must be 64 hexadecimal digits; it has \(parts[1].count) characters\(parts[1].contains("…") ? " (an ellipsis: copy the whole hash)" : "")")
        }
        self.init(position: position, hash: hash)
    }
}

private extension String {
    /// Without leading and trailing spaces, tabs and line ends.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
