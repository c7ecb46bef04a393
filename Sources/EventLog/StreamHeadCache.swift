import Synchronization

/// The heads of the streams touched since the last checkpoint, shared by every snapshot of one
/// process (and consulted by the writer for streams its own cache does not know).
///
/// Why: a stream's head (version, last position) changes with every append. Keeping it in an LMDB
/// table would rewrite one page per stream touched in every commit; with many streams per commit
/// that costs more than the events themselves (measured: 165k instead of 464k events/s). Instead,
/// `streams` in the file is current only *as of* `meta/headsCheckpoint` (a position P), and the heads
/// that changed after P are kept here, in memory. Anyone can rebuild them by reading the records
/// after P (each record names its stream and version), which is what this cache does whenever it
/// falls behind: the writer does not update it (it keeps its own heads, see ``WriterStreamCache``),
/// so the first read after appends reads their records once. Every `checkpointInterval` events the
/// writer folds the heads into `streams` and moves P; the cache then starts again from P.
///
/// The cache is valid for one state of the log: checkpoint P and last position H. A snapshot with
/// the same (P, H) reads through it; a snapshot that is newer first brings it forward; a snapshot
/// that is older (a long read) builds a private overlay of its own.
package final class StreamHeadCache: Sendable {
    private struct State {
        var checkpoint: UInt64 = 0
        var head: UInt64 = 0
        var loaded = false
        var overlay = NumberTable<StreamHead>()
    }

    private let state = Mutex(State())

    package init() {}

    /// Reads the records after `from` through `to` and records each one's stream head.
    package static func scan(_ txn: LMDBTransaction, _ schema: Schema, after from: UInt64, through to: UInt64, into overlay: inout NumberTable<StreamHead>) throws {
        guard to > from else { return }
        try txn.withCursor(schema.events) { cursor in
            var entry = try cursor.seek(atOrAfter: from + 1)
            while let current = entry, let position = current.key.bigEndianUInt64, position <= to {
                let header = try RecordHeader(position: position, bytes: current.value)
                overlay.set(StreamHead(version: header.streamVersion, lastPosition: position, lastEventID: header.id), for: header.streamNumber)
                entry = try cursor.next()
            }
        }
    }

    /// Brings the cache to the state of `txn` (checkpoint `checkpoint`, last position `head`) and runs
    /// `body` with the overlay for that state; runs `body` with `nil` if the cache is already newer.
    package func withOverlay<T>(
        _ txn: LMDBTransaction, _ schema: Schema, checkpoint: UInt64, head: UInt64,
        _ body: (NumberTable<StreamHead>?) throws -> T
    ) throws -> T {
        try state.withLock { state in
            if !state.loaded || state.checkpoint < checkpoint {
                state.overlay = NumberTable()
                try Self.scan(txn, schema, after: checkpoint, through: head, into: &state.overlay)
                state.checkpoint = checkpoint
                state.head = head
                state.loaded = true
            } else if state.checkpoint == checkpoint && state.head < head {
                try Self.scan(txn, schema, after: state.head, through: head, into: &state.overlay)
                state.head = head
            }
            guard state.checkpoint == checkpoint && state.head == head else { return try body(nil) }
            return try body(state.overlay)
        }
    }
}

/// Names that never change once written (type codes, stream numbers), cached both ways for the
/// writer and every snapshot. A cache for names that can be many (streams: one per client) is
/// bounded: when it holds `limit` names it starts again empty, so memory stays flat on logs with
/// millions of streams and the cache still serves the streams in use.
package final class NameCache<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    private struct Maps {
        var names = NumberTable<String>()
        var keys = NameTable<Key>()
    }

    private let maps = Mutex(Maps())
    private let limit: Int

    package init(limit: Int = .max) {
        self.limit = limit
    }

    package func name(_ key: Key) -> String? { maps.withLock { $0.names[UInt64(key)] } }
    package func key(_ name: String) -> Key? { maps.withLock { $0.keys[name] } }

    /// Remembers `name` for `key`, and with `reverse` also `key` for `name` (what the writer looks
    /// up). Readers pass `reverse: false`: a rebuild over a million streams would otherwise hash
    /// every name twice for a map only the writer uses.
    package func insert(_ key: Key, _ name: String, reverse: Bool = true) {
        maps.withLock { maps in
            if maps.names.count >= limit || maps.keys.count >= limit {
                maps = Maps()
                // Refilled to the limit again soon on a log with more streams than that: skip the regrowths.
                maps.names.reserveCapacity(min(limit, 1 << 17))
            }
            maps.names.set(name, for: UInt64(key))
            if reverse { maps.keys.set(key, for: name) }
        }
    }
}
