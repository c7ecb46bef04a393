/// What the `projections` database says about one projection: which of its two databases (`a` or
/// `b`) serves queries, the version and checkpoint of each, and whether one is being rebuilt.
///
/// Value layout (little-endian): active slot (u8: 0 = a, 1 = b), building (u8: 0 none, 1 yes),
/// 2 reserved bytes, active version (u32), active checkpoint (u64), building version (u32),
/// 4 reserved bytes, building checkpoint (u64) — 32 bytes.
package struct ProjectionRecord: Hashable, Sendable {
    package var activeSlot: UInt8
    package var building: Bool
    package var activeVersion: UInt32
    package var activeCheckpoint: UInt64
    package var buildingVersion: UInt32
    package var buildingCheckpoint: UInt64

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
            raw.storeBytes(of: activeVersion.littleEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: activeCheckpoint.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: buildingVersion.littleEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: buildingCheckpoint.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }
}
