import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// `ledger stats`: what the ledger holds and what it costs on disk.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show events by type, clients, size on disk and bytes per event.",
        discussion: "Reads every record, checking its link in the hash chain (exit 2 at the first break). Reads only.")

    @OptionGroup var options: LedgerOptions

    func run() async throws {
        try await reportingErrors(options) {
            let log = try options.openLog()
            var byType: [String: Int] = [:]
            var clientStreams = Set<String>()
            var payloadBytes = 0
            let events = try log.read { snapshot in
                try snapshot.forEachEvent { event in
                    byType[event.type, default: 0] += 1
                    payloadBytes += event.payload.count
                    if event.streamVersion == 1, event.stream.hasPrefix(SalonLedger.clientStreamPrefix) { clientStreams.insert(event.stream) }
                }
                return snapshot.lastPosition
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: options.ledger)) ?? []
            var fileSizes: [(String, Int64)] = []
            for file in files.sorted() {
                let size = (try? FileManager.default.attributesOfItem(atPath: options.ledger + "/" + file)[.size] as? NSNumber)?.int64Value ?? 0
                fileSizes.append((file, size))
            }
            let disk = fileSizes.reduce(0) { $0 + $1.1 }
            let perEvent = events == 0 ? 0 : disk / Int64(events)
            let types = byType.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            if options.json {
                print(JSONOutput.object([
                    ("events", .int(Int64(events))),
                    ("eventsByType", .object(types.map { ($0.key, .int(Int64($0.value))) })),
                    ("clients", .int(Int64(clientStreams.count))),
                    ("bytesOnDisk", .int(disk)),
                    ("files", .object(fileSizes.map { ($0.0, .int($0.1)) })),
                    ("bytesPerEvent", .int(perEvent)),
                    ("payloadBytes", .int(Int64(payloadBytes))),
                    ("headHash", .optional(try log.headHash()?.description)),
                ]).rendered())
                return
            }
            var table = TextTable(.eventType, .eventsHeader)
            for (type, count) in types { table.add(.text(type), .count(count)) }
            print(table.rendered())
            let onDisk = say(.bytes(disk)) + " (" + fileSizes.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
            print(say(.statsLines(events: Int(events), clients: clientStreams.count, disk: onDisk, perEvent: perEvent,
                                  payload: events == 0 ? 0 : payloadBytes / Int(events))))
        }
    }
}
