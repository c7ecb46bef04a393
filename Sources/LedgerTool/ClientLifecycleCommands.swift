import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// Who records a lifecycle change, and why: the options `archive`, `reactivate` and `erase` share.
struct ChangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Who records it (a staff member's id, say); stored in the event's metadata. Default: the command's name.", valueName: "ACTOR"))
    var actor: String?

    @Option(help: ArgumentHelp("Why; stored in the event, in the clear (for an erasure: nothing personal, the request it answers).", valueName: "TEXT"))
    var reason: String?
}

extension ChangeOptions {
    /// Opens the ledger for writing, records the change `record` makes for `client` (with this
    /// reason, and this actor or `command`'s name), and prints it: the events as JSON, or a sentence
    /// saying it was `done`.
    func record(_ options: LedgerOptions, client: ClientID, command: String, done: ToolText,
                _ record: (SalonLedger, _ reason: String?, _ actor: String) async throws(LedgerError) -> [RecordedLedgerEvent]) async throws {
        let ledger = try options.open(.writing)
        let recorded = try await record(ledger, reason, actor ?? "ledger \(command)")
        if options.json {
            print(try JSONOutput.encoding(recorded).rendered())
        } else {
            let positions = recorded.map { String($0.position) }.joined(separator: ", ")
            print(say(.changed(done, client: client.rawValue, positions: recorded.isEmpty ? nil : positions)))
        }
    }
}

/// `ledger archive CLIENT`: the client is no longer a client of the salon; their records stay.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive a client: no bookings, checkouts, points or nudges until reactivated; their records stay.")

    @OptionGroup var options: LedgerOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The client's id.") var client: String

    func run() async throws {
        try await reportingErrors(options) {
            let id = try ClientID(client)
            try await change.record(options, client: id, command: "archive", done: .archived) { (ledger, reason, actor) throws(LedgerError) in
                try await ledger.archive(id, reason: reason, actor: actor)
            }
        }
    }
}

/// `ledger reactivate CLIENT`: an archived client is a client again.
struct ReactivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactivate",
        abstract: "Make an archived client a client again.")

    @OptionGroup var options: LedgerOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The client's id.") var client: String

    func run() async throws {
        try await reportingErrors(options) {
            let id = try ClientID(client)
            try await change.record(options, client: id, command: "reactivate", done: .reactivated) { (ledger, reason, actor) throws(LedgerError) in
                try await ledger.reactivate(id, reason: reason, actor: actor)
            }
        }
    }
}

/// `ledger erase CLIENT`: forgets a client for good (GDPR erasure).
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a client for good: their key is destroyed, so their personal data can never be read again.",
        discussion: """
            Records ClientErased and destroys the client's key. Amounts, points and dates stay, and \
            the hash chain still verifies; nothing about the client may change afterwards. There is \
            no undo: on a terminal the command asks for the client's id again; otherwise it needs \
            --yes. Backups taken before still hold the key: see docs/events.md.
            """)

    @OptionGroup var options: LedgerOptions
    @OptionGroup var change: ChangeOptions
    @Argument(help: "The client's id.") var client: String

    @Flag(help: "Erase without asking (for scripts).")
    var yes = false

    func run() async throws {
        try await reportingErrors(options) {
            let id = try ClientID(client)
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ToolError(.refused, "an erasure cannot be undone: give --yes to erase client \(id) without being asked")
                }
                standardError.write(say(.confirmErasure(id.rawValue)))
                guard readLine()?.trimmingCharacters(in: .whitespaces) == id.rawValue else {
                    throw ToolError(.refused, "not confirmed; client \(id) was not erased")
                }
            }
            try await change.record(options, client: id, command: "erase", done: .erasedDone) { (ledger, reason, actor) throws(LedgerError) in
                try await ledger.erase(id, reason: reason, actor: actor)
            }
        }
    }
}

/// `ledger subject-access CLIENT`: everything the ledger holds about one client, decrypted.
struct SubjectAccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject-access",
        abstract: "Print everything the ledger holds about one client, decrypted, as JSON (a GDPR access request).",
        discussion: """
            One JSON object: the client's id, their card, and every event of their history in order, \
            each with its position, when it was recorded, and its fields. For an \
            erased client the personal fields read as erased. Reads only.
            """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: "The client's id.") var client: String

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.reading)
            let id = try ClientID(client)
            guard let card = try ledger.card(of: id) else {
                throw ToolError(.refused, "there is no client \(client) in \(options.ledger)")
            }
            let history = try ledger.history(of: id)
            let object = JSONOutput.object([
                ("client", .string(id.rawValue)),
                ("producedAt", .string(Timestamp.now.description)),
                ("card", try JSONOutput.encoding(card)),
                ("events", try JSONOutput.encoding(history)),
            ])
            print(object.rendered())
        }
    }
}
