/// The seam through which a log replicates a shared, authoritative one (a ledger in PostgreSQL,
/// `PostgresLog`): the authority must accept each write transaction's new records before they
/// commit here, and brings this log up to itself.
///
/// With an authority set (``LogCore/authority``), every write of this process runs so:
///
/// 1. ``prepare(_:)``, before the local write transaction begins: the authority takes its log's
///    lock for this write (other writers, in any process, wait) and copies into this log what it
///    lacks (``WriteSession/replicate(_:at:typeName:streamName:)``, every link checked). The write
///    then decides on the shared log's latest state, and nothing it decides can be overtaken.
/// 2. The write transaction runs as on any log; if it appended records, ``accept(_:)`` is called
///    after its projections, just before the local commit: the authority extends its log with
///    exactly these records — the same positions, bytes and chain — and commits, which releases
///    its lock. Then the local transaction commits.
/// 3. ``finish()`` afterwards, whatever happened once ``prepare(_:)`` returned (a ``prepare(_:)``
///    that throws releases what it took itself): it releases the lock if ``accept(_:)`` did not
///    (the write appended nothing, or failed).
///
/// If the authority finds its log moved on all the same (its lock was lost with a connection, say)
/// it throws ``EventLogError/Code/replicaBehind``; the local transaction aborts and the write runs
/// again from step 1. If the authority commits and the local commit then fails (the process dies in
/// between), the records are in the authority and not here: the next ``prepare(_:)`` brings them,
/// and a retried append is recognised by its event ids.
package protocol CommitAuthority: Sendable {
    /// Takes the authority's lock for one write of this process, and brings `core` up to it.
    func prepare(_ core: LogCore) throws
    /// Extends the authority's log with `records` and commits, or throws
    /// ``EventLogError/Code/replicaBehind``.
    func accept(_ records: CommittingRecords) throws
    /// Ends the write that ``prepare(_:)`` began: releases what ``accept(_:)`` did not.
    func finish()
    /// Copies into `core` what it lacks, without the lock, and returns how many records: for a
    /// reader that must not answer from behind (a command about to refuse on what it read).
    func refresh(_ core: LogCore) throws -> UInt64
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
