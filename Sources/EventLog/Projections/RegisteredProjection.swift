/// A projection this process keeps up to date inline, with the handles of its two databases.
package struct RegisteredProjection: Sendable {
    package let projection: any Projection
    package let slots: (LMDBDatabase, LMDBDatabase)

    package func database(_ slot: UInt8) -> LMDBDatabase { slot == 0 ? slots.0 : slots.1 }
}

extension LMDBTransaction {
    /// The `projections` entry of `name`, or `nil`.
    package func projectionRecord(_ schema: Schema, name: String) throws -> ProjectionRecord? {
        var key = name
        return try key.withUTF8 { key in
            guard let projections = schema.projections, let value = try get(projections, key: UnsafeRawBufferPointer(key)) else { return nil }
            guard let record = ProjectionRecord(bytes: value) else {
                throw EventLogError(.corruptRecord, "the projections entry of \(name) is damaged")
            }
            return record
        }
    }

    package func putProjectionRecord(_ schema: Schema, name: String, _ record: ProjectionRecord) throws {
        guard let projections = schema.projections else {
            throw EventLogError(.readOnly, "projection \(name) cannot be stored in a log opened read-only")
        }
        let key = Array(name.utf8), value = record.bytes
        try key.withUnsafeBytes { key in try value.withUnsafeBytes { try put(projections, key: key, value: $0) } }
    }
}

/// Applies events `(after, through]` of the transaction's view to one projection's database:
/// generic, so the projection's methods are called without boxing. Each record's link in the hash
/// chain is checked as it is read, except those after `writtenAfter` (this transaction's own).
///
/// In batches of at most `batchSize` events — ending early, at the end of a run of
/// ``LogCore/rebuildReadChunk`` events (an eighth of a batch if that is less), once the batch
/// holds `batchEntries` entries
/// (``Projection/entryCount(of:)``) — each written before the next is read: what a batch holds in
/// memory is bounded (an import of a million events applies them in one transaction, not in one
/// batch), and the result is the same, since a projection's state depends only on the events in
/// log order, not on where batches begin and end.
package func applyProjection<P: Projection>(
    _ projection: P, snapshot: LogSnapshot, database: LMDBDatabase, after: UInt64, through: UInt64, writtenAfter: UInt64 = .max,
    batchSize: UInt64 = .max, batchEntries: Int = .max
) throws {
    var start = after
    let chunk = LogCore.readChunk(batchSize: batchSize)
    while through > start {
        let end = through - start > batchSize ? start + batchSize : through
        // Read-only until the batch ends, as in a rebuild: a projection cannot come to depend on
        // writing from apply here and then fail there.
        let reading = ProjectionState(transaction: snapshot.txn, database: database, writable: false)
        var batch = try projection.beginBatch(reading)
        var applied = start
        while applied < end {
            let last = end - applied > chunk ? applied + chunk : end
            try snapshot.forEachEvent(from: applied + 1, through: last, writtenAfter: writtenAfter) { event in
                try projection.apply(event, to: &batch, state: reading)
            }
            applied = last
            if batchEntries < .max, projection.entryCount(of: batch) >= batchEntries { break }
        }
        try projection.endBatch(&batch, state: ProjectionState(transaction: snapshot.txn, database: database, writable: true,
                                                               releasingPagesOf: snapshot.core.environment))
        start = applied
    }
}
