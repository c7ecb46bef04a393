import Foundation
import Testing

/// The `ledger` executable built beside the test binary (the test target depends on it).
func ledgerExecutable() throws -> String {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
    if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
    let path = directory.appendingPathComponent("ledger").path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw ToolTestError("the ledger tool is not built at \(path)") }
    return path
}

struct ToolTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a finished `ledger` process printed, and how it ended.
struct ToolRun {
    let status: Int32
    let stdout: String
    let stderr: String
    /// Whether the process was ended by a signal (a crash), not by exiting.
    var killedBySignal = false

    /// Standard output parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }

    func object() throws -> [String: Any] {
        guard let object = try json() as? [String: Any] else { throw ToolTestError("not a JSON object: \(stdout)") }
        return object
    }
}

/// A scratch directory, removed when the value goes away.
final class Scratch: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "ledger-tool-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func child(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Starts `ledger` with `arguments`; its output goes to files in `scratch` (no pipe can fill up).
/// It writes English (`CLIENTLEDGER_LOCALE=en-GB`) unless `environment` or the arguments choose
/// otherwise, whatever the machine's `LANG`.
/// With `asAnotherUser`, run as the unprivileged user `nobody` when the tests run as root (as
/// another user, files without permission for others stay closed to it; as root nothing is).
func startLedger(_ arguments: [String], in scratch: Scratch, stdin: String? = nil, asAnotherUser: Bool = false,
                 environment: [String: String] = [:]) throws -> (Process, stdout: String, stderr: String) {
    let process = Process()
    process.environment = ProcessInfo.processInfo.environment.merging(["CLIENTLEDGER_LOCALE": "en-GB"].merging(environment) { $1 }) { $1 }
    if asAnotherUser && getuid() == 0 {
        // A copy in the scratch directory: the build directory may lie where others cannot go.
        let copy = scratch.child("ledger-as-another-user")
        if !FileManager.default.fileExists(atPath: copy) {
            try FileManager.default.copyItem(atPath: try ledgerExecutable(), toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: try ledgerExecutable())
        process.arguments = arguments
    }
    let name = UUID().uuidString
    let out = scratch.child(name + ".out"), err = scratch.child(name + ".err")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    if let stdin {
        let input = scratch.child(name + ".in")
        _ = FileManager.default.createFile(atPath: input, contents: Data(stdin.utf8))
        process.standardInput = FileHandle(forReadingAtPath: input)
    }
    try process.run()
    return (process, out, err)
}

/// Runs `ledger` with `arguments` to its end.
@discardableResult
func ledger(_ arguments: String..., in scratch: Scratch, stdin: String? = nil, asAnotherUser: Bool = false) throws -> ToolRun {
    try ledger(arguments, in: scratch, stdin: stdin, asAnotherUser: asAnotherUser)
}

/// Runs `ledger` with `arguments` to its end.
@discardableResult
func ledger(_ arguments: [String], in scratch: Scratch, stdin: String? = nil, asAnotherUser: Bool = false,
            environment: [String: String] = [:]) throws -> ToolRun {
    let (process, out, err) = try startLedger(arguments, in: scratch, stdin: stdin, asAnotherUser: asAnotherUser, environment: environment)
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus,
                   // Byte for byte (reading as a file drops a UTF-8 byte order mark, which CSV has).
                   stdout: FileManager.default.contents(atPath: out).map { String(decoding: $0, as: UTF8.self) } ?? "",
                   stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
                   killedBySignal: process.terminationReason == .uncaughtSignal)
}

/// A scratch directory with the fixture salon (`Fixtures/salon.jsonl`) imported into `salon.ledger`.
func importedSalon() throws -> (scratch: Scratch, path: String) {
    let scratch = Scratch()
    let path = scratch.child("salon.ledger")
    try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
    return (scratch, path)
}

/// The path of a fixture file.
func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw ToolTestError("no fixture \(name)")
    }
    return url.path
}

/// Changes the first letter of every occurrence of `word` in the file at `path` to `replacement`,
/// bypassing the ledger (what someone with write access to the file can do); returns how many.
@discardableResult
func overwriteEveryOccurrence(of word: String, in path: String, firstLetterWith replacement: Character) throws -> Int {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let pattern = Array(word.utf8)
    var changed = 0, index = 0
    while index + pattern.count <= bytes.count {
        if bytes[index] == pattern[0], bytes[index..<index + pattern.count].elementsEqual(pattern) {
            bytes[index] = replacement.asciiValue ?? pattern[0]
            changed += 1
        }
        index += 1
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return changed
}
