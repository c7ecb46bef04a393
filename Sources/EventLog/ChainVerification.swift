/// The outcome of walking the hash chain with ``EventLog/verify(anchor:progress:)``.
public struct ChainVerification: Hashable, Sendable {
    /// How many records were checked.
    public let eventsChecked: UInt64
    /// The last position and its hash, as found; `nil` for an empty log.
    public let head: HeadHash?
    /// The first position whose record is missing, cannot be decoded, or whose hash does not match;
    /// `nil` when the whole chain holds.
    public let firstBrokenPosition: UInt64?
    /// What was wrong at ``firstBrokenPosition``.
    public let problem: String?
    /// With an anchor: whether the record at the anchor's position still has the anchor's hash.
    /// `nil` when no anchor was given.
    public let anchorMatches: Bool?

    /// The chain holds from the first record to the head, and the anchor (if any) matches.
    public var isIntact: Bool { firstBrokenPosition == nil && anchorMatches != false }

    package init(eventsChecked: UInt64, head: HeadHash?, firstBrokenPosition: UInt64?, problem: String?, anchorMatches: Bool?) {
        self.eventsChecked = eventsChecked
        self.head = head
        self.firstBrokenPosition = firstBrokenPosition
        self.problem = problem
        self.anchorMatches = anchorMatches
    }
}
