import Crypto
import Foundation

/// A client's own 256-bit key: it seals the personal fields of that client's events (AES-GCM).
/// Destroying it (erasure) makes those fields unreadable for good, while amounts and dates stay.
package struct ClientKey: Sendable {
    package let key: SymmetricKey

    package init(bytes: some ContiguousBytes) {
        key = SymmetricKey(data: bytes)
    }

    /// A new random key.
    package static func generate() -> ClientKey {
        ClientKey(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) { self.key = key }

    package var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// `nonce ‖ ciphertext ‖ tag`, with `context` (event type and client) authenticated but not stored.
    package func seal(_ plaintext: [UInt8], context: [UInt8]) throws(LedgerError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, authenticating: context)
            guard let combined = box.combined else { throw LedgerError(.keyStore, "AES-GCM gave no combined form") }
            return Array(combined)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.keyStore, "sealing personal data failed", cause: DescribedCause("\(error)"))
        }
    }

    /// Opens what ``seal(_:context:)`` made; throws ``LedgerError/Code/corruptPayload`` if the bytes,
    /// the key or the context do not match.
    package func open(_ sealed: UnsafeRawBufferPointer, context: [UInt8]) throws(LedgerError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed))
            return Array(try AES.GCM.open(box, using: key, authenticating: context))
        } catch {
            throw LedgerError(.corruptPayload, "the personal data of an event does not open with its client's key", cause: DescribedCause("\(error)"))
        }
    }
}

/// An error known only by its text.
package struct DescribedCause: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
