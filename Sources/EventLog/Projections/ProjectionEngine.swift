import Synchronization

extension LogCore {
    /// Applies the events this write transaction appended to every registered projection whose
    /// stored version is this code's, together with its checkpoint. Called by the write session
    /// before commit, so the events, the state and the checkpoint commit (or not) as one.
    /// The records after `writtenAfter` are this transaction's own: their links were made, not read.
    package func applyInlineProjections(_ txn: LMDBTransaction, through head: UInt64, writtenAfter: UInt64) throws {
        let registered = projections.withLock { $0 }
        guard !registered.isEmpty else { return }
        let snapshot = try LogSnapshot(core: self, txn: txn, committed: false)
        for entry in registered {
            let name = entry.projection.name
            guard var record = try txn.projectionRecord(schema, name: name), record.activeVersion == entry.projection.version,
                  record.activeCheckpoint < head else { continue }
            try applyProjection(entry.projection, snapshot: snapshot, database: entry.database(record.activeSlot),
                                after: record.activeCheckpoint, through: head, writtenAfter: writtenAfter,
                                batchSize: options.projectionBatchSize)
            record.activeCheckpoint = head
            try txn.putProjectionRecord(schema, name: name, record)
        }
    }

    /// Opens (creating) both databases of a projection; outside any transaction.
    package func projectionHandles(_ name: String) throws -> (LMDBDatabase, LMDBDatabase) {
        // Looked up first without a write transaction: opening a log whose projection exists writes nothing.
        func handle(_ slot: UInt8) throws -> LMDBDatabase? {
            let slotName = Schema.projectionSlotName(name, slot: slot)
            return try environment.openHandle(slotName, create: false) ?? environment.openHandle(slotName, create: true)
        }
        guard let a = try handle(0), let b = try handle(1) else {
            throw EventLogError(.storage, "cannot create the databases of projection \(name)")
        }
        return (a, b)
    }

    /// The two databases of projection `name`, if they exist, without creating them (a reader
    /// must not write); remembered once found, since a database handle stays valid while the
    /// environment is open.
    package func existingProjectionHandles(_ name: String) throws -> (LMDBDatabase, LMDBDatabase)? {
        if let known = readableProjections.withLock({ $0[name] }) { return known }
        guard let a = try environment.openHandle(Schema.projectionSlotName(name, slot: 0), create: false),
              let b = try environment.openHandle(Schema.projectionSlotName(name, slot: 1), create: false) else { return nil }
        readableProjections.withLock { $0[name] = (a, b) }
        return (a, b)
    }

    /// Brings the projection's active database to the head (`building: false`), or builds its other
    /// database from the first event and switches to it atomically when it reaches the head
    /// (`building: true`), in steps of up to `projectionBatchSize` events, reporting progress after each.
    package func run(_ entry: RegisteredProjection, building: Bool, progress: ((ProjectionProgress) throws -> Void)?) throws {
        let name = entry.projection.name
        let clock = ContinuousClock()
        let started = clock.now
        var origin: UInt64?
        while true {
            let step = building ? try rebuildStep(entry.projection, entry, resuming: origin != nil) : try catchUpStep(entry)
            let start = min(origin ?? step.from, step.checkpoint)
            origin = start
            // The reads release their pages as they go. The writes map pages too: each page of the
            // projection a batch touches, plus up to 15 neighbours the kernel maps with it
            // (fault-around), so a batch spread over a large projection maps far more than it reads.
            environment.releaseMappedPages()
            // A step that applied nothing (a rebuild's start, or a step another process overtook)
            // has no progress to report.
            if !step.finished, step.checkpoint == step.from { continue }
            let elapsed = clock.now - started
            let report = ProjectionProgress(projection: name, eventsDone: step.checkpoint - start, eventsTotal: max(step.head, step.checkpoint) - start,
                                            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            metrics.projection(name, lag: step.finished ? 0 : max(step.head, step.checkpoint) - step.checkpoint,
                               rebuildProgress: building ? (report.eventsTotal == 0 ? 1 : Double(report.eventsDone) / Double(report.eventsTotal)) : nil)
            if step.finished {
                if building {
                    logger.info("rebuilt projection \(name)", metadata: ["eventlog.projection": "\(name)", "eventlog.events": "\(report.eventsDone)",
                                                                         "eventlog.eventsPerSecond": "\(Int(report.eventsPerSecond))"])
                }
                // The work is committed: a callback that throws now has nothing left to stop.
                try? progress?(report)
                return
            }
            do {
                try progress?(report)
            } catch {
                throw EventLogError(.cancelled, "work on projection \(name) was stopped at position \(step.checkpoint) by its progress callback",
                                    position: step.checkpoint, cause: DescribedError("\(error)"))
            }
        }
    }

    /// One step of a rebuild. The events are read and applied in a read snapshot, so appends go on
    /// meanwhile; only the batch's writes and the checkpoint take the writer, which then checks that
    /// nobody else moved the rebuild in between (another process rebuilding the same version),
    /// and goes round again if someone did.
    private func rebuildStep<P: Projection>(_ projection: P, _ entry: RegisteredProjection, resuming: Bool) throws -> ProjectionStep {
        let name = projection.name
        let version = projection.version
        typealias Prepared = (from: UInt64, through: UInt64, batch: P.Batch?)
        let prepared: Prepared? = try performRead { snapshot in
            guard let record = try snapshot.txn.projectionRecord(schema, name: name), record.building, record.buildingVersion == version else {
                return nil // not started yet, or finished by another process: the write below sees which
            }
            let from = record.buildingCheckpoint
            let through = min(snapshot.lastPosition, from + options.projectionBatchSize)
            guard through > from else { return (from, through, nil) }
            // Read-only: only the write below may change the state, together with the checkpoint.
            let state = ProjectionState(transaction: snapshot.txn, database: entry.database(record.buildingSlot), writable: false)
            var batch = try projection.beginBatch(state)
            try snapshot.forEachEvent(from: from + 1, through: through) { event in
                try projection.apply(event, to: &batch, state: state)
            }
            return (from, through, batch)
        }
        return try performLocalWrite { session in
            let txn = session.txn
            let head = session.head
            // A projection never built serves nothing until its first build switches in (version 0).
            var record = try txn.projectionRecord(schema, name: name)
                ?? ProjectionRecord(activeSlot: 0, building: false, activeVersion: 0, activeCheckpoint: 0, buildingVersion: 0, buildingCheckpoint: 0)
            if resuming, !record.building || record.buildingVersion != version {
                // Another process finished (or replaced) this rebuild between our transactions.
                guard record.activeVersion == version else {
                    throw EventLogError(.misuse, "another process is rebuilding projection \(name) at version \(record.buildingVersion), not \(version)")
                }
                return ProjectionStep(finished: true, from: record.activeCheckpoint, checkpoint: record.activeCheckpoint, head: head)
            }
            if !record.building || record.buildingVersion != version {
                // Start a rebuild: empty the spare database, which serves nobody.
                try txn.empty(entry.database(record.buildingSlot))
                record.building = true
                record.buildingVersion = version
                record.buildingCheckpoint = 0
                try txn.putProjectionRecord(schema, name: name, record)
                return ProjectionStep(finished: false, from: 0, checkpoint: 0, head: head)
            }
            let from = record.buildingCheckpoint
            guard let prepared, prepared.from == from else {
                // Another process moved this rebuild on meanwhile: read again from where it stands.
                return ProjectionStep(finished: false, from: from, checkpoint: from, head: head)
            }
            if var batch = prepared.batch {
                try projection.endBatch(&batch, state: ProjectionState(transaction: txn, database: entry.database(record.buildingSlot), writable: true,
                                                                     releasingPagesOf: environment))
            }
            let through = prepared.through
            record.buildingCheckpoint = through
            let finished = through == head
            if finished {
                // The switch: the rebuilt database serves from this commit on; the old one is
                // emptied (not dropped: readers of older snapshots still hold its handle).
                let old = record.activeSlot
                record = ProjectionRecord(activeSlot: record.buildingSlot, building: false, activeVersion: version,
                                          activeCheckpoint: through, buildingVersion: 0, buildingCheckpoint: 0)
                try txn.empty(entry.database(old))
            }
            try txn.putProjectionRecord(schema, name: name, record)
            return ProjectionStep(finished: finished, from: from, checkpoint: through, head: head)
        }
    }

    /// One step of bringing the active database to the head, all in one write transaction (the
    /// process's own appends apply to that database inline, so it cannot be read outside the writer).
    private func catchUpStep(_ entry: RegisteredProjection) throws -> ProjectionStep {
        let name = entry.projection.name
        let version = entry.projection.version
        return try performLocalWrite { session in
            let txn = session.txn
            let head = session.head
            var record = try txn.projectionRecord(schema, name: name)
                ?? ProjectionRecord(activeSlot: 0, building: false, activeVersion: version, activeCheckpoint: 0, buildingVersion: 0, buildingCheckpoint: 0)
            guard record.activeVersion == version else {
                throw EventLogError(.misuse, "projection \(name) is stored at version \(record.activeVersion), not \(version): rebuild it")
            }
            let from = record.activeCheckpoint
            let through = min(head, from + options.projectionBatchSize)
            let snapshot = try LogSnapshot(core: self, txn: txn, committed: false)
            try applyProjection(entry.projection, snapshot: snapshot, database: entry.database(record.activeSlot), after: from, through: through)
            record.activeCheckpoint = through
            try txn.putProjectionRecord(schema, name: name, record)
            return ProjectionStep(finished: through == head, from: from, checkpoint: through, head: head)
        }
    }
}

/// What one step of ``LogCore/run(_:building:progress:)`` did.
private struct ProjectionStep {
    var finished: Bool
    var from: UInt64
    var checkpoint: UInt64
    var head: UInt64
}
