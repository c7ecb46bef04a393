import Synchronization

extension LogCore {
    /// Applies the events this write transaction appended to every registered projection whose
    /// stored version is this code's, together with its checkpoint. Called by the write session
    /// before commit, so the events, the state and the checkpoint commit (or not) as one.
    package func applyInlineProjections(_ txn: LMDBTransaction, through head: UInt64) throws {
        let registered = projections.withLock { $0 }
        guard !registered.isEmpty else { return }
        let snapshot = try LogSnapshot(core: self, txn: txn, committed: false)
        for entry in registered {
            let name = entry.projection.name
            guard var record = try txn.projectionRecord(schema, name: name), record.activeVersion == entry.projection.version,
                  record.activeCheckpoint < head else { continue }
            try applyProjection(entry.projection, snapshot: snapshot, database: entry.database(record.activeSlot),
                                after: record.activeCheckpoint, through: head)
            record.activeCheckpoint = head
            try txn.putProjectionRecord(schema, name: name, record)
        }
    }

    /// Opens (creating) both databases of a projection; outside any transaction.
    package func projectionHandles(_ name: String) throws -> (LMDBDatabase, LMDBDatabase) {
        guard let a = try environment.openHandle(Schema.projectionSlotName(name, slot: 0), create: true),
              let b = try environment.openHandle(Schema.projectionSlotName(name, slot: 1), create: true) else {
            throw EventLogError(.storage, "cannot create the databases of projection \(name)")
        }
        return (a, b)
    }

    /// Brings the projection's active database to the head (`building: false`), or builds its other
    /// database from the first event and switches to it atomically when it reaches the head
    /// (`building: true`), in transactions of `batchSize` events, reporting progress after each.
    package func run(_ entry: RegisteredProjection, building: Bool, progress: ((ProjectionProgress) throws -> Void)?) throws {
        let name = entry.projection.name
        let version = entry.projection.version
        let clock = ContinuousClock()
        let started = clock.now
        var origin: UInt64?
        while true {
            let step: (finished: Bool, from: UInt64, checkpoint: UInt64, head: UInt64) = try performWrite { session in
                let txn = session.txn
                let head = session.head
                // A projection never built serves nothing until its first build switches in (version 0).
                var record = try txn.projectionRecord(schema, name: name)
                    ?? ProjectionRecord(activeSlot: 0, building: false, activeVersion: building ? 0 : version, activeCheckpoint: 0, buildingVersion: 0, buildingCheckpoint: 0)
                if building, origin != nil, !record.building || record.buildingVersion != version {
                    // Another process finished (or replaced) this rebuild between our transactions.
                    guard record.activeVersion == version else {
                        throw EventLogError(.misuse, "another process is rebuilding projection \(name) at version \(record.buildingVersion), not \(version)")
                    }
                    return (true, record.activeCheckpoint, record.activeCheckpoint, head)
                }
                if building {
                    if !record.building || record.buildingVersion != version {
                        // Start a rebuild: empty the spare database, which serves nobody.
                        try txn.empty(entry.database(record.buildingSlot))
                        record.building = true
                        record.buildingVersion = version
                        record.buildingCheckpoint = 0
                    }
                } else if record.activeVersion != version {
                    throw EventLogError(.misuse, "projection \(name) is stored at version \(record.activeVersion), not \(version): rebuild it")
                }
                let from = building ? record.buildingCheckpoint : record.activeCheckpoint
                let through = min(head, from + options.projectionBatchSize)
                let snapshot = try LogSnapshot(core: self, txn: txn, committed: false)
                try applyProjection(entry.projection, snapshot: snapshot,
                                    database: entry.database(building ? record.buildingSlot : record.activeSlot), after: from, through: through)
                var finished = through == head
                if building {
                    record.buildingCheckpoint = through
                    if finished {
                        // The switch: the rebuilt database serves from this commit on; the old one
                        // is emptied (not dropped: readers of older snapshots still hold its handle).
                        let old = record.activeSlot
                        record = ProjectionRecord(activeSlot: record.buildingSlot, building: false, activeVersion: version,
                                                  activeCheckpoint: through, buildingVersion: 0, buildingCheckpoint: 0)
                        try txn.empty(entry.database(old))
                    }
                } else {
                    record.activeCheckpoint = through
                    finished = through == head
                }
                try txn.putProjectionRecord(schema, name: name, record)
                return (finished, from, through, head)
            }
            let start = min(origin ?? step.from, step.checkpoint)
            origin = start
            let elapsed = clock.now - started
            let report = ProjectionProgress(projection: name, eventsDone: step.checkpoint - start, eventsTotal: max(step.head, step.checkpoint) - start,
                                            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            if step.finished {
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
}
