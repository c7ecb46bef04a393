import EventLog

extension DecisionIndex {
    /// The decision-index entries one batch of the client-card projection changes: each client's
    /// summary and the entities its events name, read from the state the first time the batch
    /// touches them, moved by ``ClientState/apply(_:)`` event by event, and written at the end of
    /// the batch — credits one after another in log order (a credit's sum depends on those filed
    /// before it). What is stored depends only on the events, in log order, not on where batches
    /// begin and end.
    struct Batch {
        private struct Pending {
            let client: ClientID
            var original: [UInt8]?
            var state: ClientState
            /// The entities read into `state`, and whether the batch changed them.
            var entities: [ClientState.Entity: Bool] = [:]
            /// The credits the batch adds, in log order, with their positions.
            var credits: [(at: Timestamp, points: Int64, position: UInt64)] = []
        }

        /// A command's entry; `slot` is its client's card slot, which orders the writes. Hashed by
        /// slot and command: within a batch the slot stands for the client.
        private struct CommandRef: Hashable {
            let client: ClientID
            let slot: Int32
            let command: EventID

            func hash(into hasher: inout Hasher) {
                hasher.combine(slot)
                hasher.combine(command)
            }
        }

        /// The pending states, by the clients' card slots.
        private var clients = SlotTable<Pending>()
        private var commands: [CommandRef: (original: CommandEntry?, current: CommandEntry)] = [:]

        /// Adds what `other` gathered — another worker's batch of a rebuild, which applied other
        /// clients' events — its slot `s` becoming `s + offset`.
        mutating func merge(_ other: Batch, slotOffset offset: Int) {
            clients.merge(other.clients, slotOffset: offset)
            let shift = Int32(offset)
            commands.reserveCapacity(commands.count + other.commands.count)
            for (ref, change) in other.commands {
                commands[CommandRef(client: ref.client, slot: ref.slot + shift, command: ref.command)] = change
            }
        }

        /// Whether events of `type` change what a command decides from (``ClientState/apply(_:)``).
        static func folds(_ type: LedgerEventType) -> Bool {
            switch type {
            case .clientDetailsChanged, .reminderScheduled, .reminderSent, .visitNudgeSent, .salonSettingsChanged, .loyaltyProgrammeChanged: false
            default: true
            }
        }

        /// Applies one event of `client` (decoded without its personal data) whose type ``folds(_:)``,
        /// recorded at `position`; `slot` is the client's card slot in the batch.
        mutating func apply(_ event: LedgerEvent, client: ClientID, slot: Int, position: UInt64, state: ProjectionState) throws {
            let index = try pending(client, slot, state)
            // Changed in place: a copy of a client's state would copy (and release) each of its collections.
            try Self.apply(event, position: position, to: &clients.values[index], state: state)
        }

        private static func apply(_ event: LedgerEvent, position: UInt64, to pending: inout Pending, state: ProjectionState) throws {
            // Marked changed before it is read the first time: applying cannot fail, and a read that
            // fails ends the batch.
            if let entity = ClientState.Entity(of: event), pending.entities.updateValue(true, forKey: entity) == nil {
                try DecisionIndex.load(entity, of: pending.client, into: &pending.state, from: state)
            }
            pending.state.apply(event)
            if !pending.state.credits.isEmpty {
                for credit in pending.state.credits { pending.credits.append((credit.at, credit.points, position)) }
                pending.state.credits.removeAll()
            }
        }

        /// The index in `clients.values` of the batch's pending state of `client` in `slot`, read
        /// from `state` the first time.
        private mutating func pending(_ client: ClientID, _ slot: Int, _ state: ProjectionState) throws -> Int {
            try clients.index(of: slot) {
                let stored = try state.value(forKey: DecisionIndex.summaryKey(client))
                let clientState = try stored.map { bytes in
                    try bytes.withUnsafeBytes { (bytes) throws(LedgerError) in try ClientState(summary: bytes) }
                } ?? ClientState()
                return Pending(client: client, original: stored, state: clientState)
            }
        }

        /// Notes that this library cannot read the event of `client` (in card slot `slot`) at
        /// `position` (for `reason`): commands on the client are refused from then on, as a fold of
        /// their stream would refuse.
        mutating func noteUnreadable(_ client: ClientID, slot: Int, position: UInt64, reason: String, state: ProjectionState) throws {
            let index = try pending(client, slot, state)
            if clients.values[index].state.unreadable == nil { clients.values[index].state.unreadable = (position, reason) }
        }

        /// Notes that `event` of `client` was recorded by a command with an idempotency key (its
        /// causation id, see ``CommandIdentity``); does nothing for an event without one.
        mutating func note(_ event: RecordedEvent, client: ClientID, slot: Int, state: ProjectionState) throws {
            guard let command = event.causationID else { return }
            let ref = CommandRef(client: client, slot: Int32(slot), command: command)
            let position = event.position
            if let index = commands.index(forKey: ref) {
                commands.values[index].current.last = position
            } else {
                let stored = try DecisionIndex.command(command, of: client, in: state)
                var current = stored ?? CommandEntry(fingerprint: event.correlationID ?? EventID(high: 0, low: 0), first: position, last: position)
                current.last = position
                commands[ref] = (stored, current)
            }
        }

        /// Files a credit under its instant and position, with the sum of the credits at or before
        /// it, and adds its points to the sums of the credits dated after it.
        private func fileCredit(_ client: ClientID, at: Timestamp, points: Int64, position: UInt64, state: ProjectionState) throws {
            let prefix = DecisionIndex.creditPrefix(client)
            let key = DecisionIndex.creditKey(client, at: at, position: position)
            var before: Int128 = 0
            // The first key after this one is the latest credit before it.
            try state.forEach(prefix: prefix, from: key) { _, value in
                before = try DecisionIndex.readSum(value)
                return false
            }
            try state.setValue(DecisionIndex.sum(before + Int128(points)), forKey: key)
            // Keys before this one are credits dated after it: none, for a credit in time order.
            var later: [([UInt8], Int128)] = []
            try state.forEach(prefix: prefix) { otherKey, value in
                guard otherKey.lexicographicallyPrecedes(key) else { return false }
                later.append((Array(otherKey), try DecisionIndex.readSum(value)))
                return true
            }
            for (otherKey, sum) in later { try state.setValue(DecisionIndex.sum(sum + Int128(points)), forKey: otherKey) }
        }

        /// The order in which ``write(to:budget:order:)`` writes the entries (by key), and how far it has come.
        private var order: (clients: [Int], commands: [[CommandRef: (original: CommandEntry?, current: CommandEntry)].Index])?
        private var clientsWritten = 0
        private var commandsWritten: Int?
        /// How far the client at `clientsWritten` has come, when a piece ended inside its entries:
        /// its credits filed, the next of its entities to look at (a client's pending state does not
        /// change once the batch writes, so the index stays valid), and its changed ones written.
        private var creditsWritten = 0
        private var nextEntity: [ClientState.Entity: Bool].Index?
        private var entitiesWritten = 0

        /// How many of a client's credits and changed entities its one unit of budget covers; each
        /// further one costs a unit of its own. A client with a long history can change tens of
        /// thousands of them in one batch (a credit a checkout): counted as one unit, they made one
        /// write transaction of most of a second, and every append waited for it.
        static let entriesPerClientUnit = 64

        /// Writes the next piece of what the batch changed — one unit of `budget` per client, and
        /// one per credit or changed entity beyond a client's first ``entriesPerClientUnit``, a
        /// piece ending inside a client's entries if its budget runs out there; then one per
        /// command — and returns whether all of it is written. `slots` is the card slots in the
        /// order their clients' entries are written.
        mutating func write(to state: ProjectionState, budget: inout Int, order slots: WriteOrder) throws -> Bool {
            let order = order ?? (self.clients.valueIndices(in: slots), slots.order(of: commands) { $0.key.slot })
            self.order = order
            while clientsWritten < order.clients.count {
                guard budget > 0 else { return false }
                guard try writeClient(order.clients[clientsWritten], to: state, budget: &budget) else { return false }
                clientsWritten += 1
            }
            let commands = commands
            return try writePiece(of: order.commands.lazy.map { commands[$0] }, from: &commandsWritten, budget: &budget) { ref, change in
                guard change.original != change.current else { return }
                try state.setValue(change.current.encoded(), forKey: DecisionIndex.commandKey(ref.client, ref.command))
            }
        }

        /// Writes what is left of the entries of the client at `index` of the pending states: its
        /// credits in log order, its changed entities, then its summary. Returns `false` if the
        /// budget ran out first (the next call goes on from there).
        private mutating func writeClient(_ index: Int, to state: ProjectionState, budget: inout Int) throws -> Bool {
            let pending = clients.values[index]
            let client = pending.client
            // The client's entries written before (their units spent), and those of this call.
            var entries = creditsWritten + entitiesWritten
            var writtenNow = 0
            // Whether the next entry may be written: within the client's unit, or for a unit of
            // its own — keeping one for the summary; a piece writes at least one entry, whatever
            // its budget, so that every piece moves on.
            func spend() -> Bool {
                entries += 1
                guard entries > Self.entriesPerClientUnit else { return true }
                if budget > 1 {
                    budget -= 1
                    return true
                }
                return writtenNow == 0
            }
            while creditsWritten < pending.credits.count {
                guard spend() else { return false }
                let credit = pending.credits[creditsWritten]
                try fileCredit(client, at: credit.at, points: credit.points, position: credit.position, state: state)
                creditsWritten += 1
                writtenNow += 1
            }
            var next = nextEntity ?? pending.entities.startIndex
            while next != pending.entities.endIndex {
                let (entity, changed) = pending.entities[next]
                if changed {
                    guard spend() else {
                        nextEntity = next
                        return false
                    }
                    let key = DecisionIndex.entityKey(client, entity)
                    if let value = pending.state.encoded(entity) { try state.setValue(value, forKey: key) } else { try state.removeValue(forKey: key) }
                    entitiesWritten += 1
                    writtenNow += 1
                }
                next = pending.entities.index(after: next)
            }
            let summary = pending.state.encodedSummary()
            if summary != pending.original { try state.setValue(summary, forKey: DecisionIndex.summaryKey(client)) }
            budget -= 1
            (creditsWritten, nextEntity, entitiesWritten) = (0, nil, 0)
            return true
        }
    }
}
