import EventLog

extension SalonLedger {
    /// What an export writes for a required personal field that erasure made unreadable.
    public static let erasedPlaceholder = "(erased)"

    /// Writes every event from global position `from` on, in log order, as JSON Lines in the
    /// interchange format (`shared/interchange.md`), one call of `line` per event, from one
    /// consistent snapshot. Returns how many events were written.
    ///
    /// Personal fields are decrypted. An erased client's personal fields can no longer be read: the
    /// optional ones are left out and the required ones (a name, a note's text, a document's name,
    /// intake answers) are written as ``erasedPlaceholder``, so the lines say what the log still knows
    /// and no more — and the export can be imported again (its `ClientErased` line follows them).
    @discardableResult
    public func exportInterchange(from position: UInt64 = 1, _ line: (String) throws -> Void) throws(LedgerError) -> Int {
        try exporting(from: position) { event in try line(InterchangeCodec.encode(event)) }
    }

    /// Writes every event from global position `from` on as ``exportInterchange(from:_:)`` does,
    /// but as bytes: the UTF-8 lines, each ending in a line feed, handed to `chunk` at most a
    /// mebibyte at a time (the bytes are valid only during the call). No string is made per line:
    /// what a service streams to a file or a socket. Returns how many events were written.
    ///
    /// The events up to the log's head when the call begins are written, as from one snapshot
    /// (a record never changes once written). They are read in pieces of 16,384 events, each in a
    /// snapshot of its own, on the calling thread and on one more: `chunk` is called on the calling thread only, in log order, and a few pieces at most
    /// are held ahead of it. Each record's link in the hash chain is checked; at the first break
    /// the export throws, after handing out the lines before it, as a pass on one thread would.
    @discardableResult
    public func exportInterchangeUTF8(from position: UInt64 = 1, _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws(LedgerError) -> Int {
        try exportInterchangeUTF8(from: position, pieceSize: 16_384, chunk)
    }

    /// ``exportInterchangeUTF8(from:_:)`` in pieces of `size` events.
    func exportInterchangeUTF8(from position: UInt64, pieceSize size: UInt64,
                               _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws(LedgerError) -> Int {
        let start = max(position, 1)
        let head: UInt64
        do {
            head = try log.read { $0.lastPosition }
        } catch {
            throw LedgerError.wrapping(error, "exporting the log")
        }
        guard start <= head, size > 0 else { return 0 }
        let pieces = Int((head - start) / size) + 1
        var count = 0
        do {
            try inOrder(pieces: pieces, makeContext: { ExportCache() }, produce: { [self] cache, index in
                let from = start + UInt64(index) * size
                var writer = JSONWriter()
                let events = try exporting(from: from, through: min(head, from + size - 1), cache: &cache) { event in
                    InterchangeCodec.encode(event, to: &writer)
                    writer.raw(0x0A)
                }
                return (events, writer.bytes)
            }, consume: { (piece: (events: Int, bytes: [UInt8])) in
                try piece.bytes.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + (1 << 20))
                        try chunk(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                        offset = end
                    }
                }
                count += piece.events
            })
        } catch {
            throw LedgerError.wrapping(error, "exporting the log")
        }
        return count
    }

    /// Calls `body` with every event from `position` on, decoded (erased fields as the export
    /// writes them), from one snapshot; returns how many.
    private func exporting(from position: UInt64, _ body: (LedgerEvent) throws -> Void) throws(LedgerError) -> Int {
        var cache = ExportCache()
        return try exporting(from: position, through: nil, cache: &cache, body)
    }

    /// Calls `body` with every event from `position` through `through` (the head if `nil`),
    /// decoded as the export writes them, from one snapshot; returns how many. `cache` remembers
    /// the types and clients found, for the next call on the same thread.
    private func exporting(from position: UInt64, through: UInt64?, cache: inout ExportCache,
                           _ body: (LedgerEvent) throws -> Void) throws(LedgerError) -> Int {
        do {
            return try log.read { snapshot in
                var count = 0
                try snapshot.forEachEvent(from: max(position, 1), through: through) { event in
                    let type = try cache.types[event.typeCode] ?? {
                        let type = try Self.type(of: event)
                        cache.types[event.typeCode] = type
                        return type
                    }()
                    let client = cache.clients[event.streamNumber] ?? {
                        let client = Self.client(of: event)
                        cache.clients[event.streamNumber] = client
                        return client
                    }()
                    let recorded = try decode(event, type: type, client: client, keyed: true)
                    try body(recorded.personalDataErased ? recorded.event.withErasedPlaceholders() : recorded.event)
                    count += 1
                }
                return count
            }
        } catch {
            throw LedgerError.wrapping(error, "exporting the log")
        }
    }
}

/// Types and clients an export found once per type code and stream, not parsed from names per
/// event. Codes and stream numbers never change their meaning, so one cache serves every snapshot.
private struct ExportCache {
    var types: [UInt32: LedgerEventType] = [:]
    var clients: [UInt64: ClientID?] = [:]
}

extension LedgerEvent {
    /// The event with its unreadable personal fields as an export writes them.
    fileprivate func withErasedPlaceholders() -> LedgerEvent {
        let placeholder = SalonLedger.erasedPlaceholder
        switch self {
        case .clientRegistered(var e):
            e.name = placeholder
            return .clientRegistered(e)
        case .clientDetailsChanged(var e):
            e.name = placeholder
            return .clientDetailsChanged(e)
        case .noteAdded(var e):
            e.text = placeholder
            return .noteAdded(e)
        case .intakeRecorded(var e):
            e.answers = [placeholder: placeholder]
            return .intakeRecorded(e)
        case .documentAttached(var e):
            e.name = placeholder
            return .documentAttached(e)
        default:
            return self
        }
    }
}
