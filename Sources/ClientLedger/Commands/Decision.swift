import EventLog

/// What a command decides: the events to record, each checked by ``Rules`` against its client's
/// state as the events before it in the same command left it.
///
/// It lives inside one read snapshot of the log (see ``SalonLedger/deciding(_:requiringRegistered:identity:_:)``)
/// and reads from it what the command needs: each client's summary up front, and each entity an
/// event names (a visit, a subscription, an appointment…) the first time one does — from the
/// ``DecisionIndex`` when it is current, or from the clients' streams folded whole otherwise.
package struct Decision {
    /// The salon's settings and programmes, as recorded when the command read them.
    package let salon: SalonState
    /// Where entities are read from; `nil`: the states hold them all.
    private let reader: DecisionReader?
    private var states: [ClientID: ClientState]
    /// The stream version of each client read, which an append of their events expects.
    private(set) var versions: [ClientID: UInt64] = [:]
    /// The entities read into `states` so far.
    private var looked: Set<Looked> = []
    package private(set) var events: [LedgerEvent] = []

    private struct Looked: Hashable {
        let client: ClientID
        let entity: ClientState.Entity
    }

    init(reader: DecisionReader, salon: SalonState, states: [ClientID: ClientState], versions: [ClientID: UInt64]) {
        self.reader = reader
        self.salon = salon
        self.states = states
        self.versions = versions
    }

    /// A decision on states folded in memory, which hold every entity (a fuzzer's, a test's).
    package init(salon: SalonState, states: [ClientID: ClientState]) {
        self.reader = nil
        self.salon = salon
        self.states = states
    }

    /// The state of `client` (which the command loaded), as the events decided so far leave it:
    /// its summary (registration, consents, archive and erasure, balance, checkouts). Its
    /// entities are there only once an event named them: look one up with ``appointment(_:of:)``.
    package func state(of client: ClientID) -> ClientState {
        states[client] ?? ClientState()
    }

    /// Reads `client`'s state too, in the decision's snapshot, if the command did not load it:
    /// a client that only some decisions involve (a checkout's referrer, on a first visit).
    package mutating func include(_ client: ClientID) throws(LedgerError) {
        guard let reader, states[client] == nil else { return }
        do {
            (states[client], versions[client]) = try reader.client(client)
        } catch {
            throw LedgerError.wrapping(error, "reading the state of client \(client)", client: client)
        }
    }

    /// Reads `entity` of `client` into its state, once.
    private mutating func lookUp(_ entity: ClientState.Entity, of client: ClientID) throws(LedgerError) {
        guard let reader, looked.insert(Looked(client: client, entity: entity)).inserted else { return }
        // In place: a copy taken out of the dictionary would copy the state's sets when changed.
        try reader.lookUp(entity, of: client, into: &states[client, default: ClientState()])
    }

    /// `client`'s appointment `id` as the events decided so far leave it; `nil` if there is none.
    package mutating func appointment(_ id: AppointmentID, of client: ClientID) throws(LedgerError) -> ClientState.Appointment? {
        try lookUp(.appointment(id), of: client)
        return states[client]?.appointments[id]
    }

    /// The points of `client` credited at or before `cutoff` that debits have not used up yet
    /// (see ``ClientState/pointsExpiring(creditedAtOrBefore:storedCredits:)``).
    package func pointsExpiring(of client: ClientID, creditedAtOrBefore cutoff: Timestamp) throws(LedgerError) -> Int64 {
        state(of: client).pointsExpiring(creditedAtOrBefore: cutoff, storedCredits: try reader?.storedCredits(of: client, atOrBefore: cutoff) ?? 0)
    }

    /// Adds `event` if the rules allow it; throws the rule's error otherwise. A registration's
    /// referrer must be registered. A client the command did not load is read first.
    package mutating func record(_ event: LedgerEvent) throws(LedgerError) {
        try admit(event)
        events.append(event)
    }

    /// Checks `event` as ``record(_:)`` does and moves the states past it, without keeping it: for
    /// an import's first pass, which reads its events again to record them.
    mutating func admit(_ event: LedgerEvent) throws(LedgerError) {
        if case .clientRegistered(let registration) = event, let referrer = registration.referredBy, referrer != registration.client {
            try include(referrer)
            let state = states[referrer] ?? ClientState()
            guard state.exists, !state.erased else {
                throw LedgerError(.unknownClient, "the referrer \(referrer) is not a registered client", client: registration.client.rawValue, field: "referredBy")
            }
        }
        if let client = event.client {
            try include(client) // its version is what the append expects
            if let entity = ClientState.Entity(of: event) { try lookUp(entity, of: client) }
            try Rules.check(event, against: states[client] ?? ClientState())
            states[client, default: ClientState()].apply(event) // in place, as above
        } else {
            try event.validate()
        }
    }
}

/// Reads, inside one snapshot of the log, what a ``Decision`` decides from: from the
/// ``DecisionIndex`` when the client-card projection is exactly at the snapshot's head, by folding
/// the streams otherwise. Both give the same state.
struct DecisionReader {
    let ledger: SalonLedger
    let snapshot: LogSnapshot
    /// The projection's state when it is current; `nil`: fold the streams.
    let index: ProjectionState?

    /// The salon's settings and programmes, and the salon stream's version.
    func salon() throws -> (SalonState, UInt64) {
        var salon = SalonState()
        guard let version = try snapshot.streamVersion(SalonLedger.salonStream) else { return (salon, 0) }
        try snapshot.forEachEvent(inStream: SalonLedger.salonStream) { salon.apply(try ledger.decode($0, keyed: false).event) }
        return (salon, version)
    }

    /// `client`'s state (from the index: its summary, no entity yet) and stream version.
    func client(_ client: ClientID) throws -> (ClientState, UInt64) {
        let stream = SalonLedger.stream(of: client)
        guard let version = try snapshot.streamVersion(stream) else { return (ClientState(), 0) }
        if let index {
            // No summary: none of the stream's events changes what commands decide from (a fold
            // of them is the empty state too).
            let state = try DecisionIndex.summary(of: client, in: index) ?? ClientState()
            if let unreadable = state.unreadable {
                // Commands refuse to decide on a history they cannot fully read; other clients are unaffected.
                throw LedgerError(.newerPayloadVersion, unreadable.reason, client: client.rawValue, position: unreadable.position)
            }
            return (state, version)
        }
        var state = ClientState()
        try snapshot.forEachEvent(inStream: stream) { state.apply(try ledger.decode($0, keyed: false).event) }
        return (state, version)
    }

    /// Reads `entity` into `state`; a folded state holds every entity already.
    func lookUp(_ entity: ClientState.Entity, of client: ClientID, into state: inout ClientState) throws(LedgerError) {
        guard let index else { return }
        do {
            try DecisionIndex.load(entity, of: client, into: &state, from: index)
        } catch {
            throw LedgerError.wrapping(error, "reading the state of client \(client)", client: client)
        }
    }

    /// The sum of the credits at or before `cutoff` that a state read from the index does not hold.
    func storedCredits(of client: ClientID, atOrBefore cutoff: Timestamp) throws(LedgerError) -> Int128 {
        guard let index else { return 0 }
        do {
            return try DecisionIndex.credits(of: client, atOrBefore: cutoff, in: index)
        } catch {
            throw LedgerError.wrapping(error, "reading the credits of client \(client)", client: client)
        }
    }

    /// Where a command with id `command` recorded events in `client`'s stream: the request's
    /// fingerprint and the first and last position; `nil` if it never ran.
    func command(_ command: EventID, of client: ClientID) throws -> DecisionIndex.CommandEntry? {
        let stream = SalonLedger.stream(of: client)
        guard try snapshot.streamVersion(stream) != nil else { return nil }
        if let index { return try DecisionIndex.command(command, of: client, in: index) }
        var found: DecisionIndex.CommandEntry?
        try snapshot.forEachEvent(inStream: stream) { event in
            let metadata = event.metadata
            guard metadata.causationID == command else { return }
            if found == nil {
                found = DecisionIndex.CommandEntry(fingerprint: metadata.correlationID ?? EventID(high: 0, low: 0), first: event.position, last: event.position)
            }
            found?.last = event.position
        }
        return found
    }
}

extension SalonLedger {
    /// Reads the states of `clients`, lets `decide` record events, and appends them with the
    /// versions it read. If another writer got there first, reads and decides again.
    ///
    /// The first of `clients` is the one the command is about: with `requiringRegistered` (all but a
    /// registration and an import, whose events the rules check one by one), it must be registered
    /// and not erased before `decide` runs, so that a command that checks its own rules first (a
    /// redemption, an expiry) still names the right fault.
    ///
    /// With an `identity` (the caller gave an idempotency key), a command that ran before returns
    /// what it recorded then, and records nothing (see ``CommandIdentity``).
    ///
    /// `command` names the command in its span, metrics and log lines: the calling method's name.
    package func execute(
        involving clients: [ClientID], requiringRegistered: Bool = true, identity: CommandIdentity? = nil, actor: String?,
        command: String = #function, _ decide: (inout Decision) throws(LedgerError) -> Void
    ) async throws(LedgerError) -> [RecordedLedgerEvent] {
        try await observation.command(command, client: clients.first) { () throws(LedgerError) -> LedgerObservation.Run in
            try checkWritable("a command")
            // One command at a time per client in this process (see ClientQueue); other processes are
            // kept honest by the expected versions below.
            guard let primary = clients.first else {
                return try await attempt(involving: clients, requiringRegistered: requiringRegistered, identity: identity, actor: actor, decide)
            }
            await queue.enter(primary)
            let result: Result<LedgerObservation.Run, LedgerError>
            do throws(LedgerError) {
                result = .success(try await attempt(involving: clients, requiringRegistered: requiringRegistered, identity: identity, actor: actor, decide))
            } catch {
                result = .failure(error)
            }
            await queue.leave(primary)
            return try result.get()
        }
    }

    private func attempt(
        involving clients: [ClientID], requiringRegistered: Bool, identity: CommandIdentity?, actor: String?,
        _ decide: (inout Decision) throws(LedgerError) -> Void
    ) async throws(LedgerError) -> LedgerObservation.Run {
        if let actor, actor.utf8.count > 255 {
            throw LedgerError(.invalidField, "an actor is at most 255 UTF-8 bytes; got \(actor.utf8.count)", client: clients.first?.rawValue, field: "actor")
        }
        for attempt in 0..<options.maximumAttempts {
            if attempt > 0 {
                // Another process won the race: back off a little, more each time, with jitter.
                try? await Task.sleep(for: .microseconds(Int.random(in: 0...(200 << min(attempt, 6)))))
            }
            let decision: Decided
            let outcome: Outcome
            // A replica of a shared ledger may refuse, or find nothing to do, on what it has not
            // copied yet: then it catches up and, if it was behind, decides again.
            let replicaHead = try self.replicaHead()
            do throws(LedgerError) {
                outcome = try deciding(clients, requiringRegistered: requiringRegistered, identity: identity, decide)
            } catch {
                if try caughtUp(since: replicaHead) { continue }
                throw error
            }
            switch outcome {
            case .ranBefore(let earlier):
                return .init(events: earlier, outcome: .replayed, attempts: attempt + 1) // a retry: the first run recorded these
            case .decided(let decided):
                decision = decided
            }
            guard !decision.events.isEmpty else {
                if try caughtUp(since: replicaHead) { continue } // nothing to record, as far as a replica behind knew
                return .init(events: [], outcome: .unchanged, attempts: attempt + 1)
            }

            // A keyed command's events say which command and request they are (see CommandIdentity).
            let correlation = identity?.fingerprint ?? EventID()
            let metadata = EventMetadata(correlationID: correlation, causationID: identity?.id, actor: actor)
            var appends: [(stream: String, expected: ExpectedVersion, events: [NewEvent], decided: [LedgerEvent])] = []
            // Runs of consecutive events on one stream, in the order decided (the log order).
            var versions = StreamVersions(clients: decision.versions, salon: decision.salonVersion)
            for event in decision.events {
                let (stream, expected) = versions.next(event)
                let new = try newEvent(event, metadata: metadata)
                if let last = appends.indices.last, utf8Equal(appends[last].stream, stream) {
                    appends[last].events.append(new)
                    appends[last].decided.append(event)
                } else {
                    appends.append((stream, expected, [new], [event]))
                }
            }
            // An erasure is marked in the key file before it is recorded, so that opening the ledger
            // finds it if the process dies before the key is destroyed.
            let erasing = decision.events.compactMap { event -> ClientID? in
                if case .clientErased(let erased) = event { erased.client } else { nil }
            }
            // Cancelled before anything is written: nothing is.
            if Task.isCancelled {
                throw LedgerError(.cancelled, "the command was cancelled before it recorded anything", client: clients.first?.rawValue)
            }
            if !erasing.isEmpty { try keys.markErasing(erasing) }
            let results: [AppendResult]
            do throws(EventLogError) {
                if appends.count == 1 {
                    results = [try await log.append(appends[0].events, to: appends[0].stream, expecting: appends[0].expected)]
                } else {
                    results = try await appendAtomically(appends.map { ($0.stream, $0.expected, $0.events) })
                }
            } catch where error.code == .wrongExpectedVersion || error.code == .streamNotFound {
                continue // someone else changed one of these streams: read and decide again
            } catch {
                throw LedgerError.wrapping(error, "recording \(decision.events.first?.type.rawValue ?? "events")", client: clients.first)
            }
            var recorded: [RecordedLedgerEvent] = []
            for (append, result) in zip(appends, results) {
                for (offset, event) in append.decided.enumerated() {
                    recorded.append(RecordedLedgerEvent(position: result.firstPosition + UInt64(offset), recordedAt: result.recordedAt, event: event))
                }
            }
            // Erasure destroys the key once ClientErased is durable (or at the next open, if the
            // process dies in between), whichever path recorded it.
            for case .clientErased(let erased) in decision.events { try keys.destroyKey(of: erased.client) }
            return .init(events: recorded.sorted { $0.position < $1.position }, outcome: .recorded, attempts: attempt + 1)
        }
        throw LedgerError(.concurrentChange, "the client's history kept changing under the command; it was tried \(options.maximumAttempts) times",
                          client: clients.first?.rawValue)
    }

    /// The log's head, if it is a replica of a shared ledger (`nil` otherwise): taken before a
    /// decision, for ``caughtUp(since:)``.
    func replicaHead() throws(LedgerError) -> UInt64? {
        guard log.core.authority.withLock({ $0 != nil }) else { return nil }
        return try? log.lastPosition()
    }

    /// Whether the log, a replica, holds more than it did at `head` once it has caught up with its
    /// shared ledger: a decision taken at `head` may then be taken again.
    func caughtUp(since head: UInt64?) throws(LedgerError) -> Bool {
        guard let head else { return false }
        do {
            _ = try log.core.refreshFromAuthority()
            return try log.lastPosition() > head
        } catch {
            throw LedgerError.wrapping(error, "catching up with the shared ledger")
        }
    }

    /// What ``deciding(_:requiringRegistered:identity:_:)`` found.
    package enum Outcome {
        /// The command ran before (its idempotency key is in the log): the events it recorded then.
        case ranBefore([RecordedLedgerEvent])
        /// The events decided now, and the versions of the streams they were decided from.
        case decided(Decided)
    }

    /// The events a command decided, and the versions of the streams it read.
    package struct Decided {
        package let events: [LedgerEvent]
        package let versions: [ClientID: UInt64]
        package let salonVersion: UInt64
    }

    /// Runs `decide` on the state of `clients` — the first one the command is about — read in one
    /// snapshot of the log: what the command would record now. Records nothing.
    ///
    /// With `requiringRegistered`, the first client must be registered and not erased before
    /// `decide` runs. With an `identity`, a command that ran before returns what it recorded.
    package func deciding(_ clients: [ClientID], requiringRegistered: Bool, identity: CommandIdentity?,
                          _ decide: (inout Decision) throws(LedgerError) -> Void) throws(LedgerError) -> Outcome {
        do {
            return try log.read(current: ClientCardProjection()) { snapshot, index -> Outcome in
                let reader = DecisionReader(ledger: self, snapshot: snapshot, index: index)
                if let identity, let primary = clients.first, let earlier = try reader.recordedCommand(identity, client: primary) {
                    return .ranBefore(earlier)
                }
                let (salon, salonVersion) = try reader.salon()
                var states: [ClientID: ClientState] = [:], versions: [ClientID: UInt64] = [:]
                for client in clients where versions[client] == nil {
                    (states[client], versions[client]) = try reader.client(client)
                }
                if requiringRegistered, let primary = clients.first {
                    try Rules.requireRegistered(primary, states[primary] ?? ClientState())
                }
                var decision = Decision(reader: reader, salon: salon, states: states, versions: versions)
                try decide(&decision)
                return .decided(Decided(events: decision.events, versions: decision.versions, salonVersion: salonVersion))
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the ledger", client: clients.first)
        }
    }

    /// The salon's settings and loyalty programmes as they stand.
    package func salonState() throws(LedgerError) -> SalonState {
        do {
            return try log.read { snapshot in try DecisionReader(ledger: self, snapshot: snapshot, index: nil).salon().0 }
        } catch {
            throw LedgerError.wrapping(error, "reading the salon's settings")
        }
    }

    /// `client`'s summary as it stands (registration, referrer, consents, balance…; no entity).
    package func summary(of client: ClientID) throws(LedgerError) -> ClientState {
        do {
            return try log.read(current: ClientCardProjection()) { snapshot, index in
                try DecisionReader(ledger: self, snapshot: snapshot, index: index).client(client).0
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the state of client \(client)", client: client)
        }
    }

    /// `event` as the log stores it, its personal data sealed with its client's key.
    ///
    /// `decidedNotErased` says that `event` is appended expecting the version of its client's
    /// stream that it was decided from, in which the client is not erased (an import's second
    /// read): a key read before then serves, since an erasure recorded meanwhile moves the stream
    /// and the append is refused. A command asks the store instead, to say `clientErased` at once.
    func newEvent(_ event: LedgerEvent, metadata: EventMetadata, decidedNotErased: Bool = false) throws(LedgerError) -> NewEvent {
        NewEvent(type: event.type.rawValue, metadata: metadata,
                 payload: try BinaryCodec.encode(event, key: try key(for: event, decidedNotErased: decidedNotErased)))
    }

    /// The key that seals `event`'s personal data: made (durably) when a client is registered.
    private func key(for event: LedgerEvent, decidedNotErased: Bool) throws(LedgerError) -> ClientKey? {
        guard event.type.carriesPersonalData, let client = event.client else { return nil }
        if decidedNotErased, let known = try keys.key(for: client, knownNotErased: true) { return known }
        if case .clientRegistered = event { return try keys.keyCreatingIfNeeded(for: client) }
        guard let key = try keys.key(for: client) else {
            // A key is destroyed only once the erasure is recorded: the client was erased since
            // this command read its history (by another process, say).
            if keys.isDestroyed(client) {
                throw LedgerError(.clientErased, "client \(client) was erased while the command was decided; nothing about them may change", client: client.rawValue)
            }
            throw LedgerError(.keyStore, "client \(client) has no key for their personal data", client: client.rawValue)
        }
        return key
    }

    /// Appends to several streams in one transaction (all or nothing), off the cooperative threads:
    /// a write transaction blocks its thread while it waits for the disk.
    private func appendAtomically(_ appends: [(String, ExpectedVersion, [NewEvent])]) async throws(EventLogError) -> [AppendResult] {
        let log = self.log
        let result: Result<[AppendResult], EventLogError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let results = try log.write { writer in
                        try appends.map { try writer.append($0.2, to: $0.0, expecting: $0.1) }
                    }
                    continuation.resume(returning: .success(results))
                } catch let error as EventLogError {
                    continuation.resume(returning: .failure(error))
                } catch {
                    continuation.resume(returning: .failure(EventLogError(.storage, "an atomic append failed", cause: DescribedCause("\(error)"))))
                }
            }
        }
        return try result.get()
    }
}

import Foundation

/// The version each stream is at as a run of decided events leaves it, starting from the versions
/// they were decided from: what each append of them expects. Streams are told apart by their
/// bytes, as the log tells them apart.
struct StreamVersions {
    private let clients: [ClientID: UInt64]
    private let salon: UInt64
    private var moved: [ByteString: UInt64] = [:]

    /// Starts at `clients`' stream versions and the salon stream's `salon`.
    init(clients: [ClientID: UInt64], salon: UInt64) {
        self.clients = clients
        self.salon = salon
    }

    /// The stream of `event` and the version an append of it expects; moves that stream past it.
    mutating func next(_ event: LedgerEvent) -> (stream: String, expected: ExpectedVersion) {
        let stream = event.client.map(SalonLedger.stream(of:)) ?? SalonLedger.salonStream
        let key = ByteString(stream)
        let version = moved[key] ?? event.client.map { clients[$0] ?? 0 } ?? salon
        moved[key] = version + 1
        return (stream, version == 0 ? .noStream : .exactly(version))
    }
}
