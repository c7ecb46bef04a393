import Foundation
import EventLog

/// What an import recorded.
public struct ImportSummary: Hashable, Sendable {
    /// How many events were recorded.
    public let events: Int
    /// How many distinct clients they concern.
    public let clients: Int
    /// The global positions they were given (`nil` when there was nothing to import).
    public let positions: ClosedRange<UInt64>?
}

extension SalonLedger {
    /// Imports events in the JSON Lines interchange format (`shared/interchange.md`): all of them,
    /// in one transaction, or none.
    ///
    /// Every line is decoded strictly, then every event is checked by the same rules as the
    /// commands, against the client's state as the log and the lines before it leave it. The first
    /// line that fails is thrown as a ``LedgerError`` with its ``LedgerError/line`` (from 1, blank
    /// lines counted) and field, and nothing is recorded. Events keep the order of the lines: the log
    /// order that as-of queries use.
    ///
    /// Events are facts: an imported `CheckedOut` earns no points unless a `PointsAccrued` line says
    /// so. A process killed during the import leaves the ledger as it was (the single transaction
    /// commits or vanishes).
    @discardableResult
    public func importInterchange(_ text: String, actor: String? = nil) async throws(LedgerError) -> ImportSummary {
        try await importInterchange(utf8: Array(text.utf8), actor: actor)
    }

    /// Imports JSON Lines given as bytes, as ``importInterchange(_:actor:)`` does: lines end in LF
    /// or CR LF, a UTF-8 byte order mark before the first line is ignored, and a line that is not
    /// UTF-8 is refused with its number and the byte at fault.
    @discardableResult
    public func importInterchange(utf8 bytes: [UInt8], actor: String? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        var lines = InterchangeLines()
        try bytes.withUnsafeBytes { raw in Result { () throws(LedgerError) in try lines.read(raw) } }.get()
        try lines.finish()
        return try await importEvents(lines.events, lines: lines.numbers, actor: actor)
    }

    /// Imports the JSON Lines file at `url`, as ``importInterchange(_:actor:)`` does. The file is
    /// read a mebibyte at a time, never whole into memory (nor mapped: a file cut short while it is
    /// read must end in an error, not a signal). Throws ``LedgerError/Code/storage`` naming the
    /// file if it cannot be read, and records nothing.
    @discardableResult
    public func importInterchange(contentsOf url: URL, actor: String? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        var lines = InterchangeLines()
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try chunk.withUnsafeBytes { raw in Result { () throws(LedgerError) in try lines.read(raw) } }.get()
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storage, "cannot read \(url.path): \(error.localizedDescription)", cause: DescribedCause("\(error)"))
        }
        try lines.finish()
        return try await importEvents(lines.events, lines: lines.numbers, actor: actor)
    }

    /// Imports `events` in one transaction, all or none, each checked by the rules as
    /// ``importInterchange(_:actor:)`` describes. `lines`, if given, holds the input line of each
    /// event, for the error of the first one refused; without it the error's ``LedgerError/line`` is
    /// the event's index from 1.
    @discardableResult
    public func importEvents(_ events: [LedgerEvent], lines: [Int]? = nil, actor: String? = nil) async throws(LedgerError) -> ImportSummary {
        try checkWritable("an import")
        guard !events.isEmpty else { return ImportSummary(events: 0, clients: 0, positions: nil) }
        var clients: [ClientID] = []
        var seen = Set<ClientID>()
        for event in events {
            if let client = event.client, seen.insert(client).inserted { clients.append(client) }
            if case .clientRegistered(let registration) = event, let referrer = registration.referredBy, seen.insert(referrer).inserted {
                clients.append(referrer)
            }
        }
        func located(_ error: LedgerError, _ index: Int) -> LedgerError {
            var located = error
            located.line = lines.flatMap { index < $0.count ? $0[index] : nil } ?? index + 1
            return located
        }
        // The rules first, on the state as it stands: a refused import writes nothing, not even the
        // keys of the clients it would register. (They are checked again in the transaction that
        // records the events, against whatever another process recorded meanwhile.)
        let decide = { (decision: inout Decision) throws(LedgerError) in
            for (index, event) in events.enumerated() {
                do throws(LedgerError) { try decision.record(event) } catch { throw located(error, index) }
            }
        }
        guard case .decided(let decided) = try deciding(clients, requiringRegistered: false, identity: nil, decide) else {
            throw LedgerError(.storage, "an import has no idempotency key, so it cannot have run before") // never: no identity
        }
        // The keys of the clients the import registers, made with one sync rather than one each. A
        // key made for an import that is then refused (another process got there first) stays unused
        // until that client is registered.
        try keys.createKeys(for: events.compactMap {
            if case .clientRegistered = $0 { return $0.client }
            return nil
        })
        // Appended as decided unless one of its streams moved meanwhile; then decided again.
        let recorded = try await execute(involving: clients, requiringRegistered: false, actor: actor, decided: decided, decide)
        let positions = recorded.isEmpty ? nil : (recorded[0].position...recorded[recorded.count - 1].position)
        return ImportSummary(events: recorded.count, clients: seen.count, positions: positions)
    }
}

/// The events of JSON Lines read in pieces of any size, each with its line number (from 1, blank
/// lines counted): lines end in LF or CR LF, a UTF-8 byte order mark before the first is ignored.
private struct InterchangeLines {
    private(set) var events: [LedgerEvent] = []
    private(set) var numbers: [Int] = []
    private var number = 0
    /// The start of a line whose end has not been read yet.
    private var pending: [UInt8] = []
    private var started = false

    /// Decodes every line that `bytes` completes.
    mutating func read(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        guard started else {
            // The first three bytes tell whether a byte order mark comes first.
            pending += bytes
            if pending.count >= 3 { try begin() }
            return
        }
        var start = 0
        while let end = bytes[start...].firstIndex(of: 0x0A) {
            if pending.isEmpty {
                try line(bytes[start..<end])
            } else {
                pending += bytes[start..<end]
                let whole = pending
                pending = []
                try whole.withUnsafeBytes { raw in Result { () throws(LedgerError) in try line(raw[...]) } }.get()
            }
            start = end + 1
        }
        pending += bytes[start...]
    }

    /// Decodes the last line, which no line feed ends.
    mutating func finish() throws(LedgerError) {
        if !started { try begin() }
        let last = pending
        pending = []
        try last.withUnsafeBytes { raw in Result { () throws(LedgerError) in try line(raw[...]) } }.get()
    }

    /// Reads what came before the first line's start was known, without a byte order mark.
    private mutating func begin() throws(LedgerError) {
        started = true
        let first = pending
        pending = []
        let skip = first.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        try first.withUnsafeBytes { raw in Result { () throws(LedgerError) in try read(UnsafeRawBufferPointer(rebasing: raw[skip...])) } }.get()
    }

    private mutating func line(_ bytes: Slice<UnsafeRawBufferPointer>) throws(LedgerError) {
        number += 1
        var line = bytes
        if line.last == 0x0D { line = line.dropLast() }
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        // A copy of the line only: the parser reads an array.
        events.append(try InterchangeCodec.decode(utf8: Array(line)[...], lineNumber: number))
        numbers.append(number)
    }
}
