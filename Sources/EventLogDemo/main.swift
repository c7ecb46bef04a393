// A short tour of the EventLog engine: append to a few streams (concurrently, so group commit
// shows), read a stream back, follow the log, verify the hash chain, print the head hash.
//
//     swift run eventlog-demo [PATH]        (default: ./eventlog-demo.log)
import EventLog

let path = CommandLine.arguments.dropFirst().first ?? "eventlog-demo.log"

func payload(_ text: String) -> [UInt8] { Array(text.utf8) }

do {
    let log = try EventLog(path: path)
    let before = try log.lastPosition()
    print("Opened \(path): \(before) events so far.")

    // 1. One client stream, with optimistic concurrency.
    let client = "client-\(before / 3 + 1)"
    let registered = try await log.append(
        [NewEvent(type: "ClientRegistered", metadata: EventMetadata(actor: "front-desk"), payload: payload(#"{"name":"Ada"}"#))],
        to: client, expecting: .noStream)
    print("Appended ClientRegistered to \(client) at position \(registered.firstPosition), version \(registered.streamVersion).")

    do {
        try await log.append([NewEvent(type: "ClientRegistered", payload: payload("again"))], to: client, expecting: .noStream)
    } catch {
        print("A second registration is refused, and nothing is written: \(error.code).")
    }

    // 2. A lost reply, retried with the same event id: recorded once.
    let checkout = NewEvent(type: "CheckedOut", payload: payload(#"{"revenue":4500}"#))
    try await log.append([checkout], to: client, expecting: .exactly(1))
    let retry = try await log.append([checkout], to: client, expecting: .exactly(1))
    print("Retrying the same checkout returns its place (position \(retry.firstPosition)) without a duplicate: \(retry.wasAlreadyRecorded).")

    // 3. Sixteen tasks append at once; the group commit shares syncs among them.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<16 {
            group.addTask {
                try await log.append([NewEvent(type: "NoteAdded", payload: payload("note \(index)"))], to: "client-\(index % 4 + 1000)")
            }
        }
        try await group.waitForAll()
    }
    print("16 concurrent appends committed; the log now ends at position \(try log.lastPosition()).")

    // 4. Read one stream back, zero-copy inside the closure.
    try log.read { snapshot in
        try snapshot.forEachEvent(inStream: client) { event in
            print("  \(client) v\(event.streamVersion) @\(event.position) \(event.type) \(event.recordedAt) \(event.payload.count) bytes")
        }
    }

    // 5. A subscription catches up from a checkpoint.
    var seen = 0
    for try await event in log.subscribe(after: max(try log.lastPosition(), 5) - 5) {
        seen += 1
        if event.position == (try log.lastPosition()) { break }
    }
    print("A subscription from 5 events back delivered \(seen) events.")

    // 6. Verify the chain and print the head hash an accountant would write down.
    let verification = try log.verify()
    print("Hash chain: \(verification.isIntact ? "intact" : "BROKEN at \(verification.firstBrokenPosition ?? 0)") over \(verification.eventsChecked) events.")
    if let head = verification.head { print("Head hash: \(head)") }
} catch {
    print("eventlog-demo: \(error)")
    exit(1)
}

#if canImport(Glibc)
import Glibc
#endif
