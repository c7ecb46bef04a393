import ArgumentParser
import ClientLedger
import ClientLedgerPostgres
import EventLog
import Foundation
import PostgresLog

/// `ledger push --postgres CONNINFO --salon ID`: copies the local ledger, with its keys, into PostgreSQL.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy the ledger, with its clients' keys, into PostgreSQL: the same positions and head hash.",
        discussion: """
            Copies the clients' keys the database lacks (a key erased locally is destroyed there too), \
            then the records, in transactions of up to 20,000, each extending the ledger's chain there \
            under a lock on its row; a push that stops is carried on by the next one. Refuses (exit 2, \
            nothing copied) if the database holds another chain under that id, or another key for a \
            client. Only reads the local ledger: works on a read-only copy. Prints the head hash, \
            which `ledger verify --postgres … --salon …` then finds there. Service instances then \
            open the ledger with replicas in new directories.
            """)

    @OptionGroup var options: LedgerOptions

    func run() async throws {
        try await reportingErrors(options) {
            guard let target = try options.postgres.target() else {
                throw ToolError(.refused, "push needs the database: give --postgres CONNINFO and --salon ID (or CLIENTLEDGER_POSTGRES and CLIENTLEDGER_SALON)")
            }
            try options.requireLedger()
            let shared = try options.postgres.connect(target)
            let interactive = isatty(STDERR_FILENO) == 1 && !options.json
            let started = Date()
            let pushed: LedgerTransfer
            do throws(LedgerError) {
                pushed = try SalonLedger.push(ledgerAt: options.ledger, to: shared) { copied, total in
                    if interactive { standardError.write("\r\(say(.pushing)) \(copied)/\(total) \(say(.eventsUnit))") }
                }
            } catch {
                throw ToolError(error)
            }
            if interactive { standardError.write("\r\u{1B}[K") }
            let seconds = Date().timeIntervalSince(started)
            if options.json {
                print(try JSONOutput.encoding(pushed).rendered())
            } else {
                print(say(.pushed(pushed.eventsCopied, keys: pushed.keysAdded, salon: target.salon, seconds: LedgerTool.seconds(seconds))))
                if pushed.keysDestroyed > 0 { print(say(.destroyedKeys(pushed.keysDestroyed))) }
                print("\(say(.headHash)): \(pushed.head?.description ?? say(.emptyLog))")
            }
        }
    }
}

/// `ledger pull --postgres CONNINFO --salon ID --ledger PATH`: leaves PostgreSQL.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Make --ledger a ledger of its own, holding the ledger in PostgreSQL as it is now.",
        discussion: """
            Leaving PostgreSQL: the local replica at --ledger (or a new directory) copies the records \
            it lacks, every link checked, takes the clients' keys into its own key file, and stops being \
            a replica; afterwards commands open it without --postgres. It is a copy from then on: what \
            is recorded in PostgreSQL later, erasures included, does not reach it. Stop the service \
            instances that use the directory first. Refuses (exit 2) if the directory holds another \
            chain, or another key for a client.
            """)

    @OptionGroup var options: LedgerOptions

    func run() async throws {
        try await reportingErrors(options) {
            guard let target = try options.postgres.target() else {
                throw ToolError(.refused, "pull needs the database: give --postgres CONNINFO and --salon ID (or CLIENTLEDGER_POSTGRES and CLIENTLEDGER_SALON)")
            }
            let shared = try options.postgres.connect(target)
            let started = Date()
            let pulled: LedgerTransfer
            do throws(LedgerError) {
                pulled = try SalonLedger.pull(ledgerAt: options.ledger, from: shared)
            } catch {
                throw ToolError(error)
            }
            let seconds = Date().timeIntervalSince(started)
            if options.json {
                print(try JSONOutput.encoding(pulled).rendered())
            } else {
                print(say(.pulled(pulled.eventsCopied, keys: pulled.keysAdded, salon: target.salon, into: options.ledger, seconds: LedgerTool.seconds(seconds))))
                print(say(.ownLedgerNow))
                print("\(say(.headHash)): \(pulled.head?.description ?? say(.emptyLog))")
            }
        }
    }
}
