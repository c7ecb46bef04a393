import Foundation
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
            // A transaction that appended more than a catch-up step (an import) is applied in
            // batches as large as a rebuild's: on a time-ordered history each batch rewrites most
            // of the state, and in batches of 50,000 the import of the 50,000-client demo spent
            // 37 of its 55 s here, every batch's card writes undoing LMDB's spilled pages.
            try applyProjection(entry.projection, snapshot: snapshot, database: entry.database(record.activeSlot),
                                after: record.activeCheckpoint, through: head, writtenAfter: writtenAfter,
                                batchSize: max(options.projectionBatchSize, options.rebuildBatchSize), batchEntries: max(options.rebuildStepEntries, 1))
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
    /// (`building: true`), in steps of up to `projectionBatchSize` (catching up) or
    /// `rebuildBatchSize` (rebuilding) events, reporting progress after each.
    package func run(_ entry: RegisteredProjection, building: Bool, progress: ((ProjectionProgress) throws -> Void)?) throws {
        let name = entry.projection.name
        let clock = ContinuousClock()
        let started = clock.now
        var origin: UInt64?
        while true {
            let step = building ? try rebuildStep(entry.projection, entry, resuming: origin != nil) : try catchUpStep(entry)
            if step.waiting {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
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
                    emptySpare(entry)
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

    /// One step of a rebuild. The events are read and applied in read snapshots, so appends go on
    /// meanwhile; only the batch's writes and the checkpoint take the writer, in pieces of about
    /// ``EventLog/Options/rebuildWriteLimit`` entries, a write transaction each. The first checks
    /// that nobody else moved the rebuild since the read (another process rebuilding the same
    /// version), and goes round again if someone did; the checkpoint moves with the last.
    ///
    /// Between two pieces the spare database is half-written, and the record says so: the step's
    /// owner, with a lease that each piece renews (``ProjectionRecord/stepOwner``). A rebuild that
    /// finds another's half-written step waits while the lease runs; once it has run out (its owner
    /// died or failed midway), it starts the rebuild again from the first event, since what a
    /// half-written step wrote cannot be told from the rest.
    private func rebuildStep<P: Projection>(_ projection: P, _ entry: RegisteredProjection, resuming: Bool) throws -> ProjectionStep {
        let name = projection.name
        let version = projection.version
        // `tail`: the step applies the last events in its write transaction, through the head it
        // sees. `batches`: one per worker (``applyByStream``), each held in a box of its own.
        typealias Prepared = (from: UInt64, through: UInt64, batches: [WorkerBatch<P.Batch>]?, tail: Bool)
        // The step's events are applied in snapshots of ``rebuildReadChunk`` events each (an eighth
        // of a step if that is less), so that no read stays open for the whole step (seconds): while
        // one is, the pages that writers free cannot be used again (75 s of checkouts beside looping
        // rebuilds grew the 50,000-client salon's file from 954 MB to 4.7 GB; 1.1 GB in short
        // snapshots), and the map cannot grow without waiting for it. `applied`: the last event
        // applied so far.
        var applied: UInt64 = 0
        let chunk = Self.readChunk(batchSize: options.rebuildBatchSize)
        // Clamped here too: the options' properties can be set after `init`, which clamps them.
        let workers = projection is any StreamPartitionedProjection ? min(max(options.rebuildWorkers, 1), EventLog.Options.maximumRebuildWorkers) : 1
        let stepEntries = max(options.rebuildStepEntries, 1)
        let read: Prepared? = try performRead { snapshot in
            guard let record = try snapshot.txn.projectionRecord(schema, name: name), record.building, record.buildingVersion == version else {
                return nil // not started yet, finished by another process, or half-written: the write below sees which
            }
            let from = record.buildingCheckpoint
            applied = from
            // The last few events (no more than a step, nor than a piece's entries) are applied in the
            // write transaction that switches, which sees the head: appends made between a read and
            // its write cannot keep a rebuild from finishing.
            guard snapshot.lastPosition > from + min(options.rebuildBatchSize, UInt64(options.rebuildWriteLimit)) else { return (from, from, nil, true) }
            let through = min(snapshot.lastPosition, from + options.rebuildBatchSize)
            // Read-only: only the writes below may change the state, together with the checkpoint.
            let state = ProjectionState(transaction: snapshot.txn, database: entry.database(record.buildingSlot), writable: false)
            return (from, through, try (0..<workers).map { _ in WorkerBatch(try projection.beginBatch(state)) }, false)
        }
        // Whether every chunk was applied on the step's footing: another process that moved the
        // rebuild on meanwhile (or began it anew) has written what these batches would, and the
        // write below then reads again from where it stands.
        var current = true
        if let read, let boxes = read.batches {
            while current, applied < read.through {
                let first = applied + 1
                let last = min(read.through, applied + chunk)
                current = if boxes.count == 1 {
                    try performRead { snapshot in
                        guard let state = try buildingState(of: entry, in: snapshot, version: version, from: read.from) else { return false }
                        try boxes[0].update { batch in
                            try snapshot.forEachEvent(from: first, through: last) { event in try projection.apply(event, to: &batch, state: state) }
                        }
                        return true
                    }
                } else if let partitioned = projection as? any StreamPartitionedProjection {
                    try applyByStream(partitioned, boxes as Any, entry, version: version, stepFrom: read.from, from: first, through: last)
                } else {
                    throw EventLogError(.misuse, "projection \(name) cannot be rebuilt by several workers")
                }
                applied = last
                // The pages a step reads stay mapped until given back: between steps only, a step of a
                // million events over a million clients' cards kept 3.9 GB of the file resident.
                environment.releaseMappedPages()
                // A step that holds enough entries ends here, whatever events it had left: its
                // memory follows the entries, not the step's size (``EventLog/Options/rebuildStepEntries``).
                if current, applied < read.through,
                   try boxes.reduce(0, { try $0 + $1.update { projection.entryCount(of: $0) } }) >= stepEntries {
                    break
                }
            }
        }
        // The workers' batches merged into one, and out of its box: the only reference to its storage.
        var batch: P.Batch? = nil
        if current, let boxes = read?.batches { batch = try merged(projection, boxes) }
        let owner = UInt16.random(in: 1...UInt16.max)
        // Through the last event applied: the step's end, or where it ended early.
        let prepared = current ? read.map { ($0.from, $0.tail ? $0.through : applied, nil, $0.tail) as Prepared } : nil
        // Whether a piece of this step has committed and the last has not: a failure then leaves the
        // step half-written, and no other rebuild of this process waits for its lease.
        var halfWritten = false
        defer { if halfWritten { abandonedRebuildSteps.withLock { _ = $0.insert(owner) } } }
        while true {
            // The step when it is over (`nil` while pieces remain), and the batch as the piece left it.
            let (step, rest): (ProjectionStep?, P.Batch?) = try performLocalWrite { session in
                let txn = session.txn
                let head = session.head
                // A projection never built serves nothing until its first build switches in (version 0).
                var record = try txn.projectionRecord(schema, name: name)
                    ?? ProjectionRecord(activeSlot: 0, building: false, activeVersion: 0, activeCheckpoint: 0, buildingVersion: 0, buildingCheckpoint: 0)
                func unmoved() -> ProjectionStep { .unmoved(record, head: head) }
                if !halfWritten {
                    if let step = try begin(&record, version: version, resuming: resuming, entry: entry, txn: txn, head: head) { return (step, nil) }
                    guard let prepared, prepared.from == record.buildingCheckpoint else {
                        // Another process moved this rebuild on meanwhile: read again from where it stands.
                        return (unmoved(), nil)
                    }
                } else {
                    guard record.stepOwner == owner, record.buildingVersion == version, record.buildingCheckpoint == prepared?.from else {
                        // Another rebuild started again meanwhile (this step's lease ran out, or a
                        // library without leases began anew): read again from where it stands.
                        return (unmoved(), nil)
                    }
                }
                guard let prepared else { return (unmoved(), nil) }
                if prepared.tail {
                    let snapshot = try LogSnapshot(core: self, txn: txn, committed: false)
                    try applyProjection(projection, snapshot: snapshot, database: entry.database(record.buildingSlot), after: prepared.from, through: head)
                }
                // A copy: if the transaction runs again (the map grew), it writes the same piece.
                if var pending = batch {
                    let state = ProjectionState(transaction: txn, database: entry.database(record.buildingSlot), writable: true, releasingPagesOf: environment)
                    if !(try projection.endBatch(&pending, state: state, limit: options.rebuildWriteLimit)) {
                        // Pieces remain: the spare database is half-written until the last.
                        record.building = false
                        record.stepOwner = owner
                        record.stepLease = Self.leaseClock()
                        try txn.putProjectionRecord(schema, name: name, record)
                        return (nil, pending)
                    }
                }
                record.building = true
                record.stepOwner = 0
                record.stepLease = 0
                let through = prepared.tail ? head : prepared.through
                record.buildingCheckpoint = through
                let finished = through == head
                if finished {
                    // The switch: the rebuilt database serves from this commit on; the old one is
                    // emptied after it, in pieces (``emptySpare(_:)``).
                    record = ProjectionRecord(activeSlot: record.buildingSlot, building: false, activeVersion: version,
                                              activeCheckpoint: through, buildingVersion: 0, buildingCheckpoint: 0)
                    // A process that kept another version inline keeps this one from the next
                    // append on: the writer is still held, so none lands in between unapplied.
                    session.afterCommit.append { [self] in
                        projections.withLock { list in
                            if let index = list.firstIndex(where: { $0.projection.name == name }) { list[index] = entry }
                        }
                    }
                }
                try txn.putProjectionRecord(schema, name: name, record)
                return (ProjectionStep(finished: finished, from: prepared.from, checkpoint: through, head: head), nil)
            }
            if let step {
                halfWritten = false
                return step
            }
            batch = rest
            halfWritten = true
        }
    }

    /// Empties the database that a rebuild's switch left spare (the old version's), in write
    /// transactions of ``EventLog/Options/rebuildWriteLimit`` × 8 entries (at once, if that is
    /// `Int.max`): emptied in the switch's own transaction, a gigabyte's pages were all freed in
    /// one commit, which took two seconds while every writer waited. The database is not dropped:
    /// readers of older snapshots still hold its handle, and read it as it was.
    ///
    /// Stops as soon as a rebuild has begun in it (that rebuild empties it itself). A failure is
    /// logged and left: the next rebuild's start empties what remains.
    private func emptySpare(_ entry: RegisteredProjection) {
        let name = entry.projection.name
        let limit = options.rebuildWriteLimit > Int.max / 8 ? Int.max : options.rebuildWriteLimit * 8
        do {
            // Deleting reads every leaf page of it once: their mappings are given back as it goes,
            // so that they do not add to what the rebuild's steps held at their peak.
            defer { environment.releaseMappedPages(above: Self.emptyingMappedBudget) }
            while try performLocalWrite({ session -> Bool in
                guard let record = try session.txn.projectionRecord(schema, name: name), !record.rebuilding else { return false }
                let spare = entry.database(record.buildingSlot)
                // Writes not in pieces (a limit too large to count): at once, as mdb_drop does it fastest.
                guard limit < .max else { try session.txn.empty(spare); return false }
                return try session.txn.deleteFirst(spare, limit: limit) == limit
            }) {
                environment.releaseMappedPages(above: Self.emptyingMappedBudget)
            }
        } catch {
            logger.warning("the old database of projection \(name) was left partly emptied; the next rebuild empties it",
                           metadata: ["eventlog.projection": "\(name)", "eventlog.error": "\(error)"])
        }
    }

    /// How much of the data file ``emptySpare(_:)`` keeps mapped between two of its transactions.
    static let emptyingMappedBudget = 32 << 20

    /// What the first write of a rebuild step finds: a step to return at once (the rebuild
    /// finished by another process, begun now, or waiting for another's half-written step), or
    /// `nil` to go on writing the step's batch on top of `record`.
    private func begin(_ record: inout ProjectionRecord, version: UInt32, resuming: Bool, entry: RegisteredProjection,
                       txn: LMDBTransaction, head: UInt64) throws -> ProjectionStep? {
        let name = entry.projection.name
        if record.stepOwner != 0 {
            // Another rebuild is between two pieces of a step. Wait while its lease runs (a clock
            // that went back counts as running) unless this process knows that it failed; after
            // that, its owner is gone: begin anew.
            let abandoned = abandonedRebuildSteps.withLock { $0.contains(record.stepOwner) }
            if !abandoned, Int64(Self.leaseClock()) - Int64(record.stepLease) < Self.stepLeaseSeconds {
                return .unmoved(record, head: head, waiting: true)
            }
            logger.notice("a step of the rebuild of projection \(name) was left half-written; the rebuild begins again",
                          metadata: ["eventlog.projection": "\(name)"])
        } else if resuming, !record.building || record.buildingVersion != version {
            // Another process finished (or replaced) this rebuild between our transactions.
            guard record.activeVersion == version else {
                throw EventLogError(.misuse, "another process is rebuilding projection \(name) at version \(record.buildingVersion), not \(version)")
            }
            return ProjectionStep(finished: true, from: record.activeCheckpoint, checkpoint: record.activeCheckpoint, head: head)
        }
        if record.stepOwner != 0 || !record.building || record.buildingVersion != version {
            // Start a rebuild: empty the spare database, which serves nobody.
            try txn.empty(entry.database(record.buildingSlot))
            record.building = true
            record.buildingVersion = version
            record.buildingCheckpoint = 0
            record.stepOwner = 0
            record.stepLease = 0
            try txn.putProjectionRecord(schema, name: name, record)
            return ProjectionStep(finished: false, from: 0, checkpoint: 0, head: head)
        }
        return nil
    }

    /// The building database's state as `snapshot` sees it, read-only, if the rebuild of `entry`
    /// at `version` still stands where its step began (`from`); `nil` if another process moved it.
    private func buildingState(of entry: RegisteredProjection, in snapshot: LogSnapshot, version: UInt32, from: UInt64) throws -> ProjectionState? {
        guard let record = try snapshot.txn.projectionRecord(schema, name: entry.projection.name), record.building,
              record.buildingVersion == version, record.buildingCheckpoint == from else { return nil }
        return ProjectionState(transaction: snapshot.txn, database: entry.database(record.buildingSlot), writable: false)
    }

    /// Applies events `first...last` of a rebuild step on as many threads as there are batches
    /// in `boxes` (a `[WorkerBatch<Q.Batch>]`): worker `k` reads them in a read snapshot of its own
    /// (checking every link, as every pass does), applies those of the streams whose number leaves
    /// `k` divided by the number of workers, and lets its batch
    /// ``StreamPartitionedProjection/observe(_:to:state:)`` the others. Returns `false` if a worker
    /// found the rebuild moved on by another process (``buildingState(of:in:version:from:)``).
    ///
    /// A failure throws what one thread would have: the error at the earliest position. A worker
    /// that fails says where, and the others stop once they are past it.
    private func applyByStream<Q: StreamPartitionedProjection>(_ projection: Q, _ boxes: Any, _ entry: RegisteredProjection,
                                                               version: UInt32, stepFrom: UInt64, from first: UInt64, through last: UInt64) throws -> Bool {
        guard let batches = boxes as? [WorkerBatch<Q.Batch>] else {
            throw EventLogError(.misuse, "the rebuild of projection \(projection.name) was given batches of another type")
        }
        let count = UInt64(batches.count)
        // The earliest position at which a worker failed (`.max`: none).
        let failedAt = Atomic<UInt64>(.max)
        DispatchQueue.concurrentPerform(iterations: batches.count) { worker in
            let box = batches[worker]
            var position = first
            do {
                box.current = try performRead { snapshot in
                    guard let state = try buildingState(of: entry, in: snapshot, version: version, from: stepFrom) else { return false }
                    try box.update { batch in
                        try snapshot.forEachEvent(from: first, through: last, writtenAfter: .max, releasingPages: worker == 0) { event in
                            position = event.position
                            guard position < failedAt.load(ordering: .relaxed) else { throw WorkerStopped() }
                            if event.streamNumber % count == UInt64(worker) {
                                try projection.apply(event, to: &batch, state: state)
                            } else {
                                try projection.observe(event, to: &batch, state: state)
                            }
                        }
                    }
                    return true
                }
            } catch is WorkerStopped {
                box.failure = nil
            } catch {
                box.failure = (position, error)
                var earliest = failedAt.load(ordering: .relaxed)
                while position < earliest {
                    let (exchanged, found) = failedAt.compareExchange(expected: earliest, desired: position, ordering: .relaxed)
                    if exchanged { break }
                    earliest = found
                }
            }
        }
        if let failure = batches.compactMap(\.failure).min(by: { $0.position < $1.position }) { throw failure.error }
        return batches.allSatisfy(\.current)
    }

    /// The workers' batches of a rebuild step as one: the first, with each other merged into it
    /// (``StreamPartitionedProjection/merge(_:into:)``). The boxes give their batches up, so that
    /// the one returned is the only reference to its storage.
    private func merged<P: Projection>(_ projection: P, _ boxes: [WorkerBatch<P.Batch>]) throws -> P.Batch {
        if boxes.count == 1, let batch = boxes[0].take() { return batch }
        guard let partitioned = projection as? any StreamPartitionedProjection,
              let batch = try merge(partitioned, boxes as Any) as? P.Batch else {
            throw EventLogError(.misuse, "the batches that several workers applied for projection \(projection.name) could not be merged")
        }
        return batch
    }

    /// The batches of `boxes` (a `[WorkerBatch<Q.Batch>]`) merged into the first's; `nil` if a
    /// box has none.
    private func merge<Q: StreamPartitionedProjection>(_ projection: Q, _ boxes: Any) throws -> Q.Batch? {
        guard let boxes = boxes as? [WorkerBatch<Q.Batch>], var batch = boxes.first?.take() else { return nil }
        for box in boxes.dropFirst() {
            guard let other = box.take() else { return nil }
            try projection.merge(other, into: &batch)
        }
        return batch
    }

    /// How many events of a rebuild step one read snapshot applies (see ``rebuildStep(_:_:resuming:)``):
    /// about a tenth of a second's work.
    static let rebuildReadChunk: UInt64 = 16_384

    /// How many events a batch of `batchSize` events applies between two looks at its entries (and,
    /// in a rebuild, in one read snapshot): ``rebuildReadChunk``, or an eighth of the batch if less.
    static func readChunk(batchSize: UInt64) -> UInt64 { min(rebuildReadChunk, max(1, batchSize / 8)) }

    /// How long a half-written rebuild step's lease runs after its last piece, in seconds: far
    /// longer than a piece takes, so that only an owner that stopped lets it run out.
    static let stepLeaseSeconds: Int64 = 15

    /// The clock of leases: whole seconds since 1970 (the processes that share a log share a
    /// machine, and its clock).
    static func leaseClock() -> UInt32 {
        UInt32(clamping: Int64(Date().timeIntervalSince1970))
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
    /// Nothing was applied because another rebuild is between two pieces of its step.
    var waiting = false

    /// A step that applied nothing: the rebuild stands where `record` says.
    static func unmoved(_ record: ProjectionRecord, head: UInt64, waiting: Bool = false) -> ProjectionStep {
        ProjectionStep(finished: false, from: record.buildingCheckpoint, checkpoint: record.buildingCheckpoint, head: head, waiting: waiting)
    }
}

/// One rebuild worker's batch, and how its last chunk went: a box of its own, so that each worker
/// changes its batch in place while the others change theirs (``LogCore/applyByStream``). Only one
/// thread uses a box at a time; `concurrentPerform` returning orders what the workers wrote before
/// what the step reads next.
final class WorkerBatch<Batch>: @unchecked Sendable {
    /// The batch; `nil` while it is being changed, and once taken.
    private var held: Batch?
    /// Whether the last chunk was applied on the step's footing.
    var current = true
    /// What stopped the last chunk, and at which position.
    var failure: (position: UInt64, error: any Error)?

    init(_ batch: Batch) { held = batch }

    /// Runs `body` on the batch, changed in place (taken out meanwhile, so that nothing else
    /// shares its storage). Throws if it was taken for good: no event may go unapplied unnoticed.
    func update<T>(_ body: (inout Batch) throws -> T) throws -> T {
        guard var batch = held.take() else { throw EventLogError(.misuse, "a rebuild worker's batch was applied to after it was taken") }
        defer { held = batch }
        return try body(&batch)
    }

    /// The batch, given up for good.
    func take() -> Batch? { held.take() }
}

/// Thrown inside a rebuild worker that has passed the position where another failed: the step
/// throws that failure, as one thread would have.
private struct WorkerStopped: Error {}
