import CLMDB

/// The named LMDB databases of a log and the keys of its `meta` database.
///
/// See `docs/log-format.md`. Every key that orders (positions, stream numbers, type codes) is stored
/// big-endian so LMDB's byte-wise order is numeric order.
package struct Schema: Sendable {
    /// The log format version this library writes in `meta/format`: 2, whose records' hashes cover
    /// their type and stream names. It reads every version from ``oldestFormatVersion`` on.
    package static let formatVersion: UInt32 = 2
    /// The first log format version: 1.
    package static let oldestFormatVersion: UInt32 = 1

    package static let metaName = "meta"
    package static let eventsName = "events"
    package static let streamIndexName = "streamIndex"
    package static let streamsName = "streams"
    package static let eventTypesName = "eventTypes"
    package static let projectionsName = "projections"

    /// The name of slot `slot` (0 = `a`, 1 = `b`) of projection `name`'s state.
    package static func projectionSlotName(_ name: String, slot: UInt8) -> String {
        "projection/\(name)/\(slot == 0 ? "a" : "b")"
    }

    /// `meta` key of the log format version (u32 LE).
    package static let formatKey = Array("format".utf8)
    /// `meta` key of the position through which `streams` holds every stream's head (u64 LE).
    package static let headsCheckpointKey = Array("headsCheckpoint".utf8)

    /// `meta`: format version and checkpoint.
    package let meta: LMDBDatabase
    /// `events`: position (u64 BE) → record.
    package let events: LMDBDatabase
    /// `streamIndex`: stream name (UTF-8) → stream number (u64 LE).
    package let streamIndex: LMDBDatabase
    /// `streams`: stream number (u64 BE) → version (u64 LE), last position (u64 LE), name (UTF-8),
    /// current as of `meta/headsCheckpoint`.
    package let streams: LMDBDatabase
    /// `eventTypes`: type code (u32 BE) → type name (UTF-8).
    package let eventTypes: LMDBDatabase
    /// `projections`: projection name (UTF-8) → ``ProjectionRecord`` (derived data, not the log);
    /// `nil` only in a log opened read-only that never had a projection.
    package let projections: LMDBDatabase?

    /// Writes `version` as the log's format version, in `txn`.
    package func writeFormat(_ version: UInt32, in txn: LMDBTransaction) throws {
        var value = version.littleEndian
        try Schema.formatKey.withUnsafeBytes { key in
            try withUnsafeBytes(of: &value) { try txn.put(meta, key: key, value: $0) }
        }
    }
}

/// A stream's version and the position of its last event (and, when known without a read, that
/// event's id, which spares the retry check of an `.any` append a record lookup).
package struct StreamHead: Hashable, Sendable {
    package var version: UInt64
    package var lastPosition: UInt64
    package var lastEventID: EventID?

    package init(version: UInt64, lastPosition: UInt64, lastEventID: EventID? = nil) {
        self.version = version
        self.lastPosition = lastPosition
        self.lastEventID = lastEventID
    }

    package static let absent = StreamHead(version: 0, lastPosition: 0)
}

extension LMDBTransaction {
    /// The position through which `streams` is current (0 for a new log).
    package func headsCheckpoint(_ schema: Schema) throws -> UInt64 {
        try Schema.headsCheckpointKey.withUnsafeBytes { key in
            guard let value = try get(schema.meta, key: key), value.count == 8 else { return 0 }
            return UInt64(littleEndian: value.loadUnaligned(as: UInt64.self))
        }
    }

    /// The last position of the log (0 for an empty log).
    package func lastPosition(_ schema: Schema) throws -> UInt64 {
        try withCursor(schema.events) { cursor in
            guard let entry = try cursor.last() else { return 0 }
            guard let position = entry.key.bigEndianUInt64 else {
                throw EventLogError(.corruptRecord, "the events database holds a key of \(entry.key.count) bytes; keys are 8-byte positions")
            }
            return position
        }
    }

    /// The highest stream number given (0 for none): the next new stream gets the one after.
    package func lastStreamNumber(_ schema: Schema) throws -> UInt64 {
        try withCursor(schema.streams) { cursor in try cursor.last()?.key.bigEndianUInt64 ?? 0 }
    }

    /// The highest event type code given (0 for none): the next new type gets the one after.
    package func lastTypeCode(_ schema: Schema) throws -> UInt32 {
        try withCursor(schema.eventTypes) { cursor -> UInt32 in
            guard let key = try cursor.last()?.key, key.count == 4 else { return 0 }
            return UInt32(bigEndian: key.loadUnaligned(as: UInt32.self))
        }
    }

    /// The stream number of `name`, or `nil` if no stream has that name.
    package func streamNumber(_ schema: Schema, name: String) throws -> UInt64? {
        var utf8Name = name
        return try utf8Name.withUTF8 { utf8 in
            guard let value = try get(schema.streamIndex, key: UnsafeRawBufferPointer(utf8)) else { return nil }
            guard value.count == 8 else { throw EventLogError(.corruptRecord, "the stream index entry for \(name) is damaged", stream: name) }
            return UInt64(littleEndian: value.loadUnaligned(as: UInt64.self))
        }
    }

    /// The `streams` entry of stream `number`: its head as of the checkpoint, and its name.
    package func streamEntry(_ schema: Schema, number: UInt64) throws -> (head: StreamHead, name: String)? {
        guard let value = try get(schema.streams, key: number) else { return nil }
        guard value.count >= 16 else { throw EventLogError(.corruptRecord, "the streams entry of stream number \(number) is damaged") }
        let head = StreamHead(version: UInt64(littleEndian: value.loadUnaligned(as: UInt64.self)),
                              lastPosition: UInt64(littleEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        return (head, String(decoding: UnsafeRawBufferPointer(rebasing: value[16...]), as: UTF8.self))
    }

    /// Writes the `streams` entry of stream `number`.
    package func putStreamEntry(_ schema: Schema, number: UInt64, head: StreamHead, name: String) throws {
        var buffer = [UInt8]()
        buffer.reserveCapacity(16 + name.utf8.count)
        withUnsafeBytes(of: head.version.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: head.lastPosition.littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: name.utf8)
        try buffer.withUnsafeBytes { try put(schema.streams, key: number, value: $0) }
    }
}
