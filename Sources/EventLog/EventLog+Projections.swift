extension EventLog {
    /// Keeps `projection` up to date from now on, inline with every append of this process.
    ///
    /// First brings it to the head: from its checkpoint if its stored version is `projection.version`,
    /// or — if the stored version differs (the code changed) — by rebuilding it from the first event
    /// into its spare database, while the old state keeps serving readers; the switch to the rebuilt
    /// state is atomic. Runs in transactions of ``Options/projectionBatchSize`` events, so appends
    /// from other tasks and processes go on meanwhile. `progress` is called after each transaction.
    ///
    /// Blocks the calling thread until the projection has caught up. If `progress` throws, the work
    /// stops after the transaction just committed (nothing is lost) with ``EventLogError/Code/cancelled``;
    /// the next registration or rebuild goes on from there.
    public func register<P: Projection>(_ projection: P, progress: ((ProjectionProgress) throws -> Void)? = nil) throws(EventLogError) {
        let name = projection.name
        guard !name.isEmpty, name.utf8.count <= 100, !name.contains("/") else {
            throw EventLogError(.misuse, "a projection name must be 1 to 100 UTF-8 bytes without '/'; got \"\(name)\"")
        }
        try checkOpen()
        guard !core.environment.isInsideTransaction else {
            throw EventLogError(.misuse, "a projection cannot be registered inside a read or write closure")
        }
        guard !isReadOnly else {
            throw EventLogError(.readOnly, "projection \(name) cannot be registered on a log opened read-only; read it with readProjection, or replay it")
        }
        do {
            let entry = RegisteredProjection(projection: projection, slots: try core.projectionHandles(name))
            let (stored, head) = try core.environment.read { txn in (try txn.projectionRecord(core.schema, name: name), try txn.lastPosition(core.schema)) }
            let needsRebuild = stored.map { $0.activeVersion != projection.version } ?? false
            if let stored, !needsRebuild, stored.activeCheckpoint == head {
                // Current already: kept inline from now on, and nothing is written to register it.
                core.projections.withLock { list in
                    list.removeAll { $0.projection.name == name }
                    list.append(entry)
                }
                return
            }
            // Kept inline from now on, so appends during the catch-up are not left for later; the inline
            // path skips it while its stored version is another (during a rebuild).
            core.projections.withLock { list in
                list.removeAll { $0.projection.name == name }
                list.append(entry)
            }
            do {
                try core.run(entry, building: needsRebuild, progress: progress)
            } catch {
                // Not kept inline after all: its catch-up would fail inside every append again.
                core.projections.withLock { list in list.removeAll { $0.projection.name == name } }
                throw error
            }
        } catch {
            throw EventLogError.wrap(error, "registering projection \(name)")
        }
    }

    /// Rebuilds `projection` from the first event, blue/green: into its spare database while the
    /// current state keeps serving (and, in processes that registered it, keeps receiving new
    /// events), then switches atomically once the rebuilt state has caught up with the head.
    /// Safe while other tasks and processes append. A rebuild that was interrupted resumes where it
    /// stopped. `progress` is called after each transaction; throwing from it stops the rebuild with
    /// ``EventLogError/Code/cancelled``, to be resumed later.
    public func rebuild<P: Projection>(_ projection: P, progress: ((ProjectionProgress) throws -> Void)? = nil) throws(EventLogError) {
        try checkOpen()
        guard !core.environment.isInsideTransaction else {
            throw EventLogError(.misuse, "a projection cannot be rebuilt inside a read or write closure")
        }
        guard !isReadOnly else {
            throw EventLogError(.readOnly, "projection \(projection.name) cannot be rebuilt in a log opened read-only")
        }
        do {
            let entry = RegisteredProjection(projection: projection, slots: try core.projectionHandles(projection.name))
            try core.run(entry, building: true, progress: progress)
            // A process that kept another version of it inline keeps this one from now on (the
            // switch did so already, unless another process switched).
            core.projections.withLock { list in
                if let index = list.firstIndex(where: { $0.projection.name == projection.name }) { list[index] = entry }
            }
        } catch {
            throw EventLogError.wrap(error, "rebuilding projection \(projection.name)")
        }
    }

    /// Runs `body` with the stored state of `projection` in a read snapshot.
    ///
    /// Throws ``EventLogError/Code/misuse`` if the stored state is of another version (register or
    /// rebuild it first). The state is as of ``ProjectionStatus/checkpoint``; for a projection this
    /// process registered, that includes every append that has returned.
    public func readProjection<P: Projection, T>(_ projection: P, _ body: (ProjectionState) throws -> T) throws -> T {
        let name = projection.name
        try checkOpen()
        do {
            // Handles must exist before the transaction begins: a read transaction sees only those.
            let slots = try core.existingProjectionHandles(name)
            // A plain read transaction: the projection needs no log snapshot (its head and heads).
            return try readProjection(name: name, version: projection.version, slots: slots, body)
        } catch let error as LMDBError {
            throw EventLogError.wrap(error, "reading projection \(name)")
        }
    }

    private func readProjection<T>(name: String, version: UInt32, slots: (LMDBDatabase, LMDBDatabase)?, _ body: (ProjectionState) throws -> T) throws -> T {
        try core.environment.read { txn in
            guard let record = try txn.projectionRecord(core.schema, name: name) else {
                throw EventLogError(.misuse, "projection \(name) was never built: register it first")
            }
            guard record.activeVersion == version else {
                throw EventLogError(.misuse, "projection \(name) is stored at version \(record.activeVersion), not \(version): register or rebuild it")
            }
            guard let slots else {
                throw EventLogError(.corruptRecord, "the databases of projection \(name) are missing")
            }
            return try body(ProjectionState(transaction: txn, database: record.activeSlot == 0 ? slots.0 : slots.1, writable: false))
        }
    }

    /// Runs `body` with a snapshot of the log and, in the same snapshot, the stored state of
    /// `projection` if it is exactly as current as the log there — its version is
    /// `projection.version` and its checkpoint is the snapshot's last position — or `nil` if it is
    /// not (never built, of another version, behind, or rebuilding and not yet switched). What the
    /// state says then holds for the very events the snapshot reads: a reader may decide from the
    /// state instead of folding the log.
    package func read<P: Projection, T>(current projection: P, _ body: (LogSnapshot, ProjectionState?) throws -> T) throws -> T {
        let name = projection.name
        try checkOpen()
        do {
            // Handles must exist before the transaction begins: a read transaction sees only those.
            let slots = try core.existingProjectionHandles(name)
            return try core.performRead { snapshot in
                var state: ProjectionState?
                if let slots, let record = try snapshot.txn.projectionRecord(core.schema, name: name),
                   record.activeVersion == projection.version, record.activeCheckpoint == snapshot.lastPosition {
                    state = ProjectionState(transaction: snapshot.txn, database: record.activeSlot == 0 ? slots.0 : slots.1, writable: false)
                }
                return try body(snapshot, state)
            }
        } catch let error as LMDBError {
            throw EventLogError.wrap(error, "reading the log at \(path) with projection \(name)")
        }
    }

    /// Folds `projection` in memory over the events up to position `position` (default: all), in one
    /// snapshot, and runs `body` with the result — without reading or touching any stored
    /// projection. This is what an as-of replay uses: the same code, over a prefix of the log.
    /// (A projection can also ignore events after an instant of its own choosing.)
    public func replay<P: Projection, T>(_ projection: P, through position: UInt64? = nil, _ body: (ProjectionState) throws -> T) throws -> T {
        try body(ProjectionState(memory: try replayedState(of: projection, through: position)))
    }

    /// The state of `projection` folded in memory over the events up to `position` (default: all),
    /// in one snapshot: what ``replay(_:through:_:)`` hands to its closure, for a caller that keeps it.
    package func replayedState<P: Projection>(of projection: P, through position: UInt64? = nil) throws -> MemoryProjectionStore {
        try read { snapshot in
            let store = MemoryProjectionStore()
            let state = ProjectionState(memory: store)
            var batch = try projection.beginBatch(state)
            try snapshot.forEachEvent(through: position) { event in try projection.apply(event, to: &batch, state: state) }
            try projection.endBatch(&batch, state: state)
            return store
        }
    }

    /// Where a stored projection stands.
    public func projectionStatus(_ name: String) throws(EventLogError) -> ProjectionStatus? {
        do {
            return try read { snapshot in
                try snapshot.txn.projectionRecord(core.schema, name: name).map {
                    ProjectionStatus(version: $0.activeVersion, checkpoint: $0.activeCheckpoint,
                                     rebuildingVersion: $0.rebuilding ? $0.buildingVersion : nil,
                                     rebuildCheckpoint: $0.rebuilding ? $0.buildingCheckpoint : nil,
                                     head: snapshot.lastPosition)
                }
            }
        } catch {
            throw EventLogError.wrap(error, "reading the status of projection \(name)")
        }
    }
}

/// Where a stored projection stands: see ``EventLog/projectionStatus(_:)``.
public struct ProjectionStatus: Hashable, Sendable {
    /// The version of the state that serves queries.
    public let version: UInt32
    /// The last position applied to the state that serves queries.
    public let checkpoint: UInt64
    /// The version being rebuilt beside it, if a rebuild is under way (or was interrupted).
    public let rebuildingVersion: UInt32?
    /// The last position the rebuild applied.
    public let rebuildCheckpoint: UInt64?
    /// The log's last position, in the same snapshot.
    public let head: UInt64
}
