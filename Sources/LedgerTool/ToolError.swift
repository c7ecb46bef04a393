import ArgumentParser
import ClientLedger
import EventLog
import Foundation

/// A failure of a command: one sentence for stderr and the exit code that classifies it.
struct ToolError: Error {
    /// The documented exit codes (see `ledger --help`).
    enum Status: Int32 {
        /// The input or the ledger's rules refused the command.
        case refused = 1
        /// The hash chain does not verify.
        case tampered = 2
        /// The ledger cannot be opened, read or written.
        case unavailable = 3
    }

    let status: Status
    let message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Classifies an error of the library: a broken chain is `tampered`; storage, damage and
    /// key-store failures are `unavailable`; every rule and input error is `refused`. `prefix`, if
    /// given, is said first ("cannot open the ledger at …: …").
    init(_ error: LedgerError, prefix: String? = nil) {
        // "line 3, field points: redeeming 500 points exceeds the balance of 128"; the field is left
        // out where the message names it already.
        var place: [String] = []
        if let line = error.line { place.append("line \(line)") }
        if let field = error.field, !error.message.contains("field \(field)") { place.append("field \(field)") }
        var sentence = place.isEmpty ? error.message : place.joined(separator: ", ") + ": " + error.message
        if let prefix { sentence = prefix + ": " + sentence }
        if error.code == .damaged && !sentence.contains("backup") {
            sentence += ". Restore the ledger from a backup (ledger restore)"
        }
        switch error.code {
        case .brokenChain: self.init(.tampered, sentence)
        case .storage, .keyStore, .corruptPayload, .newerPayloadVersion, .damaged, .readOnly, .notALedger, .newerFormat:
            self.init(.unavailable, sentence)
        default: self.init(.refused, sentence)
        }
    }

    /// Classifies an error of the engine: a broken chain is `tampered`, a malformed anchor
    /// `refused`, anything else `unavailable`.
    init(_ error: EventLogError, prefix: String? = nil) {
        let sentence = prefix.map { $0 + ": " + error.message } ?? error.message
        switch error.code {
        case .brokenChain, .corruptRecord: self.init(.tampered, sentence)
        case .invalidHeadHash: self.init(.refused, sentence)
        default: self.init(.unavailable, sentence)
        }
    }
}

/// Runs a command's body in the locale `options` chose (the salon's time zone and currency follow
/// when the body opens the ledger): a ``ToolError`` or a library error is printed to stderr in one
/// sentence and becomes the process's exit code; a sentence about a damaged data file names the
/// ledger's path.
func reportingErrors(_ options: LedgerOptions, _ body: () async throws -> Void) async throws {
    let language = options.locale.language
    Presentation.current.withLock { $0.language = language }
    let ledger = options.ledger
    func naming(_ error: ToolError) -> ToolError {
        guard error.message.contains("the data file data.mdb") else { return error }
        return ToolError(error.status, error.message.replacingOccurrences(of: "the data file data.mdb", with: "the data file \(ledger)/data.mdb"))
    }
    do {
        try await body()
    } catch let error as ToolError {
        throw exit(naming(error))
    } catch let error as LedgerError {
        throw exit(naming(ToolError(error)))
    } catch let error as EventLogError {
        throw exit(naming(ToolError(error)))
    } catch let error as ExitCode {
        throw error
    } catch {
        throw exit(ToolError(.unavailable, "\(error)"))
    }
}

private func exit(_ error: ToolError) -> ExitCode {
    standardError.write("ledger: \(error.message)\n")
    return ExitCode(error.status.rawValue)
}

/// Standard error, unbuffered.
let standardError = StandardError()

/// Writes text to file descriptor 2.
struct StandardError: Sendable {
    func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
