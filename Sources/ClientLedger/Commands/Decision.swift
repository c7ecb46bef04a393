import EventLog

/// What a command decides: the events to record, each checked by ``Rules`` against its client's
/// state as the events before it in the same command left it.
package struct Decision {
    /// The salon's settings and programmes, as recorded when the command read them.
    package let salon: SalonState
    private var states: [ClientID: ClientState]
    package private(set) var events: [LedgerEvent] = []

    package init(salon: SalonState, states: [ClientID: ClientState]) {
        self.salon = salon
        self.states = states
    }

    /// The state of `client` (which the command loaded), as the events decided so far leave it.
    package func state(of client: ClientID) -> ClientState {
        states[client] ?? ClientState()
    }

    /// Adds `event` if the rules allow it; throws the rule's error otherwise. A registration's
    /// referrer must be among the clients the command loaded, and registered.
    package mutating func record(_ event: LedgerEvent) throws(LedgerError) {
        if case .clientRegistered(let registration) = event, let referrer = registration.referredBy, referrer != registration.client {
            let state = states[referrer] ?? ClientState()
            guard state.exists, !state.erased else {
                throw LedgerError(.unknownClient, "the referrer \(referrer) is not a registered client", client: registration.client.rawValue, field: "referredBy")
            }
        }
        if let client = event.client {
            var state = states[client] ?? ClientState()
            try Rules.check(event, against: state)
            state.apply(event)
            states[client] = state
        } else {
            try event.validate()
        }
        events.append(event)
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
            if let identity, let primary = clients.first, let earlier = try recordedCommand(identity, client: primary) {
                return .init(events: earlier, outcome: .replayed, attempts: attempt + 1) // a retry: the first run recorded these
            }
            let loaded = try load(clients)
            if requiringRegistered, let primary = clients.first {
                try Rules.requireRegistered(primary, loaded.clients[primary]?.0 ?? ClientState())
            }
            var decision = Decision(salon: loaded.salon, states: loaded.clients.mapValues(\.0))
            try decide(&decision)
            guard !decision.events.isEmpty else { return .init(events: [], outcome: .unchanged, attempts: attempt + 1) }

            // A keyed command's events say which command and request they are (see CommandIdentity).
            let correlation = identity?.fingerprint ?? EventID()
            var appends: [(stream: String, expected: ExpectedVersion, events: [NewEvent], decided: [LedgerEvent])] = []
            // Runs of consecutive events on one stream, in the order decided (the log order), each
            // expecting the version that the runs before it leave its stream at. Streams are told
            // apart by their bytes, as the log tells them apart.
            var versions: [ByteString: UInt64] = [:]
            for event in decision.events {
                let stream = event.client.map(Self.stream(of:)) ?? Self.salonStream
                let version = versions[ByteString(stream)] ?? event.client.map { loaded.clients[$0]?.1 ?? 0 } ?? loaded.salonVersion
                versions[ByteString(stream)] = version + 1
                let new = NewEvent(type: event.type.rawValue, metadata: EventMetadata(correlationID: correlation, causationID: identity?.id, actor: actor),
                                   payload: try BinaryCodec.encode(event, key: try key(for: event)))
                if let last = appends.indices.last, utf8Equal(appends[last].stream, stream) {
                    appends[last].events.append(new)
                    appends[last].decided.append(event)
                } else {
                    appends.append((stream, version == 0 ? .noStream : .exactly(version), [new], [event]))
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

    /// The key that seals `event`'s personal data: made (durably) when a client is registered.
    private func key(for event: LedgerEvent) throws(LedgerError) -> ClientKey? {
        guard event.type.carriesPersonalData, let client = event.client else { return nil }
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
