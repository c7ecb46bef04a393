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
    /// but as bytes: the UTF-8 lines, each ending in a line feed, handed to `chunk` about a
    /// mebibyte at a time (the bytes are valid only during the call). No string is made per line:
    /// what a service streams to a file or a socket. Returns how many events were written.
    @discardableResult
    public func exportInterchangeUTF8(from position: UInt64 = 1, _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws(LedgerError) -> Int {
        var writer = JSONWriter(continuing: [])
        let count = try exporting(from: position) { event in
            InterchangeCodec.encode(event, to: &writer)
            writer.raw(0x0A)
            if writer.bytes.count >= 1 << 20 {
                try writer.bytes.withUnsafeBytes(chunk)
                writer.removeAll()
            }
        }
        do {
            if !writer.bytes.isEmpty { try writer.bytes.withUnsafeBytes(chunk) }
        } catch {
            throw LedgerError.wrapping(error, "exporting the log")
        }
        return count
    }

    /// Calls `body` with every event from `position` on, decoded (erased fields as the export
    /// writes them), from one snapshot; returns how many.
    private func exporting(from position: UInt64, _ body: (LedgerEvent) throws -> Void) throws(LedgerError) -> Int {
        do {
            return try log.read { snapshot in
                var count = 0
                // Types and clients found once per type code and stream, not parsed from names per event.
                var types: [UInt32: LedgerEventType] = [:]
                var clients: [UInt64: ClientID?] = [:]
                try snapshot.forEachEvent(from: max(position, 1)) { event in
                    let type = try types[event.typeCode] ?? {
                        let type = try Self.type(of: event)
                        types[event.typeCode] = type
                        return type
                    }()
                    let client = clients[event.streamNumber] ?? {
                        let client = Self.client(of: event)
                        clients[event.streamNumber] = client
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
