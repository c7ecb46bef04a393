import EventLog

extension SalonLedger {
    /// The names of the projections the ledger keeps (for `ledger rebuild` and status displays).
    public static let projectionNames = [ClientCardProjection().name]

    /// Rebuilds the ledger's projections from the first event, blue/green: the current state keeps
    /// answering queries (and receiving commands) until the rebuilt one has caught up, then the
    /// switch is atomic. Safe while other tasks and processes record events. `progress` is called
    /// after each batch; throwing from it stops the rebuild, which the next call resumes.
    public func rebuildProjections(progress: ((ProjectionProgress) throws -> Void)? = nil) throws(LedgerError) {
        do {
            try log.rebuild(ClientCardProjection(), progress: progress)
        } catch {
            throw LedgerError.wrapping(error, "rebuilding the projections")
        }
    }
}
