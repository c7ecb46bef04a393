import Foundation
import Synchronization

/// How a long command shows how far it is, on standard error, in the command's language: a bar with the rate and the time left
/// on a terminal, a plain line a second otherwise; nothing with `--json` (a program reads the
/// output) unless standard error is a terminal.
final class ProgressReporter: Sendable {
    private struct State {
        var lastLine = Date.distantPast
        var started = Date()
        var label = ""
    }

    private let terminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    /// Tells that `done` of `total` (unknown: `nil`) units of `label` are done.
    func report(_ label: String, done: UInt64, total: UInt64?, unit: String = say(.eventsUnit)) {
        if let line = line(label, done: done, total: total, unit: unit) {
            standardError.write(terminal ? (line.hasPrefix("\r") ? line : "\r" + line) : line.trimmingCharacters(in: .newlines) + "\n")
        }
    }

    /// The line ``report(_:done:total:unit:)`` writes now, or `nil` if it writes none.
    func line(_ label: String, done: UInt64, total: UInt64?, unit: String = say(.eventsUnit)) -> String? {
        state.withLock { state -> String? in
            let now = Date()
            // The clock runs from the reporter's making (a first report may come after a long first
            // step), and again from each new label's first report.
            if state.label != label {
                if !state.label.isEmpty { state.started = now }
                state.label = label
            }
            let finished = total.map { done >= $0 } ?? false
            guard terminal || finished || now.timeIntervalSince(state.lastLine) >= 1 else { return nil }
            state.lastLine = now
            let seconds = now.timeIntervalSince(state.started)
            // A rate over less than a tenth of a second says nothing.
            guard seconds >= 0.1 || !finished else { return "\(label): \(done)/\(total ?? done) \(unit)" + (terminal ? "\u{1B}[K\n" : "") }
            let rate = Double(done) / max(seconds, 0.001)
            guard let total, total > 0 else { return "\(label): \(done) \(unit), \(Int(rate)) \(unit)/s" }
            let fraction = min(1, Double(done) / Double(total))
            let left = rate > 0 ? LedgerTool.seconds(Double(total - min(done, total)) / rate, digits: 1) + " " + say(.secondsLeft) : say(.timeLeftUnknown)
            guard terminal else { return "\(label): \(done)/\(total) \(unit), \(Int(rate)) \(unit)/s, \(left)" }
            let filled = Int(fraction * 30)
            return "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
                + "] \(Int(fraction * 100))% \(done)/\(total) \(Int(rate))/s \(left)\u{1B}[K" + (finished ? "\n" : "")
        }
    }
}
