import EventLog

extension SalonLedger {
    /// Writes every event from global position `from` on, in log order, as JSON Lines in the
    /// interchange format (`shared/interchange.md`), one call of `line` per event, from one
    /// consistent snapshot. Returns how many events were written.
    ///
    /// Personal fields are decrypted. An erased client's personal fields can no longer be read: they
    /// are written empty (a name `""`), so such lines say what the log still knows and no more.
    @discardableResult
    public func exportInterchange(from position: UInt64 = 1, _ line: (String) throws -> Void) throws(LedgerError) -> Int {
        do {
            return try log.read { snapshot in
                var count = 0
                try snapshot.forEachEvent(from: max(position, 1)) { event in
                    try line(InterchangeCodec.encode(try decode(event, keyed: true).event))
                    count += 1
                }
                return count
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storage, "exporting the log failed: \(error)", cause: DescribedCause("\(error)"))
        }
    }
}
