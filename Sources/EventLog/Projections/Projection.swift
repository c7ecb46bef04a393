/// A projection: folds the events of the log, in log order, into state kept in its own database,
/// for queries that read answers instead of replaying history.
///
/// The log applies a registered projection **inline**: the events of every write transaction are
/// applied in that same transaction, together with the projection's checkpoint (the last position it
/// applied). So each event is applied exactly once, even across crashes and kills, and a query made
/// after an append returns sees it (read your own writes). See ``EventLog/register(_:progress:)``.
///
/// Events arrive in **batches** (all events of one transaction, or a slice of a rebuild): a
/// projection gathers what it needs in its `Batch` value in ``apply(_:to:state:)``, which may read
/// the state as it stood when the batch began but not write it, and writes each key once in
/// ``endBatch(_:state:)``. During a rebuild the events of a batch are applied in read snapshots
/// (the stored state does not change between them), so appends go on meanwhile, and only the writes take the writer — in pieces, if the projection
/// implements ``endBatch(_:state:limit:)``, so that appends wait for one piece at a time.
///
/// Bump ``version`` whenever ``apply(_:to:state:)`` would give a different state for the same
/// events (new fields, fixed rules, another layout): registering a projection whose stored version
/// differs rebuilds it, blue/green, beside the one that keeps serving.
public protocol Projection: Sendable {
    /// Scratch state for one batch, made by ``beginBatch(_:)`` and finished by ``endBatch(_:state:)``.
    associatedtype Batch

    /// A stable name, 1 to 100 UTF-8 bytes, unique per log.
    var name: String { get }
    /// The version of the projection's code and state layout.
    var version: UInt32 { get }

    /// Starts a batch of events.
    func beginBatch(_ state: ProjectionState) throws -> Batch
    /// Applies one event, in log order, to the batch. `state` is as of the batch's start and may be
    /// read-only (writing it throws ``EventLogError/Code/misuse``): writes belong in ``endBatch(_:state:)``.
    func apply(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws
    /// Ends the batch: writes what the batch gathered, in the transaction that also stores the
    /// projection's checkpoint.
    func endBatch(_ batch: inout Batch, state: ProjectionState) throws
    /// Writes the next piece of what the batch gathered — about `limit` entries, as the projection
    /// counts them (one client's entries, say) — and returns `true` once all of it is written.
    ///
    /// A rebuild ends its large batches this way, one write transaction per call (see
    /// ``EventLog/Options/rebuildWriteLimit``), so that appends wait for one piece at a time; the
    /// checkpoint moves with the last piece. Each call's `state` holds what the earlier calls
    /// wrote, and the pieces together must write exactly what ``endBatch(_:state:)`` writes. The
    /// default writes everything at once with ``endBatch(_:state:)``.
    func endBatch(_ batch: inout Batch, state: ProjectionState, limit: Int) throws -> Bool

    /// How many entries `batch` holds, as the projection counts them (clients, say): a rebuild
    /// step ends early once its batch holds
    /// ``EventLog/Options/rebuildStepEntries``, so that its memory does not grow with the size of
    /// what the projection keeps. The default, `0`, ends steps by their events alone.
    func entryCount(of batch: Batch) -> Int
}

extension Projection {
    /// Writes everything at once with ``endBatch(_:state:)``.
    public func endBatch(_ batch: inout Batch, state: ProjectionState, limit: Int) throws -> Bool {
        try endBatch(&batch, state: state)
        return true
    }

    /// `0`: steps end by their events alone.
    public func entryCount(of batch: Batch) -> Int { 0 }
}

/// Progress of a projection catching up or rebuilding, reported after each batch.
public struct ProjectionProgress: Sendable, Hashable {
    /// The projection's name.
    public let projection: String
    /// Events applied so far in this run.
    public let eventsDone: UInt64
    /// Events to apply in all (the log's head when the batch ended, less where the run started).
    public let eventsTotal: UInt64
    /// Events applied per second so far.
    public let eventsPerSecond: Double
    /// Estimated seconds left at the rate so far; `nil` before the rate is known.
    public let secondsRemaining: Double?

    package init(projection: String, eventsDone: UInt64, eventsTotal: UInt64, elapsedSeconds: Double) {
        self.projection = projection
        self.eventsDone = eventsDone
        self.eventsTotal = eventsTotal
        let rate = elapsedSeconds > 0 ? Double(eventsDone) / elapsedSeconds : 0
        eventsPerSecond = rate
        secondsRemaining = rate > 0 ? Double(eventsTotal &- min(eventsDone, eventsTotal)) / rate : nil
    }
}

/// A projection whose rebuild may apply the events of different streams on different threads
/// (``EventLog/Options/rebuildWorkers``).
///
/// Each worker of a rebuild step reads the step's events, in log order, and applies those of its
/// share of the streams to a batch of its own with ``Projection/apply(_:to:state:)``; every other
/// event it shows that batch with ``observe(_:to:state:)``. The step then merges the workers'
/// batches into one with ``merge(_:into:)`` and ends it as usual.
///
/// Conform only if that stores exactly what one batch of all the events stores: an event may
/// change only what belongs to its own stream, and whatever depends on the events of every stream
/// (the latest instant seen, say) must be kept up by ``observe(_:to:state:)``.
///
/// The workers run at once, on different threads: ``Projection/beginBatch(_:)`` is called once for
/// each (in one read snapshot, before they start), and each worker's `apply` and `observe` change
/// only its own batch, each worker reading the state in a snapshot of its own. So a batch must not
/// share anything mutable with another (a cache object that `beginBatch` hands to every batch, say).
/// After the workers are done, ``merge(_:into:)`` is called once for each batch but the first, on
/// one thread, and only ``Projection/endBatch(_:state:limit:)`` follows.
public protocol StreamPartitionedProjection: Projection {
    /// Shows `batch` an event of a stream that another worker applies, in its place in log order.
    func observe(_ event: RecordedEvent, to batch: inout Batch, state: ProjectionState) throws

    /// Adds what `other` gathered to `batch`: both began together, from the same state, and saw
    /// the same events, of which they applied those of different streams.
    func merge(_ other: Batch, into batch: inout Batch) throws
}

