import EventLog

/// The indexes that let the daily queries read what they return rather than every card: kept in
/// the client-card projection's own database, beside the cards, by the same batches — so they are
/// exactly as current as the cards (inside each append's transaction), rebuilt with them blue/green,
/// and replayed with them in memory for a read-only ledger.
///
/// Every index key starts with `0xFF`, a byte that no UTF-8 text holds: card keys (client ids) all
/// sort before it, and a walk over the cards stops where it begins.
///
/// | key | value | for |
/// | --- | --- | --- |
/// | `FF 'W'` | the latest instant of any event (its `at`), 8 bytes | when the indexes answer (see below) |
/// | `FF 'c'` id(client) | ``ClientEntry`` | consents, archived/erased, last checkout and nudge, upcoming starts |
/// | `FF 'a'` id(client) id(appointment) | ``AppointmentEntry`` | an appointment's latest start and flags |
/// | `FF 'A'` instant(start) id(client) id(appointment) | reminder flags, 1 byte | coverage: appointments by start, not cancelled |
/// | `FF 'N'` instant(last checkout) id(client) | empty | nudges: clients who may be due, by last checkout |
/// | `FF 'S'` id(client) id(subscription) | ``SubscriptionEntry`` | residual value: subscriptions not ended, with sessions or credit left |
/// | `FF 'd'`, `FF 'e'`, `FF 'p'`, `FF 'k'` | see ``DecisionIndex`` | what commands decide from |
/// | `FF 'j'` id(client) chunk number (4 bytes) | entries of the card | a long card's earlier facts (see ``CardJournal``) |
///
/// `id(x)` is the identifier's length in one byte, then its bytes; `instant(t)` is the microseconds
/// since 1970 with the sign bit flipped, big-endian, so that byte order is time order.
///
/// **When they answer.** The indexes hold the latest state: the fold of every event. A query as of
/// an instant `T` counts the events dated at or before `T`; when every event is dated at or before
/// `T` — `T` is at or after the watermark, the latest `at` of any event, as for a query as of now —
/// both are the same, and the query reads the index. As of an earlier instant (an accountant's
/// year end, a what-if), a query reads every card instead, as it always did. Property tests check
/// that both ways give the same answers.
///
/// No personal data is indexed: ids, instants, amounts and plans only. (Search, which needs names,
/// keeps its index in memory, never at rest: see ``SearchIndex``.)
package enum QueryIndex {
    static let marker: UInt8 = 0xFF

    enum Tag: UInt8 {
        case watermark = 0x57 // W
        case client = 0x63 // c
        case appointment = 0x61 // a
        case agenda = 0x41 // A
        case nudge = 0x4E // N
        case subscription = 0x53 // S
        // The decision index's (see DecisionIndex).
        case summary = 0x64 // d
        case entity = 0x65 // e
        case credit = 0x70 // p
        case command = 0x6B // k
        // The client cards' sealed chunks (see CardJournal).
        case cardChunk = 0x6A // j
    }

    // MARK: Keys

    static func instant(_ micros: Int64) -> [UInt8] {
        let sortable = UInt64(bitPattern: micros) ^ (1 << 63)
        return (0..<8).map { UInt8(truncatingIfNeeded: sortable >> (56 - 8 * $0)) }
    }

    static func readInstant(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(bytes[offset + index]) }
        return Int64(bitPattern: value ^ (1 << 63))
    }

    static func id(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + text.utf8.count)
        bytes.append(UInt8(truncatingIfNeeded: text.utf8.count))
        bytes.append(contentsOf: text.utf8)
        return bytes
    }

    static func key(_ tag: Tag, _ parts: [UInt8]...) -> [UInt8] {
        // Built in one allocation: keys are made for every event a rebuild applies.
        var key: [UInt8] = []
        key.reserveCapacity(2 + parts.reduce(0) { $0 + $1.count })
        key.append(marker)
        key.append(tag.rawValue)
        for part in parts { key.append(contentsOf: part) }
        return key
    }

    static let watermarkKey = key(.watermark)
    static func clientKey(_ client: ClientID) -> [UInt8] { key(.client, id(client.rawValue)) }
    static func appointmentKey(_ client: ClientID, _ appointment: String) -> [UInt8] { key(.appointment, id(client.rawValue), id(appointment)) }
    static func agendaKey(_ start: Int64, _ client: ClientID, _ appointment: String) -> [UInt8] {
        key(.agenda, instant(start), id(client.rawValue), id(appointment))
    }
    static func nudgeKey(_ lastCheckout: Int64, _ client: ClientID) -> [UInt8] { key(.nudge, instant(lastCheckout), id(client.rawValue)) }
    static func subscriptionKey(_ client: ClientID, _ subscription: String) -> [UInt8] { key(.subscription, id(client.rawValue), id(subscription)) }

    /// Reads an `id(x)` at `offset` of `bytes`, moving `offset` past it; `nil` if it runs past the end.
    static func readID(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> String? {
        guard offset < bytes.count else { return nil }
        let count = Int(bytes[offset])
        guard offset + 1 + count <= bytes.count else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 1)..<(offset + 1 + count)]), as: UTF8.self)
        offset += 1 + count
        return text
    }

    static func damaged(_ what: String) -> LedgerError {
        LedgerError(.corruptPayload, "an entry of the query index (\(what)) in the client-card projection is damaged; rebuild the projections (ledger rebuild)")
    }

    // MARK: Entries

    /// What the indexes keep of one client.
    struct ClientEntry: Equatable {
        var reminders = false, marketing = false, visitNudges = false
        var archived = false, erased = false
        var lastCheckout: Int64?
        var lastNudge: Int64?
        /// The client's appointments that are not cancelled and start after the watermark (as the
        /// client's last event left it): later ones can be after a query's `now`, earlier ones
        /// cannot. Start, appointment id; unordered.
        var upcoming: [(start: Int64, appointment: String)] = []

        static func == (lhs: ClientEntry, rhs: ClientEntry) -> Bool {
            lhs.reminders == rhs.reminders && lhs.marketing == rhs.marketing && lhs.visitNudges == rhs.visitNudges
                && lhs.archived == rhs.archived && lhs.erased == rhs.erased && lhs.lastCheckout == rhs.lastCheckout
                && lhs.lastNudge == rhs.lastNudge && lhs.upcoming.elementsEqual(rhs.upcoming) { $0.start == $1.start && $0.appointment == $1.appointment }
        }

        /// The instant that files the client in the nudge index, if they may be due: they agree to
        /// nudges, are neither archived nor erased, checked out, and had no nudge since.
        var nudgeFiling: Int64? {
            guard visitNudges, !archived, !erased, let lastCheckout else { return nil }
            if let lastNudge, lastNudge > lastCheckout { return nil }
            return lastCheckout
        }

        func encoded() -> [UInt8] {
            var w = PayloadWriter(capacity: 32)
            var flags: UInt8 = 0
            for (bit, on) in [reminders, marketing, visitNudges, archived, erased].enumerated() where on { flags |= 1 << UInt8(bit) }
            w.byte(flags)
            w.optional(lastCheckout) { $0.signed($1) }
            w.optional(lastNudge) { $0.signed($1) }
            w.list(upcoming.sorted { $0.start != $1.start ? $0.start < $1.start : $0.appointment.utf8.lexicographicallyPrecedes($1.appointment.utf8) }) {
                $0.signed($1.start)
                $0.string($1.appointment)
            }
            return w.bytes
        }

        init() {}

        init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
            var r = PayloadReader(bytes, .named("query index client entry"))
            let flags = try r.byte()
            (reminders, marketing, visitNudges, archived, erased) =
                (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0, flags & 8 != 0, flags & 16 != 0)
            lastCheckout = try r.optional { (r) throws(LedgerError) in try r.signed() }
            lastNudge = try r.optional { (r) throws(LedgerError) in try r.signed() }
            upcoming = try r.list { (r) throws(LedgerError) in (try r.signed(), try r.string()) }
            try r.finish()
        }
    }

    /// What the indexes keep of one appointment.
    struct AppointmentEntry: Equatable {
        var start: Int64
        var cancelled = false
        var reminderScheduled = false
        var reminderSent = false

        /// The value of its agenda key: bit 0 a reminder was scheduled, bit 1 one was sent.
        var reminderFlags: UInt8 { (reminderScheduled ? 1 : 0) | (reminderSent ? 2 : 0) }

        func encoded() -> [UInt8] {
            var w = PayloadWriter(capacity: 12)
            w.signed(start)
            w.byte((cancelled ? 4 : 0) | reminderFlags)
            return w.bytes
        }

        init(start: Int64) { self.start = start }

        init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
            var r = PayloadReader(bytes, .named("query index appointment entry"))
            start = try r.signed()
            let flags = try r.byte()
            (reminderScheduled, reminderSent, cancelled) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0)
            try r.finish()
        }
    }

    /// What the indexes keep of a subscription that has not ended and has sessions or credit left.
    struct SubscriptionEntry: Equatable {
        var purchasedAt: Int64
        var price: Cents
        var credit: Bool
        var total: Int64
        var remaining: Int64
        var plan: String

        func encoded() -> [UInt8] {
            var w = PayloadWriter(capacity: 48)
            w.signed(purchasedAt)
            w.signed(price)
            w.bool(credit)
            w.signed(total)
            w.signed(remaining)
            w.string(plan)
            return w.bytes
        }

        init(purchasedAt: Int64, price: Cents, credit: Bool, total: Int64, remaining: Int64, plan: String) {
            (self.purchasedAt, self.price, self.credit, self.total, self.remaining, self.plan) = (purchasedAt, price, credit, total, remaining, plan)
        }

        init(decoding bytes: UnsafeRawBufferPointer) throws(LedgerError) {
            var r = PayloadReader(bytes, .named("query index subscription entry"))
            purchasedAt = try r.signed()
            price = try r.signed()
            credit = try r.bool()
            total = try r.signed()
            remaining = try r.signed()
            plan = try r.string()
            try r.finish()
        }
    }
}
