/// What the `projections` database says about one projection: which of its two databases (`a` or
/// `b`) serves queries, the version and checkpoint of each, and whether one is being rebuilt.
///
/// Value layout (little-endian): active slot (u8: 0 = a, 1 = b), building (u8: 0 none, 1 yes),
/// step owner (u16), active version (u32), active checkpoint (u64), building version (u32),
/// step lease (u32), building checkpoint (u64) — 32 bytes.
///
/// A rebuild step whose writes take several transactions (``LogCore/run(_:building:progress:)``)
/// marks the spare database as half-written between them: `building` 0 — so that a library that
/// does not know the mark starts the rebuild again rather than resume on top of it — with the
/// step's owner (a random number, never 0) and its lease (seconds since 1970, renewed by each
/// transaction of the step). Libraries before the mark wrote those bytes as zeros.
package struct ProjectionRecord: Hashable, Sendable {
    package var activeSlot: UInt8
    package var building: Bool
    package var activeVersion: UInt32
    package var activeCheckpoint: UInt64
    package var buildingVersion: UInt32
    package var buildingCheckpoint: UInt64
    /// The owner of a rebuild step whose writes are half done (0: none).
    package var stepOwner: UInt16 = 0
    /// When the owner of a half-written step last wrote, in seconds since 1970.
    package var stepLease: UInt32 = 0

    /// Whether a rebuild is under way: building, or between two transactions of a step.
    package var rebuilding: Bool { building || stepOwner != 0 }

    package static let size = 32

    package var buildingSlot: UInt8 { activeSlot ^ 1 }

    package init(activeSlot: UInt8, building: Bool, activeVersion: UInt32, activeCheckpoint: UInt64, buildingVersion: UInt32, buildingCheckpoint: UInt64) {
        self.activeSlot = activeSlot
        self.building = building
        self.activeVersion = activeVersion
        self.activeCheckpoint = activeCheckpoint
        self.buildingVersion = buildingVersion
        self.buildingCheckpoint = buildingCheckpoint
    }

    package init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.size, bytes[0] <= 1, bytes[1] <= 1 else { return nil }
        activeSlot = bytes[0]
        building = bytes[1] == 1
        stepOwner = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        stepLease = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
        activeVersion = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        activeCheckpoint = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        buildingVersion = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        buildingCheckpoint = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    package var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.size)
        out[0] = activeSlot
        out[1] = building ? 1 : 0
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: stepOwner.littleEndian, toByteOffset: 2, as: UInt16.self)
            raw.storeBytes(of: stepLease.littleEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: activeVersion.littleEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: activeCheckpoint.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: buildingVersion.littleEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: buildingCheckpoint.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }
}
