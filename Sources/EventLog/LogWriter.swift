/// The write side of one transaction, handed to the closure of ``EventLog/write(_:)``.
///
/// Appends made through it become visible to it at once (read your own writes) and to everyone
/// else together, at commit. Valid only inside the closure.
public final class LogWriter {
    /// Without dynamic exclusivity checks (two runtime calls per append): the writer is not
    /// `Sendable`, lives only inside one `write` closure on one thread, and no method of it calls
    /// back into another while it holds the session.
    @exclusivity(unchecked) private var session: WriteSession

    package init(session: WriteSession) {
        self.session = session
    }

    /// Hands the session back at the end of the transaction.
    package func takeSession() -> WriteSession { session }

    /// Appends `events` to stream `stream` within this transaction, if the stream is at `expected`.
    ///
    /// The same rules and errors as ``EventLog/append(_:to:expecting:)``. A refused append changes
    /// nothing, so the closure may catch the error and go on.
    @discardableResult
    public func append(_ events: [NewEvent], to stream: String, expecting expected: ExpectedVersion = .any) throws(EventLogError) -> AppendResult {
        do {
            return try session.append(events, to: stream, expecting: expected)
        } catch {
            throw EventLogError.wrap(error, "appending to stream \(stream)")
        }
    }

    /// Copies a record of the shared log this one replicates; see
    /// ``WriteSession/replicate(_:at:typeName:streamName:)``.
    package func replicate(_ bytes: UnsafeRawBufferPointer, at position: UInt64, typeName: String, streamName: String) throws(EventLogError) {
        do {
            try session.replicate(bytes, at: position, typeName: typeName, streamName: streamName)
        } catch {
            throw EventLogError.wrap(error, "copying the shared log's record at position \(position)")
        }
    }

    /// The version of stream `stream` in this transaction, or `nil` if it has no events.
    public func streamVersion(_ stream: String) throws(EventLogError) -> UInt64? {
        do { return try session.streamVersion(stream) } catch { throw EventLogError.wrap(error, "reading stream \(stream)") }
    }

    /// The position of the last event in this transaction (`0` for an empty log).
    public var lastPosition: UInt64 { session.head }
}

@available(*, unavailable)
extension LogWriter: Sendable {}
