import CoreMetrics
import EventLog
import Logging
import Synchronization
import Tracing

/// What one ledger reports about its commands and queries: a span each (swift-distributed-tracing),
/// metrics (swift-metrics) and log lines (swift-log), to the backends the service bootstrapped or
/// gave in ``SalonLedger/Options``. See `docs/observability.md`.
package final class LedgerObservation: Sendable {
    package let logger: Logger
    private let factory: any MetricsFactory
    private let tracer: any Tracer
    /// Metric objects by label and dimensions, made once each: a backend's factory takes a lock.
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])

    package init(logger: Logger, factory: any MetricsFactory, tracer: any Tracer) {
        self.logger = logger
        self.factory = factory
        self.tracer = tracer
    }

    /// How a command ended, as `clientledger_commands_total` counts it.
    package enum Outcome: String, Sendable {
        /// It recorded events.
        case recorded
        /// It decided that nothing was to be recorded (nothing was missing).
        case unchanged
        /// A retry with the same idempotency key: it returned what the first run recorded.
        case replayed
        /// A rule of the salon or its input refused it.
        case refused
        /// The ledger could not serve it (storage, damage, a broken chain, a closed or read-only
        /// ledger, too much concurrent change, cancellation).
        case failed
    }

    /// What a command's run reports back to ``command(_:client:_:)``.
    package struct Run: Sendable {
        package var events: [RecordedLedgerEvent]
        package var outcome: Outcome
        package var attempts: Int
        /// How many events were recorded and where, when `events` does not hold them (an import).
        package var recorded: (count: Int, positions: ClosedRange<UInt64>)?
    }

    private static func outcome(of error: LedgerError) -> Outcome {
        switch error.code {
        case .storage, .damaged, .brokenChain, .keyStore, .closed, .readOnly, .corruptPayload, .newerPayloadVersion,
             .newerFormat, .notALedger, .concurrentChange, .cancelled:
            .failed
        default:
            .refused
        }
    }

    /// Runs command `name` (a method name such as `checkOut(_:visit:…)`, cut at its parenthesis) in
    /// a span, timing it and counting its outcome and retries.
    package func command(_ function: String, client: ClientID?, _ body: () async throws(LedgerError) -> Run) async throws(LedgerError) -> [RecordedLedgerEvent] {
        let name = String(function.prefix { $0 != "(" })
        let span = tracer.startSpan("ClientLedger.\(name)", ofKind: .internal)
        defer { span.end() }
        if let client { span.attributes["clientledger.client"] = client.rawValue }
        let started = ContinuousClock.now
        let result: Result<Run, LedgerError>
        do throws(LedgerError) { result = .success(try await body()) } catch { result = .failure(error) }
        timer("clientledger_command_duration_seconds", [("command", name)]).recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        var metadata: Logger.Metadata = ["clientledger.command": "\(name)"]
        if let client { metadata["clientledger.client"] = "\(client)" }
        switch result {
        case .success(let run):
            counter("clientledger_commands_total", [("command", name), ("outcome", run.outcome.rawValue)]).increment()
            if run.attempts > 1 { counter("clientledger_command_retries_total", [("command", name)]).increment(by: run.attempts - 1) }
            let count = run.recorded?.count ?? run.events.count
            span.attributes["clientledger.events"] = count
            span.attributes["clientledger.attempts"] = run.attempts
            if let positions = run.recorded?.positions {
                metadata["clientledger.positions"] = "\(positions.lowerBound)...\(positions.upperBound)"
            } else if let first = run.events.first?.position, let last = run.events.last?.position {
                metadata["clientledger.positions"] = "\(first)...\(last)"
            }
            logger.debug("\(name): \(run.outcome.rawValue), \(count) events", metadata: metadata)
            return run.events
        case .failure(let error):
            let outcome = Self.outcome(of: error)
            counter("clientledger_commands_total", [("command", name), ("outcome", outcome.rawValue)]).increment()
            span.attributes["clientledger.error.code"] = error.code.rawValue
            span.recordError(error)
            metadata["clientledger.error.code"] = "\(error.code)"
            switch (outcome, error.code) {
            case (.refused, _): logger.debug("\(name) refused: \(error.message)", metadata: metadata)
            case (_, .brokenChain), (_, .damaged): logger.error("\(name) failed: \(error.message)", metadata: metadata)
            default: logger.notice("\(name) failed: \(error.message)", metadata: metadata)
            }
            throw error
        }
    }

    /// Runs query `name` in a span, timing it.
    package func query<T: Sendable>(_ name: String, _ body: () async throws(LedgerError) -> T) async throws(LedgerError) -> T {
        let probe = beginQuery(name)
        do throws(LedgerError) {
            let value = try await body()
            endQuery(probe, nil)
            return value
        } catch {
            endQuery(probe, error)
            throw error
        }
    }

    /// Runs query `name` (a quick one, on the calling thread) in a span, timing it.
    package func query<T>(_ name: String, _ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        let probe = beginQuery(name)
        do throws(LedgerError) {
            let value = try body()
            endQuery(probe, nil)
            return value
        } catch {
            endQuery(probe, error)
            throw error
        }
    }

    private func beginQuery(_ name: String) -> (name: String, span: any Span, started: ContinuousClock.Instant) {
        (name, tracer.startSpan("ClientLedger.\(name)", ofKind: .internal), ContinuousClock.now)
    }

    private func endQuery(_ probe: (name: String, span: any Span, started: ContinuousClock.Instant), _ error: LedgerError?) {
        timer("clientledger_query_duration_seconds", [("query", probe.name)]).recordNanoseconds((ContinuousClock.now - probe.started).nanoseconds)
        if let error {
            probe.span.attributes["clientledger.error.code"] = error.code.rawValue
            probe.span.recordError(error)
            logger.debug("\(probe.name) failed: \(error.message)", metadata: ["clientledger.query": "\(probe.name)", "clientledger.error.code": "\(error.code)"])
        }
        probe.span.end()
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        cached(counters, label, dimensions) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        cached(timers, label, dimensions) { CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory) }
    }

    /// The metric of `label` and `dimensions` in `cache`, made by `make` the first time.
    private func cached<Metric>(_ cache: borrowing Mutex<[String: Metric]>, _ label: String, _ dimensions: [(String, String)],
                                _ make: () -> Metric) -> Metric {
        let key = ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1F}")
        return cache.withLock { metrics in
            if let existing = metrics[key] { return existing }
            let made = make()
            metrics[key] = made
            return made
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
