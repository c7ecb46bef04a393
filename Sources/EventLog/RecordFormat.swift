/// The record envelope: how one event is laid out in the `events` database.
///
/// Format versions 1 and 2 share this layout (see `docs/log-format.md` for the normative
/// description); they differ in what the hash covers. Integers inside a record are little-endian;
/// the event id and the hash are byte strings.
///
/// ```
/// offset size  field
///  0      1    record format version (1)
///  1      1    flags: bit 0 correlation id present, bit 1 causation id present; others zero
///  2      1    actor length A (0…255)
///  3      1    reserved, zero
///  4      4    event type code (u32 LE), see the `eventTypes` database
///  8      8    stream number (u64 LE), see the `streams` database
/// 16      8    stream version (u64 LE, from 1)
/// 24      8    previous position of the same stream (u64 LE, 0 for its first event)
/// 32      8    recorded at: microseconds since the Unix epoch (i64 LE)
/// 40     16    event id
/// 56     16?   correlation id (if flag bit 0)
///  …     16?   causation id (if flag bit 1)
///  …      A    actor (UTF-8)
///  …      P    payload (all bytes up to the hash; at least one)
/// end-32 32    version 1: SHA-256(previous record's hash ‖ position u64 BE ‖ all bytes above)
///              version 2: the same, then ‖ u8 length ‖ type name ‖ u8 length ‖ stream name
/// ```
package enum RecordFormat {
    /// The record format this library writes; it reads every version from 1 on.
    package static let currentVersion: UInt8 = 2
    package static let fixedHeaderSize = 56
    package static let hashSize = 32
    package static let flagCorrelation: UInt8 = 1
    package static let flagCausation: UInt8 = 2
    package static let knownFlags: UInt8 = 3

    package enum Offset {
        static let version = 0
        static let flags = 1
        static let actorLength = 2
        static let reserved = 3
        static let typeCode = 4
        static let streamNumber = 8
        static let streamVersion = 16
        static let previousPosition = 24
        static let recordedAt = 32
        static let eventID = 40
    }

    /// The size of a record for `metadata` (already validated) and `payloadCount` bytes.
    @inline(__always)
    package static func size(metadata: EventMetadata, actorBytes: Int, payloadCount: Int) -> Int {
        fixedHeaderSize + (metadata.correlationID == nil ? 0 : 16) + (metadata.causationID == nil ? 0 : 16)
            + actorBytes + payloadCount + hashSize
    }

    /// Writes the record for `event` into `buffer` (exactly ``size(metadata:actorBytes:payloadCount:)``
    /// bytes) in the current format, and returns its chain hash, also written as the last 32 bytes;
    /// the hash covers the event's type name and `streamName` (the stream's name, UTF-8).
    ///
    /// `event` is read in place through its pointer, not passed by value, which would copy it (a
    /// retain and release of its payload and strings) for every record.
    @inline(__always)
    package static func encode(
        _ event: UnsafePointer<NewEvent>, typeCode: UInt32, streamNumber: UInt64, streamName: String,
        streamVersion: UInt64, previousPosition: UInt64, recordedAt: Timestamp, position: UInt64, previousHash: ChainHash,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> ChainHash {
        let base = buffer.baseAddress!
        var flags: UInt8 = 0
        if event.pointee.metadata.correlationID != nil { flags |= flagCorrelation }
        if event.pointee.metadata.causationID != nil { flags |= flagCausation }
        var offset = fixedHeaderSize
        base.storeBytes(of: currentVersion, toByteOffset: Offset.version, as: UInt8.self)
        base.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt8.self)
        base.storeBytes(of: 0, toByteOffset: Offset.reserved, as: UInt8.self)
        (base + Offset.typeCode).storeBytes(of: typeCode.littleEndian, as: UInt32.self)
        (base + Offset.streamNumber).storeBytes(of: streamNumber.littleEndian, as: UInt64.self)
        (base + Offset.streamVersion).storeBytes(of: streamVersion.littleEndian, as: UInt64.self)
        (base + Offset.previousPosition).storeBytes(of: previousPosition.littleEndian, as: UInt64.self)
        (base + Offset.recordedAt).storeBytes(of: recordedAt.microsecondsSinceEpoch.littleEndian, as: Int64.self)
        event.pointee.id.store(to: base + Offset.eventID)
        if let id = event.pointee.metadata.correlationID { id.store(to: base + offset); offset += 16 }
        if let id = event.pointee.metadata.causationID { id.store(to: base + offset); offset += 16 }
        var actorLength = 0
        if var actor = event.pointee.metadata.actor {
            actor.withUTF8 { utf8 in
                guard let source = utf8.baseAddress, !utf8.isEmpty else { return }
                (base + offset).copyMemory(from: source, byteCount: utf8.count)
                actorLength = utf8.count
            }
            offset += actorLength
        }
        base.storeBytes(of: UInt8(actorLength), toByteOffset: Offset.actorLength, as: UInt8.self)
        event.pointee.payload.withUnsafeBytes { payload in
            // Appends refuse empty payloads, so there is always a source; stay safe regardless.
            guard let source = payload.baseAddress else { return }
            (base + offset).copyMemory(from: source, byteCount: payload.count)
        }
        offset += event.pointee.payload.count
        let hash = ChainHash.link(previous: previousHash, position: position, body: UnsafeRawBufferPointer(start: base, count: offset),
                                  typeName: event.pointee.type, streamName: streamName)
        hash.store(to: base + offset)
        return hash
    }
}

/// The fixed header of a stored record, read without copying anything else.
package struct RecordHeader {
    package let bytes: UnsafeRawBufferPointer
    /// Offset of the payload in ``bytes``.
    package let payloadOffset: Int

    /// Checks the envelope's structure (not its hash) and reads its header. Throws
    /// ``EventLogError/Code/corruptRecord`` or ``EventLogError/Code/newerFormat`` naming `position`.
    @inline(__always)
    package init(position: UInt64, bytes: UnsafeRawBufferPointer) throws(EventLogError) {
        guard bytes.count >= RecordFormat.fixedHeaderSize + RecordFormat.hashSize + 1 else {
            throw EventLogError(.corruptRecord, "the record at position \(position) is \(bytes.count) bytes, shorter than any record", position: position)
        }
        let version = bytes[RecordFormat.Offset.version]
        guard version >= 1, version <= RecordFormat.currentVersion else {
            if version > RecordFormat.currentVersion {
                throw EventLogError(.newerFormat, "the record at position \(position) has format version \(version); this library reads up to \(RecordFormat.currentVersion)", position: position)
            }
            throw EventLogError(.corruptRecord, "the record at position \(position) has format version \(version), which no library wrote", position: position)
        }
        let flags = bytes[RecordFormat.Offset.flags]
        guard flags & ~RecordFormat.knownFlags == 0, bytes[RecordFormat.Offset.reserved] == 0 else {
            throw EventLogError(.corruptRecord, "the record at position \(position) has unknown flag bits", position: position)
        }
        let payloadOffset = RecordFormat.fixedHeaderSize + Int(flags & 1) * 16 + Int(flags >> 1 & 1) * 16
            + Int(bytes[RecordFormat.Offset.actorLength])
        guard payloadOffset + RecordFormat.hashSize < bytes.count else {
            throw EventLogError(.corruptRecord, "the record at position \(position) is too short for its metadata and a payload", position: position)
        }
        self.bytes = bytes
        self.payloadOffset = payloadOffset
    }

    @inline(__always) private func u64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The record's format version: 1 (the hash covers the record's bytes) or 2 (and its names).
    package var version: UInt8 { bytes[RecordFormat.Offset.version] }
    package var flags: UInt8 { bytes[RecordFormat.Offset.flags] }
    package var typeCode: UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: RecordFormat.Offset.typeCode, as: UInt32.self)) }
    package var streamNumber: UInt64 { u64(RecordFormat.Offset.streamNumber) }
    package var streamVersion: UInt64 { u64(RecordFormat.Offset.streamVersion) }
    package var previousPosition: UInt64 { u64(RecordFormat.Offset.previousPosition) }
    package var recordedAt: Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: RecordFormat.Offset.recordedAt, as: Int64.self)))
    }
    package var id: EventID { EventID(loadingFrom: bytes.baseAddress! + RecordFormat.Offset.eventID) }

    /// The correlation id, read without the rest of the metadata.
    package var correlationID: EventID? {
        guard flags & RecordFormat.flagCorrelation != 0 else { return nil }
        return EventID(loadingFrom: bytes.baseAddress! + RecordFormat.fixedHeaderSize)
    }

    /// The causation id, read without the rest of the metadata (no actor string is made).
    package var causationID: EventID? {
        guard flags & RecordFormat.flagCausation != 0 else { return nil }
        let offset = RecordFormat.fixedHeaderSize + (flags & RecordFormat.flagCorrelation != 0 ? 16 : 0)
        return EventID(loadingFrom: bytes.baseAddress! + offset)
    }

    package var metadata: EventMetadata {
        var offset = RecordFormat.fixedHeaderSize
        var metadata = EventMetadata()
        if flags & RecordFormat.flagCorrelation != 0 {
            metadata.correlationID = EventID(loadingFrom: bytes.baseAddress! + offset); offset += 16
        }
        if flags & RecordFormat.flagCausation != 0 {
            metadata.causationID = EventID(loadingFrom: bytes.baseAddress! + offset); offset += 16
        }
        let actorLength = Int(bytes[RecordFormat.Offset.actorLength])
        if actorLength > 0 {
            metadata.actor = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + actorLength]), as: UTF8.self)
        }
        return metadata
    }

    /// The bytes that the hash covers (everything but the trailing hash).
    package var body: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - RecordFormat.hashSize)])
    }
    /// Type code, metadata and payload: what a retried append must match to count as the same events.
    package var content: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[RecordFormat.fixedHeaderSize..<(bytes.count - RecordFormat.hashSize)])
    }
    package var payload: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[payloadOffset..<(bytes.count - RecordFormat.hashSize)])
    }
    package var storedHash: ChainHash {
        ChainHash(loadingFrom: bytes.baseAddress! + bytes.count - RecordFormat.hashSize)
    }

    /// The hash this record must store, at `position` after a record whose hash is `previous`, if its
    /// type code stands for `typeName` and its stream number for `streamName` (a format-1 record's
    /// hash does not cover them).
    @inline(__always)
    package func expectedHash(position: UInt64, previous: ChainHash, typeName: String, streamName: String) -> ChainHash {
        guard version >= 2 else { return ChainHash.link(previous: previous, position: position, body: body) }
        return ChainHash.link(previous: previous, position: position, body: body, typeName: typeName, streamName: streamName)
    }
}
