import ClientLedger
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The service's entry point: reads its configuration, opens the ledger, optionally registers demo
/// clients, and serves the endpoints of ``SalonRoutes`` until SIGINT or SIGTERM.
@main
enum Server {
    /// Starts the service.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("-h") || arguments.contains("--help") {
            print(ServiceConfiguration.usage)
            return
        }
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration(arguments: arguments, environment: ProcessInfo.processInfo.environment)
        } catch {
            fail("\(error.message)\n\(ServiceConfiguration.usage)", status: 2)
        }

        // Logs go to standard output; metrics to a Prometheus registry that GET /metrics shows. The
        // library never bootstraps either: it reports to what the service chose.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "SalonService")

        // One ledger for the whole process: SalonLedger is Sendable and is shared by every request.
        let ledger: SalonLedger
        do {
            ledger = try SalonLedger(path: configuration.ledgerPath, options: .init(logger: logger))
        } catch {
            fail("cannot open the ledger: \(error)", status: 1)
        }

        if configuration.seedClients > 0 {
            let outcome = await DemoData.seed(ledger, clients: configuration.seedClients)
            say("seeded \(outcome.seeded) demo client(s), \(configuration.seedClients - outcome.seeded - outcome.failures.count) already there")
            for failure in outcome.failures { printError("seeding: \(failure)") }
        }

        // The search words live in memory only: read them now, beside the first requests, so that
        // the first search at the front desk answers as fast as later ones.
        Task {
            do { try await ledger.prepareSearch() } catch { printError("preparing the search: \(error)") }
        }

        let events = (try? ledger.log.lastPosition()).map(String.init) ?? "?"
        say("SalonService: ledger \(configuration.ledgerPath) (\(events) events), http://\(configuration.host):\(configuration.port)")
        let app = Application(
            router: SalonRoutes(ledger: ledger, metrics: registry).router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "SalonService"),
            logger: logger
        )
        do {
            try await app.runService()
        } catch {
            fail("the server stopped: \(error)", status: 1)
        }
    }

    /// Writes `message` to standard output at once (`print` is buffered when the output is a file or pipe).
    static func say(_ message: String) {
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }

    /// Writes `message` to standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Writes `message` to standard error and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        printError(message)
        exit(status)
    }
}

/// How the service is started. Arguments win over the environment, which wins over the defaults.
struct ServiceConfiguration: Sendable {
    /// A command line that could not be understood.
    struct UsageError: Error {
        /// What was wrong.
        let message: String
    }

    /// The ledger's directory, created if absent.
    var ledgerPath = "./salon.ledger"
    /// The address to listen on.
    var host = "127.0.0.1"
    /// The TCP port to listen on.
    var port = 8080
    /// How many demo clients (`c1`…`cN`) to register at start; 0 registers none.
    var seedClients = 0
    /// The least level logged: each request at `info`, the ledger's commands at `debug`.
    var logLevel = Logger.Level.info

    /// The help text.
    static let usage = """
        usage: salon-service [LEDGER-PATH] [--host HOST] [--port PORT] [--seed N]
          LEDGER-PATH  the ledger directory (default ./salon.ledger; env SALON_LEDGER)
          --host HOST  the address to listen on (default 127.0.0.1; env SALON_HOST)
          --port PORT  the port to listen on (default 8080; env SALON_PORT)
          --seed N     register demo clients c1...cN first, if they are not there yet
          (env SALON_LOG_LEVEL: trace, debug, info (default), notice, warning, error, critical)
        """

    /// Reads the configuration from the command line (without the program name) and the environment.
    init(arguments: [String], environment: [String: String]) throws(UsageError) {
        if let path = environment["SALON_LEDGER"], !path.isEmpty { ledgerPath = path }
        if let host = environment["SALON_HOST"], !host.isEmpty { self.host = host }
        if let port = environment["SALON_PORT"] { self.port = try Self.number(port, "SALON_PORT", in: 1...65_535) }
        if let level = environment["SALON_LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: level) else { throw UsageError(message: "SALON_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical") }
            logLevel = parsed
        }
        var rest = arguments[...]
        var sawPath = false
        while let argument = rest.popFirst() {
            switch argument {
            case "--host":
                guard let value = rest.popFirst() else { throw UsageError(message: "--host needs a value") }
                host = value
            case "--port":
                port = try Self.number(rest.popFirst(), "--port", in: 1...65_535)
            case "--seed":
                seedClients = try Self.number(rest.popFirst(), "--seed", in: 0...100_000)
            default:
                guard !argument.hasPrefix("-"), !sawPath else { throw UsageError(message: "unexpected argument \(argument)") }
                ledgerPath = argument
                sawPath = true
            }
        }
    }

    /// Parses a whole number within `range`, naming `what` if it is missing or wrong.
    private static func number(_ text: String?, _ what: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text, let value = Int(text), range.contains(value) else {
            throw UsageError(message: "\(what) needs a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
