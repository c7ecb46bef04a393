import Foundation
import Synchronization

/// An append-only, tamper-evident event log stored in LMDB: streams, global positions, optimistic
/// concurrency, a SHA-256 hash chain, snapshots and subscriptions. It knows nothing of what the
/// events mean.
///
/// ```swift
/// let log = try EventLog(path: "salon.ledger")
/// let result = try await log.append(
///     [NewEvent(type: "ClientRegistered", payload: bytes)],
///     to: "client-42", expecting: .noStream)
/// try log.read { snapshot in
///     try snapshot.forEachEvent(inStream: "client-42") { event in print(event.type) }
/// }
/// ```
///
/// **Concurrency.** `EventLog` is `Sendable`: share one instance among tasks. Appends from many tasks
/// are committed together (group commit); each caller returns when its own events are durable.
/// Many readers and one writer work at a time, across threads and across processes: a service and
/// the `ledger` tool can open the same path. Within a process, handles on the same path share one
/// LMDB environment (LMDB requires that).
///
/// **Transactions are synchronous closures** (``read(_:)``, ``write(_:)``): LMDB ties a write
/// transaction to its thread, so no transaction ever spans an `await`.
///
/// **Files.** A log is a directory holding LMDB's `data.mdb` and `lock.mdb`. The map grows by itself;
/// callers never see `MDB_MAP_FULL`. The format is described in `docs/log-format.md`.
public final class EventLog: Sendable {
    /// The largest payload of one event: 1 MiB.
    public static let maximumPayloadBytes = 1 << 20
    /// The most payload bytes one append may carry: 64 MiB.
    public static let maximumAppendBytes = 64 << 20
    /// The longest stream name, in UTF-8 bytes.
    public static let maximumStreamNameBytes = 255

    package let core: LogCore
    /// The directory of the log, as given when it was opened.
    public let path: String
    /// Whether this handle was opened read-only (``Options/readOnly``): it refuses every write.
    public let isReadOnly: Bool
    private let registryKey: String
    private let closed = Atomic<Bool>(false)
    /// Whether this handle let go of its share of the environment (closing or going away).
    private let released = Atomic<Bool>(false)

    /// Opens the log in directory `path`, creating it if it does not exist (unless
    /// ``Options/readOnly``).
    ///
    /// Throws ``EventLogError/Code/notALog`` if `path` is a file, a directory with other files, or an
    /// LMDB environment that is not a log (or, read-only, if there is no log);
    /// ``EventLogError/Code/newerFormat`` if a newer library wrote it; ``EventLogError/Code/damaged``
    /// if its data file is damaged; ``EventLogError/Code/storage`` if the file system refuses;
    /// ``EventLogError/Code/misuse`` for a read-write open of a path this process has open read-only.
    ///
    /// Handles on one path in one process share one LMDB environment (LMDB requires it): the first
    /// handle's options apply to all, except that a read-only handle on a path open read-write
    /// refuses writes itself.
    public init(path: String, options: Options = Options()) throws(EventLogError) {
        self.path = path
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        registryKey = key
        isReadOnly = options.readOnly
        core = try LogRegistry.acquire(key, options: options)
    }

    deinit {
        releaseEnvironment()
    }

    private func releaseEnvironment() {
        if released.exchange(true, ordering: .acquiringAndReleasing) == false { LogRegistry.release(registryKey) }
    }

    /// Closes this handle: every later call on it throws ``EventLogError/Code/closed``. Appends it
    /// handed over finish first, and so does any read of another thread. The last handle on a path
    /// closes its LMDB environment (its files can then be copied, moved, or opened with other
    /// options). Closing twice does nothing; a handle that is not closed closes when it goes away.
    /// Called inside a read or write closure of this log, the handle refuses every later call at
    /// once and lets go of the files when it goes away (the transaction around the call still holds
    /// them).
    public func close() {
        guard closed.exchange(true, ordering: .acquiringAndReleasing) == false else { return }
        if !core.environment.isInsideTransaction { releaseEnvironment() }
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Throws ``EventLogError/Code/closed`` once the handle was closed.
    package func checkOpen() throws(EventLogError) {
        if closed.load(ordering: .acquiring) { throw EventLogError(.closed, "the log at \(path) was closed") }
    }

    /// Throws ``EventLogError/Code/readOnly`` for a handle opened read-only, or
    /// ``EventLogError/Code/closed`` once closed.
    private func checkWritable() throws(EventLogError) {
        try checkOpen()
        if isReadOnly { throw EventLogError(.readOnly, "the log at \(path) was opened read-only; nothing can be written to it") }
    }

    // MARK: Appending

    /// Appends `events` to stream `stream` atomically, if the stream is at `expected`.
    ///
    /// The events get consecutive global positions and stream versions, one recorded-at instant,
    /// and their place in the hash chain. The call returns once they are durable (with
    /// ``Durability/durable``); concurrent calls share one commit.
    ///
    /// **Safe retries.** If a reply was lost, call again with the same events (same ids): when the
    /// events already stand at the place `expected` names — after version *N* for `.exactly(N)`, at
    /// the start for `.noStream`, at the end of the stream for `.any` — with the same type, metadata
    /// and payload, the call writes nothing and returns where they are, with
    /// ``AppendResult/wasAlreadyRecorded`` set. The same ids there with other content throw
    /// ``EventLogError/Code/eventIDReused``. Ids are checked at that place only; the log keeps no
    /// global id index (it would cost a random write per event, see `docs/log-format.md`).
    ///
    /// Throws, writing nothing: ``EventLogError/Code/wrongExpectedVersion``,
    /// ``EventLogError/Code/streamNotFound`` (`.streamExists` or `.exactly(N)` on a stream without
    /// events), ``EventLogError/Code/eventIDReused``, ``EventLogError/Code/duplicateEventID``,
    /// ``EventLogError/Code/invalidEventID``, ``EventLogError/Code/emptyAppend``,
    /// ``EventLogError/Code/emptyPayload``, ``EventLogError/Code/eventTooLarge``,
    /// ``EventLogError/Code/invalidEventType``, ``EventLogError/Code/invalidStreamName``,
    /// ``EventLogError/Code/invalidMetadata``, ``EventLogError/Code/storage``.
    @discardableResult
    public func append(_ events: [NewEvent], to stream: String, expecting expected: ExpectedVersion = .any) async throws(EventLogError) -> AppendResult {
        try checkWritable()
        let result = await withUnsafeContinuation { continuation in
            core.committer.submit(GroupCommitter.Job(events: events, stream: stream, expected: expected, continuation: continuation))
        }
        return try result.get()
    }

    /// Runs `body` in one write transaction and commits everything it appended, to any number of
    /// streams, atomically: all of it or, if `body` throws, none of it.
    ///
    /// Blocks the calling thread while it waits for the write lock and for the disk; prefer
    /// ``append(_:to:expecting:)`` for single appends from async code. Do not call it inside
    /// ``read(_:)`` or another `write` (it throws ``EventLogError/Code/misuse``). `body` may run
    /// again if the map has to grow, so it must not have effects outside the transaction.
    @discardableResult
    public func write<T>(_ body: (LogWriter) throws -> T) throws -> T {
        try checkWritable()
        do {
            return try core.performWrite { session in
                // Moved, not copied: a second copy would make the first append copy the writer's
                // stream cache (copy-on-write) in every transaction.
                let writer = LogWriter(session: consume session)
                defer { session = writer.takeSession() }
                return try body(writer)
            }
        } catch let error as LMDBError {
            throw EventLogError.wrap(error, "writing to the log at \(path)")
        }
    }

    // MARK: Reading

    /// Runs `body` with a consistent snapshot of the committed log.
    ///
    /// Readers never wait for the writer, nor it for them. Keep `body` short and synchronous; the
    /// snapshot and the events it hands out are valid only inside it.
    @discardableResult
    public func read<T>(_ body: (LogSnapshot) throws -> T) throws -> T {
        try checkOpen()
        do {
            return try core.performRead(body)
        } catch let error as LMDBError {
            throw EventLogError.wrap(error, "reading the log at \(path)")
        }
    }

    /// The position of the last event; `0` for an empty log.
    public func lastPosition() throws(EventLogError) -> UInt64 {
        do { return try read { $0.lastPosition } } catch { throw EventLogError.wrap(error, "reading the last position") }
    }

    /// The position and hash of the last event, or `nil` for an empty log. See ``HeadHash``.
    public func headHash() throws(EventLogError) -> HeadHash? {
        do { return try read { try $0.headHash() } } catch { throw EventLogError.wrap(error, "reading the head hash") }
    }

    /// Follows the log: every event after position `position`, in order — first those already
    /// stored (catch-up), then each new one as it commits. Pass the last position your consumer
    /// has applied (its checkpoint), or `0` for everything.
    public func subscribe(after position: UInt64 = 0) -> EventSubscription {
        EventSubscription(log: self, after: position)
    }

    /// Waits until a commit (of this process) goes beyond `position`, or the subscription poll
    /// interval passes (a commit of another process is seen then): for a follower that has caught up.
    package func waitForCommit(beyond position: UInt64) async {
        await core.commits.wait(beyond: position, timeout: core.options.subscriptionPollInterval)
    }

    /// Makes room in the map for a write of about `bytes` (an import), so that it does not fill the
    /// map midway and run again from its start. A hint: a write that needs more still grows the map.
    package func reserveRoom(bytes: Int) throws(EventLogError) {
        try checkOpen()
        guard !core.options.readOnly else { return }
        do { try core.environment.reserveRoom(bytes) } catch { throw EventLogError.wrap(error, "growing the map of the log at \(path)") }
    }

    /// Flushes commits to disk; needed only for a log opened with ``Durability/nonDurable``.
    public func flush() throws(EventLogError) {
        try checkOpen()
        do { try core.environment.sync() } catch { throw EventLogError.wrap(error, "flushing the log at \(path)") }
    }
}

/// One LMDB environment per path per process, shared by every ``EventLog`` handle on that path.
private enum LogRegistry {
    private static let cores = Mutex<[String: (core: LogCore, handles: Int)]>([:])

    static func acquire(_ key: String, options: EventLog.Options) throws(EventLogError) -> LogCore {
        try cores.withLock { (cores) throws(EventLogError) -> LogCore in
            if let entry = cores[key] {
                if entry.core.options.readOnly && !options.readOnly {
                    throw EventLogError(.misuse, "the log at \(key) is open read-only in this process; close those handles before opening it for writing")
                }
                cores[key] = (entry.core, entry.handles + 1)
                return entry.core
            }
            let core = try LogCore(path: key, options: options)
            cores[key] = (core, 1)
            return core
        }
    }

    static func release(_ key: String) {
        cores.withLock { cores in
            guard let entry = cores[key] else { return }
            if entry.handles > 1 {
                cores[key] = (entry.core, entry.handles - 1)
                return
            }
            // Close under the lock: a handle opened meanwhile must not get a second environment
            // for the same file while this one is still open (LMDB's locks are per process).
            entry.core.shutdown()
            cores[key] = nil
        }
    }
}
