import Foundation
import EventLog

/// What an import recorded.
public struct ImportSummary: Hashable, Sendable {
    /// How many events were recorded.
    public let events: Int
    /// How many distinct clients they concern.
    public let clients: Int
    /// The global positions they were given (`nil` when there was nothing to import).
    public let positions: ClosedRange<UInt64>?
}

extension SalonLedger {
    /// Imports events in the JSON Lines interchange format (`shared/interchange.md`): all of them,
    /// in one transaction, or none.
    ///
    /// Every line is decoded strictly, then every event is checked by the same rules as the
    /// commands, against the client's state as the log and the lines before it leave it. The first
    /// line that fails is thrown as a ``LedgerError`` with its ``LedgerError/line`` (from 1, blank
    /// lines counted) and field, and nothing is recorded. Events keep the order of the lines: the log
    /// order that as-of queries use.
    ///
    /// Events are facts: an imported `CheckedOut` earns no points unless a `PointsAccrued` line says
    /// so. A process killed during the import leaves the ledger as it was (the single transaction
    /// commits or vanishes).
    ///
    /// The input is read twice, a few pieces of 4 MiB at a time, on the calling thread and one more:
    /// first to decide (keeping only the states of the clients it names), then — in the write
    /// transaction — to record. Memory holds those states, the pieces, and the transaction's
    /// pages, not the events; see `docs/projections.md` for what that comes to.
    @discardableResult
    public func importInterchange(_ text: String, actor: String? = nil, progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws(LedgerError) -> ImportSummary {
        try await importInterchange(utf8: Array(text.utf8), actor: actor, progress: progress)
    }

    /// Imports JSON Lines given as bytes, as ``importInterchange(_:actor:progress:)`` does: lines end in LF
    /// or CR LF, a UTF-8 byte order mark before the first line is ignored, and a line that is not
    /// UTF-8 is refused with its number and the byte at fault.
    @discardableResult
    public func importInterchange(utf8 bytes: [UInt8], actor: String? = nil, progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        return try await importing(.pieces(InterchangePieces(.memory(bytes))), actor: actor, progress: progress)
    }

    /// Imports the JSON Lines file at `url`, as ``importInterchange(_:actor:progress:)`` does. The file is
    /// read in pieces, never whole into memory (nor mapped: a file cut short while it is read must
    /// end in an error, not a signal), and read twice: if its bytes differ the second time (someone
    /// changed it meanwhile), nothing is recorded. Throws ``LedgerError/Code/storage`` naming the
    /// file if it cannot be read, and records nothing.
    @discardableResult
    public func importInterchange(contentsOf url: URL, actor: String? = nil, progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        return try await importing(.pieces(InterchangePieces(.file(url))), actor: actor, progress: progress)
    }

    /// Imports `events` in one transaction, all or none, each checked by the rules as
    /// ``importInterchange(_:actor:progress:)`` describes. `lines`, if given, holds the input line of each
    /// event, for the error of the first one refused; without it the error's ``LedgerError/line`` is
    /// the event's index from 1.
    @discardableResult
    ///
    /// `progress`, if given, is told how far the import is every 10,000 events and at the end of
    /// each of its two reads (``ImportProgress``), on the thread that reads.
    public func importEvents(_ events: [LedgerEvent], lines: [Int]? = nil, actor: String? = nil,
                             progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        return try await importing(.events(events, lines: lines), actor: actor, progress: progress)
    }

    /// Imports `source`: decides on a first read, records on a second in one write transaction,
    /// and starts again if another writer changed one of its streams in between. `betweenReads`
    /// runs between the two (a test's way in).
    func importing(_ source: ImportSource, actor: String?, progress: (@Sendable (ImportProgress) -> Void)? = nil,
                   betweenReads: (() async -> Void)? = nil) async throws(LedgerError) -> ImportSummary {
        if let actor, actor.utf8.count > 255 {
            throw LedgerError(.invalidField, "an actor is at most 255 UTF-8 bytes; got \(actor.utf8.count)", field: "actor")
        }
        var summary = ImportSummary(events: 0, clients: 0, positions: nil)
        _ = try await observation.command("importEvents", client: nil) { () throws(LedgerError) -> LedgerObservation.Run in
            for attempt in 0..<options.maximumAttempts {
                if attempt > 0 { try? await Task.sleep(for: .microseconds(Int.random(in: 0...(200 << min(attempt, 6))))) }
                // The rules first, on the state as it stands: a refused import writes nothing, not
                // even the keys of the clients it would register. A replica of a shared ledger may
                // refuse on what it has not copied yet: then it catches up and, if it was behind,
                // decides again (as a command does).
                let replicaHead = try self.replicaHead()
                let plan: ImportPlan
                do throws(LedgerError) {
                    plan = try planImport(source, progress: progress)
                } catch {
                    if try caughtUp(since: replicaHead) { continue }
                    throw error
                }
                await betweenReads?()
                guard plan.events > 0 else { return .init(events: [], outcome: .unchanged, attempts: attempt + 1) }
                // The keys of the clients the import registers, made with one sync rather than one
                // each. A key made for an import that is then refused (another process got there
                // first) stays unused until that client is registered.
                try keys.createKeys(for: plan.registered)
                if Task.isCancelled { throw LedgerError(.cancelled, "the import was cancelled before it recorded anything") }
                // An erasure is marked in the key file before it is recorded (see execute).
                if !plan.erased.isEmpty { try keys.markErasing(plan.erased) }
                // Room for the records and what the projection adds (about 300 bytes an event in
                // the demo's salon), so that the one transaction does not fill the map midway and
                // run again. A hint: if it fails, a full map still grows.
                try? log.reserveRoom(bytes: plan.events > Int.max / Self.importBytesPerEvent ? Int.max : plan.events * Self.importBytesPerEvent)
                guard let positions = try await recordImport(source, plan, actor: actor, progress: progress) else {
                    continue // a stream moved since the first read: decide again
                }
                for client in plan.erased { try keys.destroyKey(of: client) }
                summary = ImportSummary(events: plan.events, clients: plan.clients, positions: positions)
                return .init(events: [], outcome: .recorded, attempts: attempt + 1, recorded: (plan.events, positions))
            }
            throw LedgerError(.concurrentChange, "the streams of the import kept changing under it; it was tried \(options.maximumAttempts) times")
        }
        return summary
    }

    /// The room an import reserves per event (see ``importing(_:actor:progress:betweenReads:)``).
    static let importBytesPerEvent = 1_024

    /// The first read of an import: every event decided against the states it leaves, in one
    /// snapshot of the log, without keeping the events.
    private func planImport(_ source: ImportSource, progress: (@Sendable (ImportProgress) -> Void)?) throws(LedgerError) -> ImportPlan {
        do {
            return try log.read(current: ClientCardProjection()) { snapshot, index -> ImportPlan in
                let reader = DecisionReader(ledger: self, snapshot: snapshot, index: index)
                let (salon, salonVersion) = try reader.salon()
                var decision = Decision(reader: reader, salon: salon, states: [:], versions: [:])
                var plan = ImportPlan(salonVersion: salonVersion)
                var seen = Set<ClientID>()
                plan.digest = try source.forEachEvent { (event, line) throws(LedgerError) in
                    do throws(LedgerError) {
                        try decision.admit(event)
                    } catch {
                        var located = error
                        located.line = line
                        throw located
                    }
                    plan.events += 1
                    if plan.events % ImportProgress.every == 0 { progress?(ImportProgress(phase: .checking, events: plan.events, total: nil)) }
                    if let client = event.client { seen.insert(client) }
                    switch event {
                    case .clientRegistered(let registration):
                        plan.registered.append(registration.client)
                        if let referrer = registration.referredBy { seen.insert(referrer) }
                    case .clientErased(let erased):
                        plan.erased.append(erased.client)
                    default:
                        break
                    }
                }
                plan.versions = decision.versions
                plan.clients = seen.count
                progress?(ImportProgress(phase: .checking, events: plan.events, total: plan.events))
                return plan
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the ledger")
        }
    }

    /// The second read of an import, in one write transaction (on a thread of its own: it blocks
    /// while it writes): each event encoded and appended, expecting the versions the first read
    /// decided from. Returns `nil`, recording nothing, if another writer moved one of the streams
    /// or erased one of the clients since; throws a storage error if a file's bytes are not those of
    /// the first read.
    private func recordImport(_ source: ImportSource, _ plan: ImportPlan, actor: String?,
                              progress: (@Sendable (ImportProgress) -> Void)?) async throws(LedgerError) -> ClosedRange<UInt64>? {
        let result: Result<ClosedRange<UInt64>?, LedgerError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                do {
                    let positions = try log.write { writer in try self.appendImport(source, plan, actor: actor, progress: progress, to: writer) }
                    continuation.resume(returning: .success(positions))
                } catch let error as EventLogError where error.code == .wrongExpectedVersion || error.code == .streamNotFound {
                    continuation.resume(returning: .success(nil))
                } catch let error as LedgerError where error.code == .clientErased {
                    // A key destroyed since the first read: decide again, and the rules name the line.
                    continuation.resume(returning: .success(nil))
                } catch {
                    continuation.resume(returning: .failure(LedgerError.wrapping(error, "recording the import")))
                }
            }
        }
        return try result.get()
    }

    private func appendImport(_ source: ImportSource, _ plan: ImportPlan, actor: String?, progress: (@Sendable (ImportProgress) -> Void)?,
                              to writer: LogWriter) throws -> ClosedRange<UInt64> {
        let metadata = EventMetadata(correlationID: EventID(), causationID: nil, actor: actor)
        var versions = StreamVersions(clients: plan.versions, salon: plan.salonVersion)
        // Consecutive events of one stream, appended together.
        var run: (stream: String, expected: ExpectedVersion, events: [NewEvent])?
        var first: UInt64?, last: UInt64 = 0, count = 0
        func flush() throws {
            guard let pending = run else { return }
            run = nil
            let result = try writer.append(pending.events, to: pending.stream, expecting: pending.expected)
            first = first ?? result.firstPosition
            last = result.firstPosition + UInt64(pending.events.count) - 1
        }
        // An error of recording (a stream that moved, a key the store lacks) stops the pass and is
        // thrown as it is; one of reading is the input's.
        var failure: (any Error)?
        let digest: [UInt8]?
        do {
            digest = try source.forEachEvent { (event, _) throws(LedgerError) in
                do {
                    let (stream, expected) = versions.next(event)
                    let new = try newEvent(event, metadata: metadata, decidedNotErased: true)
                    count += 1
                    if count % ImportProgress.every == 0 { progress?(ImportProgress(phase: .recording, events: count, total: plan.events)) }
                    if let current = run?.stream, utf8Equal(current, stream) {
                        run?.events.append(new)
                    } else {
                        try flush()
                        run = (stream, expected, [new])
                    }
                } catch {
                    failure = error
                    throw LedgerError(.storage, "recording the import failed")
                }
            }
        } catch {
            if let failure { throw failure }
            // Every line decoded on the first read: one that does not now was changed since.
            guard error.code != .storage else { throw error }
            throw LedgerError(.storage, "the input changed between the two reads of the import (\(error.message)); nothing was recorded", cause: error)
        }
        try flush()
        guard digest == plan.digest, count == plan.events, let first else {
            throw LedgerError(.storage, "the input changed between the two reads of the import; nothing was recorded")
        }
        progress?(ImportProgress(phase: .recording, events: count, total: plan.events))
        return first...last
    }
}

/// How far an import is: it reads its input twice — first checking every event against the rules
/// (nothing written), then recording them in one transaction (committed only at the end).
public struct ImportProgress: Sendable, Hashable {
    /// The read under way.
    public enum Phase: String, Sendable, Hashable {
        /// The first read: every event decoded and checked against the rules.
        case checking
        /// The second read: every event encoded and appended, in one transaction.
        case recording
    }

    /// The read under way.
    public let phase: Phase
    /// Events done in this phase.
    public let events: Int
    /// The events of the import, once known (at the end of ``Phase/checking``, and while recording).
    public let total: Int?

    /// How often, in events, an import tells how far it is.
    static let every = 10_000
}

/// What an import reads its events from, twice.
enum ImportSource: Sendable {
    /// JSON Lines, decoded in pieces.
    case pieces(InterchangePieces)
    /// Events already decoded, with their input lines if known.
    case events([LedgerEvent], lines: [Int]?)

    /// Calls `body` with each event and its line, in order; returns the digest of a file's bytes.
    func forEachEvent(_ body: (LedgerEvent, Int) throws(LedgerError) -> Void) throws(LedgerError) -> [UInt8]? {
        switch self {
        case .pieces(let pieces):
            return try pieces.forEachEvent(body)
        case .events(let events, let lines):
            for (index, event) in events.enumerated() {
                try body(event, lines.flatMap { index < $0.count ? $0[index] : nil } ?? index + 1)
            }
            return nil
        }
    }
}

/// What an import's first read decided: how many events, the clients they register and erase,
/// and the version of each stream they were decided from (what the second read's appends expect).
struct ImportPlan {
    var events = 0
    var clients = 0
    var registered: [ClientID] = []
    var erased: [ClientID] = []
    var versions: [ClientID: UInt64] = [:]
    var salonVersion: UInt64
    var digest: [UInt8]?

    init(salonVersion: UInt64) {
        self.salonVersion = salonVersion
    }
}
