import CoreMetrics
import EventLog
import Foundation
import Logging
import Synchronization
import Tracing

/// A salon's client records as an event log: the API that services call.
///
/// Every method is a command of the salon's day: it reads the client's history, decides by the
/// rules and the salon's settings in force, and records the outcome as events (the points earned,
/// not the formula). It returns the events it recorded. A command that breaks a rule throws a
/// ``LedgerError`` naming the rule and records nothing.
///
/// ```swift
/// let ledger = try SalonLedger(path: "salon.ledger")
/// let ada = try ClientID("ada")
/// try await ledger.registerClient(ada, name: "Ada Lovelace", phone: "+441234567890")
/// try await ledger.changeConsent(of: ada, .reminders, granted: true, source: "intake form")
/// let recorded = try await ledger.checkOut(ada, visit: try VisitID("v1"), revenue: 4_500)
/// ```
///
/// **Concurrency.** `SalonLedger` is `Sendable`; call it from many tasks at once. Commands use
/// optimistic concurrency: if another service changed the same client between the read and the
/// append, the append is refused by the log and the command reads and decides again (up to
/// ``Options/maximumAttempts`` times), so two writers never both win silently.
///
/// **Personal data** (names, e-mail addresses, phone numbers, birth dates, note texts, intake
/// answers, document names) is sealed with the client's own key before it reaches the log;
/// ``erase(_:at:actor:)`` destroys the key. See `docs/events.md`.
public final class SalonLedger: Sendable {
    /// How a ledger is opened.
    public struct Options: Sendable {
        /// Whether each command waits for the disk (default) or not (bulk work and tests).
        public var durability: EventLog.Durability
        /// How often a command is decided again when another writer changed the client meanwhile.
        public var maximumAttempts: Int
        /// Open for reading only — an archive, a backup, a copy on read-only media or owned by
        /// another user: every query works, no byte of the ledger is written and nothing is
        /// created (a path without a ledger throws ``LedgerError/Code/notALedger``), and every
        /// command throws ``LedgerError/Code/readOnly``. If the client cards stored with the log are
        /// behind it, or of another version, queries fold them from the log in memory instead.
        public var readOnly: Bool
        /// Where the ledger (and its log) say what they do: each command's outcome and each
        /// refusal at `debug`, a failure at `notice` (a broken chain or damage at `error`). The
        /// ledger never makes a logger of its own: by default it says nothing.
        public var logger: Logger
        /// Where the ledger reports its metrics — commands by outcome, their duration and retries,
        /// query durations, and the log's appends, commits and projection lag (see
        /// `docs/observability.md`). `nil` (the default): `MetricsSystem.factory` as bootstrapped
        /// when the ledger opens.
        public var metricsFactory: (any MetricsFactory)?
        /// Where each command and query reports its span (`ClientLedger.checkOut`, …). `nil` (the
        /// default): `InstrumentationSystem.tracer` as bootstrapped when the ledger opens.
        public var tracer: (any Tracer)?
        /// How many events a step of the projections' catch-up applies at once, in one write
        /// transaction: other writers wait for it. Default 50,000.
        public var projectionBatchSize: UInt64
        /// How many events a step of a rebuild applies, and a batch of an import's projection
        /// work. A step applies its events in read snapshots and keeps what they change in
        /// memory: larger steps rebuild faster (on a time-ordered history each step rewrites the
        /// state of most clients it touches) and hold more memory. Default 1,000,000; `ledger
        /// rebuild --batch-events`.
        public var rebuildBatchSize: UInt64
        /// About how many clients' entries one write transaction of a rebuild step writes: other
        /// writers wait for one such transaction at a time, not for the whole step. Default 4,096.
        public var rebuildWriteLimit: Int
        /// How many threads apply a rebuild step's events, each the events of its share of the
        /// clients; the writes stay on one. Default: the processor cores this process may use, at
        /// most 4 (``EventLog/Options/rebuildWorkers``).
        public var rebuildWorkers: Int
        /// A rebuild step (and a batch of an import's projection work) also ends once it holds this
        /// many clients, so that its memory is bounded whatever the salon's size — a client's
        /// card, index and decision entries take a couple of kilobytes while a step holds them.
        /// Default 125,000 (``EventLog/Options/rebuildStepEntries``).
        public var rebuildStepClients: Int

        /// Creates options; every value has a default.
        public init(durability: EventLog.Durability = .durable, maximumAttempts: Int = 16, readOnly: Bool = false,
                    logger: Logger = EventLog.silentLogger, metricsFactory: (any MetricsFactory)? = nil, tracer: (any Tracer)? = nil,
                    projectionBatchSize: UInt64 = EventLog.Options().projectionBatchSize,
                    rebuildBatchSize: UInt64 = EventLog.Options().rebuildBatchSize, rebuildWriteLimit: Int = EventLog.Options().rebuildWriteLimit,
                    rebuildWorkers: Int = EventLog.Options.defaultRebuildWorkers,
                    rebuildStepClients: Int = EventLog.Options().rebuildStepEntries) {
            self.durability = durability
            self.maximumAttempts = max(1, maximumAttempts)
            self.projectionBatchSize = max(1, projectionBatchSize)
            self.rebuildBatchSize = max(1, rebuildBatchSize)
            self.rebuildWriteLimit = max(1, rebuildWriteLimit)
            self.rebuildWorkers = min(max(1, rebuildWorkers), EventLog.Options.maximumRebuildWorkers)
            self.rebuildStepClients = max(1, rebuildStepClients)
            self.readOnly = readOnly
            self.logger = logger
            self.metricsFactory = metricsFactory
            self.tracer = tracer
        }

        /// Options for reading only (see ``readOnly``).
        public static var readOnly: Options { Options(readOnly: true) }
    }

    /// The stream that holds the salon's settings and loyalty programmes.
    public static let salonStream = "salon"
    /// The prefix of every client stream: `client-<client id>`.
    public static let clientStreamPrefix = "client-"

    /// The stream of `client`.
    public static func stream(of client: ClientID) -> String { clientStreamPrefix + client.rawValue }

    /// The underlying event log (for reading, verifying and following it).
    public let log: EventLog
    package let keys: any ClientKeys
    package let options: Options
    package let queue = ClientQueue()
    /// Spans, metrics and log lines of commands and queries.
    package let observation: LedgerObservation
    /// The search words of every client, in memory only (see ``SearchIndex``).
    package let searchIndex = SearchIndex()

    /// The client cards folded from the log in memory, for a ledger opened read-only whose stored
    /// cards are behind the log or of another version; as of the log's head when they were folded.
    package let replayedCards = Mutex<ReplayedCards?>(nil)

    /// Opens the ledger in directory `path`, creating it if absent (unless ``Options/readOnly``).
    ///
    /// Throws ``LedgerError/Code/notALedger`` if `path` holds something else (or, read-only,
    /// nothing, or it is the local replica of a ledger in PostgreSQL), ``LedgerError/Code/damaged`` or ``LedgerError/Code/brokenChain`` if the log cannot
    /// be trusted, ``LedgerError/Code/keyStore`` if the key file cannot be opened.
    public convenience init(path: String, options: Options = Options()) throws(LedgerError) {
        if let shared = try? String(contentsOfFile: path + "/" + Self.replicaMarker, encoding: .utf8) {
            throw LedgerError(.notALedger, "\(path) is the local replica of ledger \(shared.trimmingCharacters(in: .whitespacesAndNewlines)) in PostgreSQL, not a ledger of its own (its clients' keys are in the database): open it with its database, or make it one with `ledger pull`")
        }
        let log = try Self.openLog(path, options)
        let empty = (try? log.lastPosition()) == 0
        try self.init(log: log, keys: try ClientKeyStore(directory: path, readOnly: options.readOnly, required: !empty), options: options)
    }

    /// The file that marks a directory as the local replica of a shared ledger (it holds the
    /// ledger's id): ``init(path:options:)`` refuses such a directory.
    package static let replicaMarker = "replica-of"

    /// Opens the event log of a ledger at `path` with `options`.
    package static func openLog(_ path: String, _ options: Options) throws(LedgerError) -> EventLog {
        do {
            let metrics = options.metricsFactory ?? MetricsSystem.factory
            return try EventLog(path: path, options: .init(durability: options.durability, projectionBatchSize: options.projectionBatchSize,
                                                           rebuildBatchSize: options.rebuildBatchSize, rebuildWriteLimit: options.rebuildWriteLimit,
                                                           rebuildStepEntries: options.rebuildStepClients, rebuildWorkers: options.rebuildWorkers,
                                                           readOnly: options.readOnly, logger: options.logger, metricsFactory: metrics))
        } catch {
            throw LedgerError.wrapping(error, "opening the ledger at \(path)")
        }
    }

    /// A ledger on `log` with its clients' keys in `keys`; `log` is ready to take the cards (a
    /// replica has caught up with its shared log).
    package init(log: EventLog, keys: any ClientKeys, options: Options) throws(LedgerError) {
        let metrics = options.metricsFactory ?? MetricsSystem.factory
        self.log = log
        self.keys = keys
        self.options = options
        var logger = options.logger
        logger[metadataKey: "clientledger.path"] = "\(log.path)"
        observation = LedgerObservation(logger: logger, factory: metrics, tracer: options.tracer ?? InstrumentationSystem.tracer)
        try finishInterruptedErasures()
        guard !options.readOnly else { return }
        do {
            // Brought up to date now (rebuilt if its version changed), then kept up inline.
            try log.register(ClientCardProjection())
        } catch {
            throw LedgerError.wrapping(error, "bringing the client cards up to date")
        }
    }

    /// Closes the ledger: every later command or query on it throws ``LedgerError/Code/closed``.
    /// Commands already handed to the log finish first, and so does a query of another task. The
    /// last handle on the path closes its files (they can then be backed up by copying, moved, or
    /// opened with other options). A ledger that is not closed closes when it goes away.
    ///
    /// One process may open a path more than once: the handles share its LMDB environment, whose
    /// options the first open set (a read-only handle beside a read-write one refuses writes
    /// itself; a read-write open of a path the process holds read-only is refused).
    public func close() {
        log.close()
    }

    /// Throws ``LedgerError/Code/readOnly`` for a ledger opened read-only.
    package func checkWritable(_ what: @autoclosure () -> String) throws(LedgerError) {
        if log.isClosed { throw LedgerError(.closed, "the ledger at \(log.path) was closed; \(what()) records nothing") }
        if options.readOnly {
            throw LedgerError(.readOnly, "the ledger at \(log.path) was opened read-only; \(what()) records nothing")
        }
    }

    /// An erasure marks the client's key slot, records `ClientErased`, then destroys the key. If the
    /// process died in between, the key is destroyed here, before anything else can read it (read-
    /// only, it is not used instead). Only marked slots are looked at (a few streams), so opening
    /// costs nothing per event; a key file written before marks existed (`CLKEYS01`) has the whole
    /// log scanned once instead.
    private func finishInterruptedErasures() throws(LedgerError) {
        let erased: [ClientID]
        do {
            if keys.marksErasures {
                let candidates = try keys.unfinishedErasures()
                erased = try log.read { snapshot in
                    try candidates.filter { client in
                        var found = false
                        do {
                            try snapshot.forEachEvent(inStream: Self.stream(of: client)) { event in
                                if event.type == LedgerEventType.clientErased.rawValue { found = true }
                            }
                        } catch let error as EventLogError where error.code == .streamNotFound {
                            return false // the erasure was never recorded
                        }
                        return found
                    }
                }
            } else {
                erased = try log.read { snapshot in
                    var clients: [ClientID] = []
                    try snapshot.forEachEvent { event in
                        if event.type == LedgerEventType.clientErased.rawValue, event.stream.hasPrefix(Self.clientStreamPrefix) {
                            clients.append(ClientID(unchecked: String(event.stream.dropFirst(Self.clientStreamPrefix.count))))
                        }
                    }
                    return clients
                }
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the ledger for erased clients")
        }
        if options.readOnly {
            keys.treatAsDestroyed(erased)
            return
        }
        for client in erased { try keys.destroyKey(of: client) }
        if !keys.marksErasures { try keys.startMarkingErasures() }
    }

    // MARK: Reading

    /// Decodes one stored event of the ledger.
    package func decode(_ event: RecordedEvent, keyed: Bool) throws(LedgerError) -> RecordedLedgerEvent {
        try decode(event, type: try Self.type(of: event), client: Self.client(of: event), keyed: keyed)
    }

    /// The type of `event`; throws ``LedgerError/Code/newerPayloadVersion`` for one this library
    /// does not know.
    package static func type(of event: RecordedEvent) throws(LedgerError) -> LedgerEventType {
        guard let type = LedgerEventType(rawValue: event.type) else {
            // Commands refuse to decide on a history they cannot fully read; other clients are unaffected.
            throw LedgerError(.newerPayloadVersion, "position \(event.position) holds an event of type \(event.type), which this library does not know (a newer one wrote it)")
        }
        return type
    }

    /// The client whose stream holds `event`, if it is a client's.
    package static func client(of event: RecordedEvent) -> ClientID? {
        let stream = event.stream
        return stream.hasPrefix(clientStreamPrefix) ? ClientID(unchecked: String(stream.dropFirst(clientStreamPrefix.count))) : nil
    }

    /// Decodes one stored event whose type and client (``type(of:)``, ``client(of:)``) the caller
    /// knows already: a pass over many events finds them once per type code and stream.
    package func decode(_ event: RecordedEvent, type: LedgerEventType, client: ClientID?, keyed: Bool) throws(LedgerError) -> RecordedLedgerEvent {
        let key = keyed && type.carriesPersonalData ? try client.flatMap { (client) throws(LedgerError) in try keys.key(for: client) } : nil
        let decoded: BinaryCodec.Decoded
        do {
            decoded = try BinaryCodec.decode(type, client: client, payload: event.payload, key: key)
        } catch {
            // Said with where it stands in the log: a payload that does not decode has a position.
            throw LedgerError(error.code, "the event at position \(event.position): \(error.message)", client: error.client ?? client?.rawValue,
                              field: error.field, position: event.position, cause: error.cause)
        }
        return RecordedLedgerEvent(position: event.position, recordedAt: event.recordedAt, event: decoded.event,
                                   personalDataErased: decoded.personalDataErased)
    }

    /// Every recorded event of `client`, decoded, personal data included unless erased.
    public func history(of client: ClientID) throws(LedgerError) -> [RecordedLedgerEvent] {
        do {
            return try log.read { snapshot in
                var events: [RecordedLedgerEvent] = []
                guard try snapshot.streamVersion(Self.stream(of: client)) != nil else { return events }
                try snapshot.forEachEvent(inStream: Self.stream(of: client)) { events.append(try decode($0, keyed: true)) }
                return events
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the history of client \(client)", client: client)
        }
    }
}
