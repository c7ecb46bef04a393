import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger backup DEST`: a consistent, compacted, verified copy of the ledger with its keys.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, compacted copy of the ledger (log and key file) into a new directory.",
        discussion: """
            Safe while services keep recording: the copy holds what had committed when it began. \
            Every record's link is checked on the way and the copy is verified; a ledger whose chain \
            does not hold is not backed up (exit 2). DEST must not exist or be empty; nothing is \
            left there if the backup fails. Prints the backup's head hash: keep it with the backup. \
            The backup holds the personal-data keys: keep it as safe as the ledger. Bring it back \
            with `ledger restore DEST --ledger PATH`.
            """)

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("The directory to write the backup into (new, or empty).", valueName: "DEST"))
    var destination: String

    func run() async throws {
        try await reportingErrors(options) {
            let ledger = try options.open(.reading)
            let started = Date()
            let progress = ProgressReporter()
            let head = try ledger.backup(to: destination) { copied, total in progress.report("backup", done: copied, total: total) }
            let seconds = Date().timeIntervalSince(started)
            if options.json {
                print(JSONOutput.object([("backup", .string(destination)), ("headHash", .optional(head?.description)),
                                         ("events", .int(Int64(head?.position ?? 0))), ("milliseconds", .int(Int64(seconds * 1000)))]).rendered())
            } else {
                print(say(.backedUp(head?.position ?? 0, to: destination, seconds: LedgerTool.seconds(seconds))))
                print("\(say(.keepWithBackup)): \(head?.description ?? say(.emptyLog))")
            }
        }
    }
}

/// `ledger restore BACKUP --ledger PATH`: brings a backup back into a new place.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup made by `ledger backup` into --ledger PATH, which must not hold anything yet.",
        discussion: """
            Verifies the backup (its chain and its key file) before copying it, and the restored \
            ledger after; never overwrites a ledger (move the damaged one aside first). Prints the \
            restored head hash, which is the backup's.
            """)

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("The backup directory.", valueName: "BACKUP"))
    var backup: String

    func run() async throws {
        try await reportingErrors(options) {
            let head = try SalonLedger.restore(from: backup, to: options.ledger)
            if options.json {
                print(JSONOutput.object([("ledger", .string(options.ledger)), ("headHash", .optional(head?.description))]).rendered())
            } else {
                print(say(.restored(backup, to: options.ledger)))
                print("\(say(.headHash)): \(head?.description ?? say(.emptyLog))")
            }
        }
    }
}
