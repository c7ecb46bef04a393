import Foundation
import Testing
@testable import EventLog

/// The child writer built beside the test binary (the test target depends on it).
private func crashWriterPath() throws -> String {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
    // The test binary may sit inside a `.xctest` bundle directory on some platforms.
    if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
    let path = directory.appendingPathComponent("EventLogCrashWriter").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw EventLogError(.misuse, "the crash writer is not built at \(path)")
    }
    return path
}

/// Starts the child writer on the log at `logPath`, acknowledging its appends in `ackPath`.
private func startCrashWriter(logPath: String, ackPath: String) throws -> Process {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: try crashWriterPath())
    child.arguments = [logPath, ackPath]
    child.standardError = FileHandle.standardError
    try child.run()
    return child
}

@Suite("Another process", .serialized)
struct AnotherProcessTests {
    @Test("a handle kept open while another process appends: its next appends follow that process's, version for version")
    func appendAfterAnotherProcess() async throws {
        let directory = TemporaryDirectory()
        let logPath = directory.child("log")
        let ackPath = directory.child("acks")
        let log = try EventLog(path: logPath, options: .init(initialMapSize: 256 << 10, headsCheckpointInterval: 50))
        // This process's writer knows these streams (and their heads) before the other one appends.
        for stream in ["crash-0", "crash-1"] { try await log.append([event()], to: stream) }

        let child = try startCrashWriter(logPath: logPath, ackPath: ackPath)
        // Let it append past a few heads checkpoints (every 50 events), then stop it.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let acknowledged = (try? String(contentsOfFile: ackPath, encoding: .utf8)) ?? ""
            if acknowledged.split(separator: "\n").count >= 300 { break }
            usleep(10_000)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()

        for stream in ["crash-0", "crash-1", "crash-2", "fresh"] {
            // The version as a write transaction sees it. (Not from a read: the kill may have cut the
            // other process's last commit after its meta page and before LMDB's shared reader table
            // learned of it; readers then see the log one transaction behind until the next commit.)
            let (before, result) = try log.write { writer in
                let before = try writer.streamVersion(stream) ?? 0
                return (before, try writer.append([event()], to: stream, expecting: before == 0 ? .noStream : .exactly(before)))
            }
            #expect(stream == "fresh" || before > 1, "the other process did not append to \(stream)")
            #expect(result.streamVersion == before + 1)
            // A stale cache would have appended at an old version: the versions would repeat.
            #expect(try log.storedEvents(stream).map(\.streamVersion) == Array(1...before + 1))
            let next = try await log.append([event()], to: stream, expecting: .exactly(before + 1))
            #expect(next.streamVersion == before + 2)
        }
        #expect(try log.verify().isIntact)
    }
}

@Suite("Crash safety", .serialized)
struct CrashTests {
    /// How many times to kill the writer; `CRASH_TEST_ITERATIONS` raises it for a soak run.
    static let iterations = ProcessInfo.processInfo.environment["CRASH_TEST_ITERATIONS"].flatMap(Int.init) ?? 12

    @Test("SIGKILL at random moments: every acknowledged append survives, nothing half-written does, the chain verifies")
    func killWhileAppending() async throws {
        let directory = TemporaryDirectory()
        let logPath = directory.child("log")
        let ackPath = directory.child("acks")
        var generator = SystemRandomNumberGenerator()
        var totalAcknowledged = 0
        for iteration in 0..<Self.iterations {
            let child = try startCrashWriter(logPath: logPath, ackPath: ackPath)
            // Let it open the log and append for a random while, sometimes very short.
            let delay = iteration % 3 == 0 ? UInt64.random(in: 1_000...20_000, using: &generator) : UInt64.random(in: 20_000...250_000, using: &generator)
            usleep(UInt32(delay))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal, "the writer exited by itself: status \(child.terminationStatus)")

            // Reopen as a new process would (a fresh handle; the child's environment is gone).
            let log = try EventLog(path: logPath)
            let verification = try log.verify()
            #expect(verification.isIntact, "iteration \(iteration): \(verification.problem ?? "")")
            let acknowledged = (try? String(contentsOfFile: ackPath, encoding: .utf8)) ?? ""
            var byStream: [String: [UInt64: String]] = [:]
            try log.read { snapshot in
                for stream in ["crash-0", "crash-1", "crash-2", "crash-3"] {
                    guard try snapshot.streamVersion(stream) != nil else { continue }
                    var versions: [UInt64: String] = [:]
                    var expectedVersion: UInt64 = 1
                    try snapshot.forEachEvent(inStream: stream) { event in
                        #expect(event.streamVersion == expectedVersion)
                        expectedVersion += 1
                        versions[event.streamVersion] = event.id.description
                    }
                    byStream[stream] = versions
                }
            }
            var count = 0
            for line in acknowledged.split(separator: "\n") {
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count == 3, let version = UInt64(parts[1]) else {
                    // The kill may cut the last acknowledgement line itself; that append returned, but
                    // its line is partial, so there is nothing to check for it.
                    continue
                }
                count += 1
                #expect(byStream[parts[0]]?[version] == parts[2], "acknowledged \(line) is missing after the kill")
            }
            totalAcknowledged = count
        }
        // The test must have exercised something: appends were acknowledged before kills.
        #expect(totalAcknowledged > 0)
    }
}
