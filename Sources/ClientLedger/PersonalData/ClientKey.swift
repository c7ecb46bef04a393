import COpenSSL
import Synchronization

/// A client's own 256-bit key: it seals the personal fields of that client's events (AES-256-GCM).
/// Destroying it (erasure) makes those fields unreadable for good, while amounts and dates stay.
///
/// Sealed bytes are `nonce (12) ‖ ciphertext ‖ tag (16)`, the nonce random, with a
/// ``SealingContext`` (event type and client) authenticated but not stored: the layout
/// `docs/events.md` describes.
///
/// The cipher is the system's OpenSSL (EVP). A key keeps one decryption context, keyed at its
/// first ``open(_:context:)`` and reused after: a card opens several sections with one key, and
/// setting a key up (expanding it, preparing GCM's tables) costs three times the opening itself.
package final class ClientKey: Sendable {
    /// The key's 32 bytes.
    private let material: [UInt8]
    /// The decryption context keyed with ``material``, once made; `EVP_CIPHER_CTX *`.
    private let decryption = Mutex<CipherContext?>(nil)

    /// An `EVP_CIPHER_CTX *`, only ever used under ``decryption``'s lock.
    private struct CipherContext: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// The 32 bytes of a key (read from the key file).
    package init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "a client key is 32 bytes")
        material = Array(bytes)
    }

    /// The 32 bytes of a key (read from the key file).
    package convenience init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a client key is 32 bytes")
        self.init(material: bytes)
    }

    private init(material: [UInt8]) { self.material = material }

    deinit {
        decryption.withLock { context in
            if let context { EVP_CIPHER_CTX_free(context.pointer) }
        }
    }

    /// A new random key, from OpenSSL's CSPRNG.
    package static func generate() throws(LedgerError) -> ClientKey {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&bytes, 32) == 1 else { throw LedgerError(.keyStore, "the system's random generator gave no key") }
        return ClientKey(material: bytes)
    }

    package var bytes: [UInt8] { material }

    /// `nonce ‖ ciphertext ‖ tag`, with `context` (event type and client) authenticated but not stored.
    package func seal(_ plaintext: [UInt8], context: SealingContext) throws(LedgerError) -> [UInt8] {
        guard plaintext.count < Int(Int32.max) - 28 else {
            throw LedgerError(.keyStore, "personal data of \(plaintext.count) bytes is too large to seal")
        }
        var sealed = [UInt8](repeating: 0, count: 12 + plaintext.count + 16)
        let done = sealed.withUnsafeMutableBufferPointer { out -> Bool in
            guard let nonce = out.baseAddress, RAND_bytes(nonce, 12) == 1, let cipher = EVP_CIPHER_CTX_new() else { return false }
            defer { EVP_CIPHER_CTX_free(cipher) }
            var length: Int32 = 0
            let text = nonce + 12
            guard EVP_EncryptInit_ex2(cipher, aes256GCM.pointer, material, nonce, nil) == 1,
                  context.authenticate(cipher, encrypting: true),
                  EVP_EncryptUpdate(cipher, text, &length, plaintext, Int32(plaintext.count)) == 1,
                  EVP_EncryptFinal_ex(cipher, text + Int(length), &length) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, 16, text + plaintext.count) == 1
        }
        guard done else { throw LedgerError(.keyStore, "sealing personal data failed in OpenSSL") }
        return sealed
    }

    /// Opens what ``seal(_:context:)`` made; throws ``LedgerError/Code/corruptPayload`` if the bytes,
    /// the key or the context do not match.
    package func open(_ sealed: UnsafeRawBufferPointer, context: SealingContext) throws(LedgerError) -> [UInt8] {
        // Built only when thrown: a card read opens several sections and pays for no message.
        func failure() -> LedgerError {
            LedgerError(.corruptPayload, "the personal data of an event (\(sealed.count) sealed bytes) does not open with its client's key")
        }
        guard sealed.count >= 28, sealed.count < Int(Int32.max) else { throw failure() }
        let input = sealed.bindMemory(to: UInt8.self)
        guard let nonce = input.baseAddress else { throw failure() }
        let textCount = sealed.count - 28
        // One spare byte: a buffer for an empty text still needs an address.
        var plaintext = [UInt8](repeating: 0, count: textCount + 1)
        let opened = plaintext.withUnsafeMutableBufferPointer { out -> Bool in
            guard let output = out.baseAddress else { return false }
            return decryption.withLock { cached -> Bool in
                if cached == nil {
                    guard let made = EVP_CIPHER_CTX_new() else { return false }
                    guard EVP_DecryptInit_ex2(made, aes256GCM.pointer, material, nil, nil) == 1 else {
                        EVP_CIPHER_CTX_free(made)
                        return false
                    }
                    cached = CipherContext(pointer: made)
                }
                guard let cipher = cached?.pointer else { return false }
                var length: Int32 = 0
                let tag = UnsafeMutableRawPointer(mutating: nonce + 12 + textCount)
                let ok = EVP_DecryptInit_ex2(cipher, nil, nil, nonce, nil) == 1
                    && context.authenticate(cipher, encrypting: false)
                    && EVP_DecryptUpdate(cipher, output, &length, nonce + 12, Int32(textCount)) == 1
                    && EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1
                    && EVP_DecryptFinal_ex(cipher, output + Int(length), &length) == 1
                if !ok {
                    // Start the next open from a fresh context rather than one left mid-message.
                    EVP_CIPHER_CTX_free(cipher)
                    cached = nil
                }
                return ok
            }
        }
        guard opened else { throw failure() }
        plaintext.removeLast()
        return plaintext
    }
}

/// What a sealed section is bound to: authenticated with it, not stored. Its bytes are the event
/// type's name, a zero byte and the client id, in UTF-8 (`docs/events.md`): a section moved to
/// another client's event, or to another type's, does not open.
package struct SealingContext: Sendable {
    package var type: LedgerEventType
    package var client: ClientID

    package init(_ type: LedgerEventType, _ client: ClientID) {
        self.type = type
        self.client = client
    }

    /// Feeds the context to `cipher` as additional authenticated data, part by part (GCM takes it
    /// in pieces), so that it is never built in a buffer of its own.
    fileprivate func authenticate(_ cipher: OpaquePointer, encrypting: Bool) -> Bool {
        func feed(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let bytes = part.baseAddress, !part.isEmpty else { return true }
            var length: Int32 = 0
            return (encrypting ? EVP_EncryptUpdate(cipher, nil, &length, bytes, Int32(part.count))
                               : EVP_DecryptUpdate(cipher, nil, &length, bytes, Int32(part.count))) == 1
        }
        var name = type.rawValue, id = client.rawValue, zero: UInt8 = 0
        return name.withUTF8(feed) && withUnsafePointer(to: &zero) { feed(UnsafeBufferPointer(start: $0, count: 1)) } && id.withUTF8(feed)
    }
}

/// OpenSSL's AES-256-GCM, fetched once from the default provider (fetching at every use costs
/// about as much as the decryption). Fetched ciphers may be shared by threads.
private let aes256GCM = FetchedCipher()

private struct FetchedCipher: @unchecked Sendable {
    let pointer: OpaquePointer?

    init() {
        pointer = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) ?? EVP_aes_256_gcm()
    }
}
