/// An error known only by its text: the cause of a ``LedgerError`` when the underlying error is not
/// one of ours (an engine error wrapped in a task, a failure described by a library).
package struct DescribedCause: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
