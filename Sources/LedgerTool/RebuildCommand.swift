import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger rebuild`: rebuilds projections blue/green while the ledger stays in service.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild projections from the first event, blue/green: the current state keeps serving until the new one has caught up.",
        discussion: """
            Safe while other processes append to the same ledger: the rebuilt state catches up with \
            their events before the atomic switch. Shows a progress bar (rate, time left) on a \
            terminal and plain progress lines otherwise. An interrupted rebuild resumes where it \
            stopped the next time. Projections: \(SalonLedger.projectionNames.joined(separator: ", ")).
            """)

    @OptionGroup var options: LedgerOptions

    @Argument(help: "The projections to rebuild (default: all).")
    var projections: [String] = []

    // `.unconditional`: `--batch-events -5` is refused as a value, not read as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("""
        How many events each step applies, holding what they change in memory: larger steps \
        rebuild faster and take more memory. A step's writes take the ledger's writer a few \
        thousand clients at a time, so other writers never wait for a whole step.
        """, valueName: "N"))
    var batchEvents: UInt64 = SalonLedger.Options().rebuildBatchSize

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        How many threads apply each step's events, each those of its share of the clients (the \
        writes stay on one): more are faster, and hold more memory. 1 to \
        \(EventLog.Options.maximumRebuildWorkers); default: the processor cores, at most 4.
        """, valueName: "N"))
    var workers: Int = EventLog.Options.defaultRebuildWorkers

    func validate() throws {
        guard batchEvents > 0 else { throw ValidationError("--batch-events must be at least 1") }
        guard (1...EventLog.Options.maximumRebuildWorkers).contains(workers) else {
            throw ValidationError("--workers must be from 1 to \(EventLog.Options.maximumRebuildWorkers)")
        }
    }

    func run() async throws {
        try await reportingErrors(options) {
            for name in projections where !SalonLedger.projectionNames.contains(name) {
                throw ToolError(.refused, "there is no projection \(name); the ledger keeps \(SalonLedger.projectionNames.joined(separator: ", "))")
            }
            let ledger = try options.open(.writing, rebuildBatchSize: batchEvents, rebuildWorkers: workers)
            let started = Date()
            var final: ProjectionProgress?
            let reporter = ProgressReporter()
            try ledger.rebuildProjections { progress in
                final = progress
                reporter.report(progress.projection, done: progress.eventsDone, total: progress.eventsTotal)
            }
            let seconds = Date().timeIntervalSince(started)
            let events = final?.eventsDone ?? 0
            if options.json {
                print(JSONOutput.object([("projections", .array(SalonLedger.projectionNames.map(JSONOutput.string))), ("events", .int(Int64(events))),
                                         ("milliseconds", .int(Int64(seconds * 1000)))]).rendered())
            } else {
                print(say(.rebuilt(SalonLedger.projectionNames.joined(separator: ", "), events: events, seconds: LedgerTool.seconds(seconds))))
            }
        }
    }
}
