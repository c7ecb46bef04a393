/// What an append expects of its stream: the basis of optimistic concurrency.
///
/// A command reads a stream at version *N*, decides, and appends with `.exactly(N)`. If another
/// writer appended in between, the append fails with ``EventLogError/Code/wrongExpectedVersion`` and
/// writes nothing; the command can read again and decide again.
public enum ExpectedVersion: Hashable, Sendable, CustomStringConvertible {
    /// No check: append at the end, whatever the version.
    case any
    /// The stream must not exist yet (have no events).
    case noStream
    /// The stream must exist (have at least one event).
    case streamExists
    /// The stream's last event must have this version (`0` means the same as ``noStream``).
    case exactly(UInt64)

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exactly(let version): "version \(version)"
        }
    }
}
