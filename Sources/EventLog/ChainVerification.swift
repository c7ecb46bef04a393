/// The outcome of walking the log with ``EventLog/verify(anchors:progress:)``.
public struct ChainVerification: Hashable, Sendable {
    /// How many records were checked (up to the first break).
    public let eventsChecked: UInt64
    /// The last position and its hash, when the whole chain holds; `nil` for an empty log or a
    /// broken one.
    public let head: HeadHash?
    /// The first position whose record is missing, cannot be decoded, does not hash to what it
    /// stores, or breaks an invariant of the format; `nil` when every record holds.
    public let firstBrokenPosition: UInt64?
    /// What is wrong: at ``firstBrokenPosition``, or with the tables beside the records (a name, a
    /// stream head, the format marker); `nil` when the log holds.
    public let problem: String?
    /// The anchors that were given, each with whether it is on the chain.
    public let anchors: [AnchorCheck]
    /// How many records were written in format 1, before this library's format 2: their hashes do
    /// not cover their type and stream names (see `docs/log-format.md`).
    public let recordsWithoutNames: UInt64

    /// With anchors: whether every anchor is on the chain; `nil` when none was given.
    public var anchorMatches: Bool? { anchors.isEmpty ? nil : anchors.allSatisfy(\.holds) }

    /// The log holds from the first record to the head, its tables agree with its records, and
    /// every anchor is on the chain.
    public var isIntact: Bool { problem == nil && firstBrokenPosition == nil && anchorMatches != false }

    package init(eventsChecked: UInt64, head: HeadHash?, firstBrokenPosition: UInt64?, problem: String?,
                 anchors: [AnchorCheck], recordsWithoutNames: UInt64) {
        self.eventsChecked = eventsChecked
        self.head = head
        self.firstBrokenPosition = firstBrokenPosition
        self.problem = problem
        self.anchors = anchors
        self.recordsWithoutNames = recordsWithoutNames
    }
}

/// Whether one anchor — a head hash written down earlier — is still on the chain.
public struct AnchorCheck: Hashable, Sendable {
    /// The anchor as given.
    public let anchor: HeadHash
    /// Whether the record at the anchor's position still has the anchor's hash: proof that nothing
    /// up to it was changed, removed or reordered since it was written down.
    public let holds: Bool
    /// Why it does not hold (the log ends before it, another hash stands there, the chain breaks
    /// before it); `nil` when it holds.
    public let problem: String?

    package init(anchor: HeadHash, holds: Bool, problem: String?) {
        self.anchor = anchor
        self.holds = holds
        self.problem = problem
    }
}
