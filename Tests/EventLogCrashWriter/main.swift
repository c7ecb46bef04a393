// Child process for the crash tests: appends until it is killed.
//
//     EventLogCrashWriter LOG_PATH ACK_FILE
//
// Four tasks append concurrently (so group commit is exercised), each to its own stream, batches of
// one to three events. After an append returns, the task writes `stream version eventID` lines for
// its events to ACK_FILE with a plain write(2): a line in that file means the append had returned,
// so the parent may demand that those events survive a SIGKILL.
import EventLog
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: EventLogCrashWriter LOG_PATH ACK_FILE\n".utf8))
    exit(2)
}
let ackFile = open(arguments[2], O_WRONLY | O_CREAT | O_APPEND, 0o644)
guard ackFile >= 0 else { exit(3) }
let log: EventLog
do {
    log = try EventLog(path: arguments[1], options: .init(initialMapSize: 256 << 10, headsCheckpointInterval: 50))
} catch {
    FileHandle.standardError.write(Data("open failed: \(error)\n".utf8))
    exit(4)
}

await withTaskGroup(of: Void.self) { group in
    for task in 0..<4 {
        group.addTask {
            let stream = "crash-\(task)"
            var version = (try? log.read { try $0.streamVersion(stream) }) ?? 0
            var counter = 0
            while true {
                counter += 1
                let count = counter % 3 + 1
                let events = (0..<count).map { index in
                    NewEvent(type: "Tick", payload: Array(repeating: UInt8(truncatingIfNeeded: counter + index), count: 64 + (counter * 37 % 900)))
                }
                do {
                    let result = try await log.append(events, to: stream, expecting: .exactly(version))
                    var lines = ""
                    for (index, event) in events.enumerated() {
                        lines += "\(stream) \(result.streamVersion - UInt64(count - 1 - index)) \(event.id)\n"
                    }
                    _ = lines.withCString { write(ackFile, $0, strlen($0)) }
                    version = result.streamVersion
                } catch {
                    FileHandle.standardError.write(Data("append failed: \(error)\n".utf8))
                    exit(5)
                }
            }
        }
    }
}
