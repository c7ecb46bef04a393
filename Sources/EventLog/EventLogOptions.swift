import Foundation
import CoreMetrics
import Logging

extension EventLog {
    /// Whether a commit waits for the disk.
    public enum Durability: Sendable, Hashable {
        /// Every commit is flushed to disk (`fdatasync`) before the append returns. The default.
        case durable
        /// **Not durable.** Commits are left to the operating system to write out. A crash of the
        /// process loses nothing, but a crash of the machine or a power cut can lose the last
        /// commits (the log stays consistent and its chain verifies, on file systems that keep
        /// write order). For bulk imports and tests; call ``EventLog/flush()`` when done.
        case nonDurable
    }

    /// How a log is opened. The first handle opened on a path in a process sets the options for
    /// every handle on that path in that process.
    public struct Options: Sendable {
        /// Whether commits wait for the disk. Default ``Durability/durable``.
        public var durability: Durability
        /// The initial size of the memory map in bytes. The map doubles whenever it fills (and ahead,
        /// once three quarters are used), so this only sets where growing starts. Default 256 MiB.
        public var initialMapSize: Int
        /// How many events may follow the last stream-heads checkpoint before the next one is written
        /// (see `docs/log-format.md`). Opening a log reads at most this many records. Default 100,000.
        public var headsCheckpointInterval: UInt64
        /// How often a subscription that has caught up looks for appends made by *other processes*.
        /// Appends of this process wake it at once. Default 100 ms.
        public var subscriptionPollInterval: Duration
        /// How many events one step of a projection's catch-up applies. A catch-up step reads and
        /// applies its events in the write transaction, so other writers wait for it. Default 50,000.
        public var projectionBatchSize: UInt64
        /// How many events one step of a projection's rebuild applies. A step reads and applies its
        /// events in read snapshots, with appends going on meanwhile, and keeps what they change
        /// in memory until it writes it: larger steps rebuild faster (on a time-ordered history
        /// each step rewrites the state of most of the entities it touches) and hold more memory.
        /// A write transaction that appended more events than ``projectionBatchSize`` (an import)
        /// applies them to the projections in batches of this size (or that, if larger).
        /// Default 1,000,000.
        public var rebuildBatchSize: UInt64
        /// About how many entries one write transaction of a rebuild step writes (what an entry is,
        /// the projection says: one client's, for the client cards; see
        /// ``Projection/endBatch(_:state:limit:)``). Appends wait for one such transaction at a
        /// time, not for the whole step. Default 4,096.
        public var rebuildWriteLimit: Int
        /// A rebuild step (and a batch of an import's projection work) also ends once its batch
        /// holds this many entries — as the projection counts them in
        /// ``Projection/entryCount(of:)``: clients, for the client cards — at the end of a read
        /// snapshot of events, so that what a step holds in memory is bounded by this, not by the
        /// size of the salon: on a history that spreads a million clients' events over the whole
        /// log, a step of a million events held every client's state. Default 125,000.
        public var rebuildStepEntries: Int
        /// How many threads apply a rebuild step's events, for a ``StreamPartitionedProjection``:
        /// each reads the step's events in a read snapshot of its own, checks their links, and
        /// applies those of its share of the streams; the step merges what they gathered and writes
        /// it on one thread, as always. `1` applies on one thread. Default: the processor cores this
        /// process may use, at most 4 (each worker reads every event, so more buy less).
        public var rebuildWorkers: Int
        /// Open for reading only: nothing is ever written to the log's files, nothing is created
        /// (a path without a log throws ``EventLogError/Code/notALog``), and every write throws
        /// ``EventLogError/Code/readOnly``. Works on read-only files and directories and as another
        /// user: without write access to `lock.mdb` (or without one), the log is read without
        /// LMDB's lock file, which is right for an archive or a backup — no process may write to it
        /// meanwhile. Default `false`.
        public var readOnly: Bool
        /// Where the log says what it does (opening, projection rebuilds, repairs) — at `debug`
        /// and `info`, never above `notice` for what a caller is told by an error anyway. The log
        /// never makes a logger of its own: by default it says nothing.
        public var logger: Logger
        /// Where the log reports its metrics (see `docs/observability.md`); `nil` (the default)
        /// reports to `MetricsSystem.factory` as bootstrapped when the log opens — nowhere, if the
        /// process bootstrapped none.
        public var metricsFactory: (any MetricsFactory)?

        /// Creates options; every value has a default.
        public init(durability: Durability = .durable, initialMapSize: Int = 256 << 20,
                    headsCheckpointInterval: UInt64 = 100_000, subscriptionPollInterval: Duration = .milliseconds(100),
                    projectionBatchSize: UInt64 = 50_000, rebuildBatchSize: UInt64 = 1_000_000, rebuildWriteLimit: Int = 4_096,
                    rebuildStepEntries: Int = 125_000, rebuildWorkers: Int = Options.defaultRebuildWorkers, readOnly: Bool = false, logger: Logger = EventLog.silentLogger, metricsFactory: (any MetricsFactory)? = nil) {
            self.durability = durability
            self.initialMapSize = initialMapSize
            self.headsCheckpointInterval = max(headsCheckpointInterval, 1)
            self.subscriptionPollInterval = subscriptionPollInterval
            self.projectionBatchSize = max(projectionBatchSize, 1)
            self.rebuildBatchSize = max(rebuildBatchSize, 1)
            self.rebuildWriteLimit = max(rebuildWriteLimit, 1)
            self.rebuildStepEntries = max(rebuildStepEntries, 1)
            self.rebuildWorkers = min(max(rebuildWorkers, 1), Options.maximumRebuildWorkers)
            self.readOnly = readOnly
            self.logger = logger
            self.metricsFactory = metricsFactory
        }

        /// The default ``rebuildWorkers``: the processor cores this process may use, at most 4.
        public static var defaultRebuildWorkers: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4) }

        /// The most ``rebuildWorkers`` may be (a larger value is taken as this).
        public static let maximumRebuildWorkers = 64

        /// Options for reading only (see ``readOnly``).
        public static var readOnly: Options { Options(readOnly: true) }
    }

    /// A logger that says nothing: the default, so that the library never logs unless given a
    /// logger of the service's.
    public static let silentLogger = Logger(label: "EventLog", factory: { _ in SwiftLogNoOpLogHandler() })
}
