/// The seam through which a log replicates a shared, authoritative one (a ledger in PostgreSQL,
/// `PostgresLog`): the authority must accept each write transaction's new records before they
/// commit here, and brings this log up to itself when it is behind.
///
/// With an authority set (``LogCore/authority``), a write transaction that appended records calls
/// ``accept(_:)`` after its projections, just before the local commit. The authority extends its
/// own log with exactly these records — the same positions, bytes and chain — if its head is still
/// where this log's was when the transaction began, and throws ``EventLogError/Code/replicaBehind``
/// if another writer extended it first. The local transaction then aborts, ``catchUp(_:)`` copies
/// what this log lacks (``WriteSession/replicate(_:at:typeName:streamName:)``, every link checked),
/// and the write runs again, deciding anew: an append that expected a version sees the other
/// writer's events, and a retried one is recognised by its event ids.
///
/// If the authority commits and the local commit then fails (the process dies in between), the
/// records are in the authority and not here: the next catch-up brings them.
package protocol CommitAuthority: Sendable {
    /// Extends the authority's log with `records`, or throws ``EventLogError/Code/replicaBehind``.
    func accept(_ records: CommittingRecords) throws
    /// Copies into `core` the records of the authority it lacks; called outside any transaction.
    func catchUp(_ core: LogCore) throws
    /// Stops whatever the authority runs for this log (a follower), and returns once it has; called
    /// when the authority is replaced or the log closes.
    func stop()
}

/// The records one write transaction adds, as an authority needs them.
package struct CommittingRecords {
    /// The log's head when the transaction began, and that record's hash (the genesis hash for an
    /// empty log): the records link to it.
    package let startHead: UInt64
    package let startHash: ChainHash
    /// The records' bytes, positions `startHead + 1` on, in order.
    package let records: [[UInt8]]
    /// The hash of the last record.
    package let endHash: ChainHash
    /// The streams and event types the records use for the first time, with their numbers.
    package let newStreams: [(number: UInt64, name: String)]
    package let newTypes: [(code: UInt32, name: String)]

    /// The last position.
    package var endHead: UInt64 { startHead + UInt64(records.count) }
}
