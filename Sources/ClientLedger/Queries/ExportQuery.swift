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
        do {
            return try log.read { snapshot in
                var count = 0
                try snapshot.forEachEvent(from: max(position, 1)) { event in
                    let recorded = try decode(event, keyed: true)
                    try line(InterchangeCodec.encode(recorded.personalDataErased ? recorded.event.withErasedPlaceholders() : recorded.event))
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
