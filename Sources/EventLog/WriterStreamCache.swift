/// What the writer knows of one stream: its number and its head.
package struct WriterStream {
    package var number: UInt64
    package var version: UInt64
    package var lastPosition: UInt64
    /// The low 64 bits of the stream's last event id, or 0 if not known: enough to tell at once that
    /// an append is not a retry of the last one (the usual case); a match is confirmed from the record.
    package var lastIDLow: UInt64
    /// Whether the stream was appended to since the cache's checkpoint.
    package var touched: Bool

    package init(number: UInt64, head: StreamHead) {
        self.number = number
        version = head.version
        lastPosition = head.lastPosition
        lastIDLow = head.lastEventID?.low ?? 0
        touched = false
    }

    package var head: StreamHead { StreamHead(version: version, lastPosition: lastPosition) }

    /// Records an append that left the stream at `head`, its last event with id `lastID`.
    package mutating func appended(head: StreamHead, lastID: EventID) {
        version = head.version
        lastPosition = head.lastPosition
        lastIDLow = lastID.low
        touched = true
    }

    /// The placeholder of the table's empty slots.
    static let none = WriterStream(number: 0, head: .absent)
}

/// The writer's cache from stream name to stream number and head: **one** hash lookup per append.
///
/// Why: an append needs the stream's number (from its name) and its head (version, last position).
/// Two tables, name → number and number → head, cost two cache misses per append with 10,000
/// streams, and a third when the commit merged the transaction's heads into the shared table; at
/// about a microsecond of CPU per event, those misses were a fifth of a batched append. Here the
/// name's slot holds the number and the head (64 bytes), and an append updates it in place.
///
/// The cache describes one state of the log — checkpoint P and last position H — and only the
/// writer of this process uses it. ``LogCore`` keeps it between transactions; a transaction takes it
/// out at its start (a fresh one if the log is no longer at (P, H), because another process
/// appended), changes it as it appends, and the cache is put back only when the transaction commits.
/// A transaction that aborts drops it, with whatever it had changed. It never holds anything that
/// cannot be found again: a miss reads the number from the log's tables and the head from the
/// records after the checkpoint (``StreamHeadCache``) or from `streams`.
///
/// The heads checkpoint needs every stream appended to since P. When the cache has seen every
/// append since P (``isComplete``), those are its slots marked ``WriterStream/touched``; otherwise
/// the writer reads the records after P.
package struct WriterStreamCache {
    /// The streams, by name.
    package var table = NameTable<WriterStream>(placeholder: .none)
    /// The heads checkpoint of the state the cache describes.
    package private(set) var checkpoint: UInt64
    /// The last position of the state the cache describes.
    package private(set) var head: UInt64
    /// Whether every stream appended to since ``checkpoint`` is in the table, marked touched.
    package private(set) var isComplete: Bool
    /// Past this many streams a transaction starts with an empty cache, so that memory stays flat
    /// on logs with millions of streams: 131,072 slots of 64 bytes (8 MB) at most, give or take the
    /// streams of one transaction.
    package static let limit = 65_536

    /// An empty cache for the state (`checkpoint`, `head`).
    package init(checkpoint: UInt64, head: UInt64) {
        self.checkpoint = checkpoint
        self.head = head
        // Nothing was appended since the checkpoint, so an empty table has seen all of it.
        isComplete = head == checkpoint
    }

    /// This cache if it describes the state (`checkpoint`, `head`) and is not over the limit; else
    /// an empty one for that state.
    package static func reuse(_ cache: WriterStreamCache?, checkpoint: UInt64, head: UInt64) -> WriterStreamCache {
        if let cache, cache.checkpoint == checkpoint, cache.head == head, cache.table.count < limit { return cache }
        return WriterStreamCache(checkpoint: checkpoint, head: head)
    }

    /// Records that the transaction ends at `head`, having moved the checkpoint to `newCheckpoint`
    /// if set (every touched mark is then cleared: nothing was appended since it).
    package mutating func advance(to head: UInt64, checkpoint newCheckpoint: UInt64?) {
        if let newCheckpoint {
            table.forEach { _, stream in stream.touched = false }
            checkpoint = newCheckpoint
            isComplete = true
        }
        self.head = head
    }
}
