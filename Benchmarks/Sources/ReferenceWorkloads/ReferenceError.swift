/// A failed call in a reference workload: the call and the library's message.
public struct ReferenceError: Error, CustomStringConvertible {
    /// The C call that failed and what the library said.
    public let description: String
}
