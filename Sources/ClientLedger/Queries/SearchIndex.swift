import EventLog
import Foundation
import Synchronization

/// The clients' names, e-mail addresses, phone numbers and ids, as search words — **in memory
/// only**.
///
/// Why not stored like the cards: a search index needs the words in a form it can look up, and
/// whatever LMDB once held can survive in its copy-on-write pages after it is deleted — an index of
/// names at rest would outlive an erasure, which must leave nothing readable (see `docs/events.md`).
/// So the words exist only in this process's memory: built from the cards (decrypting each client's
/// details once) at the first search, kept current from the log before each search (the events since,
/// each decrypted once), and dropped with an erased client — or with the process.
///
/// The first search in a process pays for every client once; after that a search costs the words it
/// looks up and the clients it finds, whatever the salon's size.
///
/// **Matching.** Text is folded (case and accents: "muller" finds "Müller") and cut into words at
/// anything that is not a letter or a digit. A client matches when every word of the query begins
/// one of the client's words (from their name, e-mail address or id): "ada love" finds Ada
/// Lovelace, "sara.meyer" sara.meyer1@example.com. A query of digits (spaces, `+`, `-`, `/`, `(`, `)`
/// allowed) with at least 6 of them matches phone numbers that end with it once a leading `00` or
/// `0` is dropped: "+49 1536 636950", "0049 1536 636950" and "01536 636950" all find +491536636950.
package final class SearchIndex: Sendable {
    private struct State {
        /// The log position whose events the index reflects.
        var checkpoint: UInt64 = 0
        /// Each client's words and phone digits, to take them out again.
        var clients: [ClientID: Entry] = [:]
        /// Word → the clients who have it.
        var postings: [String: Set<ClientID>] = [:]
        /// Every word, in byte order: where a prefix's words begin is a binary search away.
        var words: [String] = []
        /// The last 6 digits of a phone number → the clients whose number ends so.
        var phoneTails: [String: Set<ClientID>] = [:]
    }

    private struct Entry {
        var details: Details?
        var words: Set<String> = []
        var phone: String?
    }

    /// What is known of a client's details, as the events left them.
    private struct Details {
        var name: String?
        var email: String?
        var phone: String?
    }

    private let state = Mutex<State?>(nil)

    package init() {}

    /// The clients matching `query` (see the type's doc), in client-id byte order; reads the log's
    /// events since the last search, and at the first search every card, through `ledger`.
    package func search(_ query: String, in ledger: SalonLedger) throws(LedgerError) -> [ClientID] {
        try withCurrentState(ledger) { Self.match(query, in: $0).sorted() }
    }

    /// Reads every client's words now, if no search has yet (what the first search would do), and
    /// the events since otherwise.
    package func prepare(in ledger: SalonLedger) throws(LedgerError) {
        try withCurrentState(ledger) { _ in }
    }

    /// Runs `body` with the index as of the log's head: built at the first call, brought up to
    /// date from the events since at every later one.
    private func withCurrentState<T>(_ ledger: SalonLedger, _ body: (State) -> T) throws(LedgerError) -> T {
        try state.withLock { (state) throws(LedgerError) -> T in
            var current: State
            if let built = state { current = built } else { current = try Self.build(ledger) }
            try Self.catchUp(&current, ledger)
            state = current
            return body(current)
        }
    }

    /// Whether the words have been read (by a search or ``prepare(in:)``).
    package var isPrepared: Bool {
        state.withLock { $0 != nil }
    }

    // MARK: Words

    /// `text` folded for matching: lower case, without accents.
    static func fold(_ text: String) -> String {
        // Most names and every e-mail address are ASCII: lower case is all their folding, without
        // Foundation's (a third of an index build at 50,000 clients).
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        return text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).precomposedStringWithCanonicalMapping
    }

    /// The words of `text`, folded.
    static func words(_ text: String) -> [String] {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return fold(text).split { !($0.isLetter || $0.isNumber) }.map(String.init) }
        // ASCII, byte by byte: letters lowered, cut at anything else that is not a digit.
        var words: [String] = []
        var word: [UInt8] = []
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            default:
                if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)); word.removeAll(keepingCapacity: true) }
            }
        }
        if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
        return words
    }

    /// The digits of a phone number as the index keeps them: without a leading `00` or `0`.
    static func phoneDigits(_ text: String) -> String {
        var digits = Substring(text.filter(\.isASCII).filter(\.isNumber))
        if digits.hasPrefix("00") { digits = digits.dropFirst(2) } else if digits.hasPrefix("0") { digits = digits.dropFirst() }
        return String(digits)
    }

    private static func isPhoneQuery(_ query: String) -> Bool {
        query.allSatisfy { $0.isNumber || " +-/().".contains($0) } && query.filter(\.isNumber).count >= 6
    }

    // MARK: Building and keeping current

    private static func build(_ ledger: SalonLedger) throws(LedgerError) -> State {
        var state = State()
        // Events after this position are read again by the first catch-up: each sets what it
        // changes, so reading one twice leaves the same details.
        do { state.checkpoint = try ledger.log.lastPosition() } catch { throw LedgerError.wrapping(error, "building the search index") }
        try ledger.forEachCard { client, record in
            let details = try ledger.details(of: client, record)
            set(record.erased ? nil : Details(name: details.name, email: details.email, phone: details.phone), of: client, in: &state,
                keepingWordsSorted: false)
        }
        // Sorted once, not kept sorted word by word: inserting each into a sorted array moved it
        // every time (a seventh of the build's time at 50,000 clients).
        state.words = state.postings.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return state
    }

    private static func catchUp(_ state: inout State, _ ledger: SalonLedger) throws(LedgerError) {
        let checkpoint = state.checkpoint
        do {
            state.checkpoint = try ledger.log.read { snapshot -> UInt64 in
                guard snapshot.lastPosition > checkpoint else { return checkpoint }
                try snapshot.forEachEvent(from: checkpoint + 1) { event in
                    switch event.type {
                    case LedgerEventType.clientRegistered.rawValue, LedgerEventType.clientDetailsChanged.rawValue,
                         LedgerEventType.clientErased.rawValue:
                        break
                    default:
                        return
                    }
                    let recorded = try ledger.decode(event, keyed: true)
                    switch recorded.event {
                    case .clientRegistered(let e):
                        set(recorded.personalDataErased ? nil : Details(name: e.name, email: e.email, phone: e.phone), of: e.client, in: &state)
                    case .clientDetailsChanged(let e):
                        guard !recorded.personalDataErased else { return set(nil, of: e.client, in: &state) }
                        var known = state.clients[e.client]?.details ?? Details()
                        if let name = e.name { known.name = name }
                        if let email = e.email { known.email = email }
                        if let phone = e.phone { known.phone = phone }
                        set(known, of: e.client, in: &state)
                    case .clientErased(let e):
                        set(nil, of: e.client, in: &state)
                    default:
                        break
                    }
                }
                return snapshot.lastPosition
            }
        } catch {
            throw LedgerError.wrapping(error, "reading the log for the search index")
        }
    }

    // MARK: Changing and matching

    /// Gives `client` these details (`nil`: none, erased) in the index. `keepingWordsSorted`:
    /// whether ``State/words`` is kept in order (a build sorts it once at its end instead).
    private static func set(_ details: Details?, of client: ClientID, in state: inout State, keepingWordsSorted: Bool = true) {
        if let old = state.clients.removeValue(forKey: client) {
            for word in old.words {
                state.postings[word]?.remove(client)
                if state.postings[word]?.isEmpty == true {
                    state.postings[word] = nil
                    let index = position(of: word, in: state.words)
                    if index < state.words.count, state.words[index] == word {
                        state.words.remove(at: index)
                    }
                }
            }
            if let phone = old.phone { state.phoneTails[String(phone.suffix(6))]?.remove(client) }
        }
        var entry = Entry(details: details)
        entry.words = Set(words(client.rawValue))
        entry.words.insert(fold(client.rawValue))
        if let details {
            for text in [details.name, details.email].compactMap({ $0 }) { entry.words.formUnion(words(text)) }
            if let phone = details.phone.map(phoneDigits), phone.count >= 6 {
                entry.phone = phone
                state.phoneTails[String(phone.suffix(6)), default: []].insert(client)
            }
        }
        for word in entry.words {
            if keepingWordsSorted, state.postings[word] == nil {
                state.words.insert(word, at: position(of: word, in: state.words))
            }
            state.postings[word, default: []].insert(client)
        }
        state.clients[client] = entry
    }

    /// Where `word` is or would go in `words` (sorted by bytes).
    private static func position(of word: String, in words: [String]) -> Int {
        var low = 0, high = words.count
        while low < high {
            let middle = (low + high) / 2
            if words[middle].utf8.lexicographicallyPrecedes(word.utf8) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func match(_ query: String, in state: State) -> Set<ClientID> {
        if isPhoneQuery(query) {
            let digits = phoneDigits(query)
            guard digits.count >= 6 else { return [] }
            return (state.phoneTails[String(digits.suffix(6))] ?? []).filter { state.clients[$0]?.phone?.hasSuffix(digits) == true }
        }
        var result: Set<ClientID>?
        for word in Set(words(query)).sorted(by: { $0.count > $1.count }) {
            var found: Set<ClientID> = []
            var index = position(of: word, in: state.words)
            while index < state.words.count, state.words[index].utf8.starts(with: word.utf8) {
                found.formUnion(state.postings[state.words[index]] ?? [])
                index += 1
            }
            result = result.map { $0.intersection(found) } ?? found
            if result?.isEmpty == true { return [] }
        }
        return result ?? []
    }
}
