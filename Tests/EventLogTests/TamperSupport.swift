import Testing
@testable import EventLog

/// What an attacker with write access to the files can do, for the tests that prove the log shows it.
enum Tamper {
    /// Changes the record at `position` with `change`, then gives it and every record after it the
    /// hashes that their bytes and names now call for: a rewrite that leaves every link intact, which
    /// only the format's invariants (or an anchor) can show.
    static func rewrite(_ log: EventLog, position: UInt64, _ change: (inout [UInt8]) -> Void) throws {
        try log.core.environment.write { txn in
            let schema = log.core.schema
            var previous = ChainHash.genesis
            if position > 1, let before = try txn.get(schema.events, key: position - 1) {
                previous = ChainHash(loadingFrom: before.baseAddress! + before.count - 32)
            }
            let last = try txn.lastPosition(schema)
            for current in position...last {
                guard let stored = try txn.get(schema.events, key: current) else { break }
                var bytes = Array(stored)
                if current == position { change(&bytes) }
                let header = try bytes.withUnsafeBytes { try RecordHeader(position: current, bytes: $0) }
                let typeName = try txn.typeName(schema, code: header.typeCode) ?? ""
                let streamName = try txn.streamEntry(schema, number: header.streamNumber)?.name ?? ""
                let hash = try bytes.withUnsafeBytes {
                    try RecordHeader(position: current, bytes: $0).expectedHash(position: current, previous: previous, typeName: typeName, streamName: streamName)
                }
                bytes.replaceSubrange((bytes.count - 32)..., with: hash.bytes)
                try bytes.withUnsafeBytes { try txn.put(schema.events, key: current, value: $0) }
                previous = hash
            }
        }
    }

    /// Stores `name` for type code `code` in the `eventTypes` table.
    static func renameType(_ log: EventLog, code: UInt32, to name: String) throws {
        try log.core.environment.write { txn in
            var key = code.bigEndian
            try withUnsafeBytes(of: &key) { key in
                try Array(name.utf8).withUnsafeBytes { try txn.put(log.core.schema.eventTypes, key: key, value: $0) }
            }
        }
    }

    /// Swaps the names of streams `a` and `b` in both the `streams` table and the stream index.
    static func swapStreamNames(_ log: EventLog, _ a: String, _ b: String) throws {
        try log.core.environment.write { txn in
            let schema = log.core.schema
            guard let numberA = try txn.streamNumber(schema, name: a), let numberB = try txn.streamNumber(schema, name: b),
                  let entryA = try txn.streamEntry(schema, number: numberA), let entryB = try txn.streamEntry(schema, number: numberB) else {
                Issue.record("no streams \(a), \(b)")
                return
            }
            try txn.putStreamEntry(schema, number: numberA, head: entryA.head, name: b)
            try txn.putStreamEntry(schema, number: numberB, head: entryB.head, name: a)
            for (name, number) in [(a, numberB), (b, numberA)] {
                var value = number.littleEndian
                try Array(name.utf8).withUnsafeBytes { key in try withUnsafeBytes(of: &value) { try txn.put(schema.streamIndex, key: key, value: $0) } }
            }
        }
    }

    /// Sets `meta/headsCheckpoint` to `position`, without touching the `streams` table.
    static func moveCheckpoint(_ log: EventLog, to position: UInt64) throws {
        try log.core.environment.write { txn in
            var value = position.littleEndian
            try Schema.headsCheckpointKey.withUnsafeBytes { key in
                try withUnsafeBytes(of: &value) { try txn.put(log.core.schema.meta, key: key, value: $0) }
            }
        }
    }

    /// Deletes the record at `position`.
    static func delete(_ log: EventLog, position: UInt64) throws {
        try log.core.environment.write { txn in
            var key = position.bigEndian
            try withUnsafeBytes(of: &key) { _ = try txn.delete(log.core.schema.events, key: $0) }
        }
    }
}
