import ArgumentParser
import EventLog
import Foundation
import PostgresLog

/// `ledger push --postgres CONNINFO --salon ID`: copies the local ledger's log into PostgreSQL.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy the ledger's log into PostgreSQL, with the same positions and head hash.",
        discussion: """
            Copies the records the database lacks, in transactions of up to 20,000 records, each \
            extending the ledger's chain there under a lock on its row; a push that stops is carried \
            on by the next one. Refuses (exit 2, nothing copied) if the database holds another chain \
            under that id. Only reads the local ledger: works on a read-only copy. Prints the head \
            hash, which `ledger verify --postgres … --salon …` then finds there. The personal-data \
            keys stay in the local key file.
            """)

    @OptionGroup var options: LedgerOptions

    func run() async throws {
        try await reportingErrors(ledger: options.ledger) {
            guard let target = try options.postgres.target() else {
                throw ToolError(.refused, "push needs the database: give --postgres CONNINFO and --salon ID (or CLIENTLEDGER_POSTGRES and CLIENTLEDGER_SALON)")
            }
            let log = try options.openLog()
            let shared = try options.postgres.connect(target)
            let interactive = isatty(STDERR_FILENO) == 1 && !options.json
            let started = Date()
            let pushed = try shared.push(from: log) { copied, total in
                if interactive { standardError.write("\rpushing \(copied)/\(total) events") }
            }
            if interactive { standardError.write("\r\u{1B}[K") }
            let seconds = Date().timeIntervalSince(started)
            if options.json {
                print(try JSONOutput.encoding(pushed).rendered())
            } else {
                print("Pushed \(pushed.eventsCopied) events to ledger \(target.salon) in PostgreSQL in \(String(format: "%.2f", seconds)) s.")
                print("head hash: \(pushed.head?.description ?? "(empty log)")")
            }
        }
    }
}
