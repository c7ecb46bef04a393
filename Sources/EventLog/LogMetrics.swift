import CoreMetrics

/// The metrics one log reports (see `docs/observability.md`), made once when it opens.
package struct LogMetrics: Sendable {
    /// `eventlog_appended_events_total`: events committed by this process.
    package let appendedEvents: Counter
    /// `eventlog_commits_total`: write transactions committed by this process.
    package let commits: Counter
    /// `eventlog_commit_duration_seconds`: how long a write transaction took, disk sync included.
    package let commitDuration: Timer
    /// `eventlog_group_commit_size`: how many appends one group commit carried.
    package let groupCommitSize: Recorder
    /// `eventlog_replica_write_retries_total`: writes of a replica (of a ledger in PostgreSQL) that
    /// found the shared log moved on despite its lock — a lost connection — and ran again.
    package let replicaRetries: Counter
    private let factory: any MetricsFactory

    package init(factory: any MetricsFactory) {
        self.factory = factory
        appendedEvents = Counter(label: "eventlog_appended_events_total", factory: factory)
        commits = Counter(label: "eventlog_commits_total", factory: factory)
        commitDuration = Timer(label: "eventlog_commit_duration_seconds", factory: factory)
        groupCommitSize = Recorder(label: "eventlog_group_commit_size", aggregate: true, factory: factory)
        replicaRetries = Counter(label: "eventlog_replica_write_retries_total", factory: factory)
    }

    /// Reports where a projection's catch-up or rebuild stands: `eventlog_projection_lag_events`
    /// (the events between its checkpoint and the head) and, for a rebuild,
    /// `eventlog_projection_rebuild_progress_ratio` (0 to 1).
    package func projection(_ name: String, lag: UInt64, rebuildProgress: Double?) {
        Gauge(label: "eventlog_projection_lag_events", dimensions: [("projection", name)], factory: factory).record(Double(lag))
        if let rebuildProgress {
            Gauge(label: "eventlog_projection_rebuild_progress_ratio", dimensions: [("projection", name)], factory: factory).record(rebuildProgress)
        }
    }
}
