import EventLog
import Foundation

/// An identifier chosen by the embedding system: 1 to 64 UTF-8 bytes in Unicode Normalization Form C.
///
/// **One identity rule, everywhere.** An identifier is normalised to NFC where it enters the ledger
/// (this initialiser, which the commands, the import and every other boundary use), then compared
/// byte for byte — as the log, the key file and the card projection compare it. So "café" written
/// with a precomposed "é" and with "e" and a combining accent is one client, in a command, an import
/// line and the log alike. (For NFC strings, byte equality and Swift's `==` agree.)
///
/// Identifiers read back from the log are taken as stored. A ledger written before this rule may
/// hold an identifier in another normal form: it reads as it is, and a command names it by its NFC
/// spelling, which is another identifier.
///
/// The phantom `Kind` keeps a client id from being passed where an appointment id belongs.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identifier as the embedding system wrote it.
    public let rawValue: String

    /// The most UTF-8 bytes an identifier may have.
    public static var maximumBytes: Int { 64 }

    /// Normalises `rawValue` to NFC and validates it: throws ``LedgerError/Code/malformedIdentifier``
    /// naming the kind if it is empty or longer than 64 UTF-8 bytes (once normalised).
    public init(_ rawValue: String) throws(LedgerError) {
        // ASCII is NFC already: the common case skips Foundation's normaliser.
        let normalised = rawValue.utf8.allSatisfy { $0 < 0x80 } ? rawValue : rawValue.precomposedStringWithCanonicalMapping
        let count = normalised.utf8.count
        guard count >= 1, count <= Self.maximumBytes else {
            throw LedgerError(.malformedIdentifier, "a \(Kind.name) id must be 1 to \(Self.maximumBytes) UTF-8 bytes; got \(count)")
        }
        self.rawValue = normalised
    }

    /// For identifiers read back from the log, which were validated when written.
    package init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// Byte for byte, as the log stores identifiers: canonically equivalent spellings (a precomposed
    /// "é" and "e" with a combining accent) are different identifiers.
    public static func == (lhs: Self, rhs: Self) -> Bool { utf8Equal(lhs.rawValue, rhs.rawValue) }

    public func hash(into hasher: inout Hasher) {
        var copy = rawValue
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// By UTF-8 bytes.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }
}

/// What an ``Identifier`` identifies; names it in error messages.
public protocol IdentifierKind: Sendable {
    /// The kind's name, as in "client" or "appointment".
    static var name: String { get }
}

/// The kinds of identifier the interchange contract names.
public enum ClientKind: IdentifierKind { public static var name: String { "client" } }
/// See ``IdentifierKind``.
public enum VisitKind: IdentifierKind { public static var name: String { "visit" } }
/// See ``IdentifierKind``.
public enum AppointmentKind: IdentifierKind { public static var name: String { "appointment" } }
/// See ``IdentifierKind``.
public enum SubscriptionKind: IdentifierKind { public static var name: String { "subscription" } }
/// See ``IdentifierKind``.
public enum NoteKind: IdentifierKind { public static var name: String { "note" } }
/// See ``IdentifierKind``.
public enum DocumentKind: IdentifierKind { public static var name: String { "document" } }
/// See ``IdentifierKind``.
public enum FormKind: IdentifierKind { public static var name: String { "form" } }

/// A salon's client.
public typealias ClientID = Identifier<ClientKind>
/// One visit, checked out at the till.
public typealias VisitID = Identifier<VisitKind>
/// One appointment in the agenda.
public typealias AppointmentID = Identifier<AppointmentKind>
/// One prepaid subscription (value credit or a bundle of sessions).
public typealias SubscriptionID = Identifier<SubscriptionKind>
/// One note or alert on a client's card.
public typealias NoteID = Identifier<NoteKind>
/// One document attached to a client's card.
public typealias DocumentID = Identifier<DocumentKind>
/// One intake form.
public typealias FormID = Identifier<FormKind>
