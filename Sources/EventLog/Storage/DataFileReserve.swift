#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled space kept ahead of the last page of LMDB's data file, so that small durable commits
/// write inside the file instead of growing it.
///
/// **Why.** On ext4 (and other journaling file systems), an `fdatasync` after writes that extend a
/// file must also commit the file system's journal: the file's new size and blocks are metadata
/// that reading the data back needs. A commit of a few events adds a page or so at the end of the
/// data file, so without a reserve nearly every small commit pays for that journal commit too. One
/// appender's single-event commits (of about 100 bytes) add a page only every twenty commits or so,
/// so group commit, which should beat it by carrying many appends per sync, lost much of its lead.
/// Measured on the development machine (`docs/engine.md`): 16 concurrent single-event appenders
/// took 29.9 ms per 512 appends without a reserve and 24.8 ms with it (four interleaved pairs);
/// 64 MB of zeros written ahead once gave 24.2 ms. `fallocate` or a sparse `ftruncate` does not help:
/// filling unwritten extents or holes is a metadata change too. Only blocks that already hold
/// written data (zeros) are free of it.
///
/// **When.** Zeroing costs one more write of every byte the log will use. A commit that adds many
/// pages (a 1,000-event batch adds about 50) pays the journal commit once per commit anyway, and
/// writing its pages twice costs more than that saves. So the reserve is kept only while commits
/// grow the file by little: a running average below ``smallGrowth`` bytes per commit.
///
/// **Safety.** ``prepare(descriptor:used:pageSize:limit:)`` runs only inside a write transaction,
/// so LMDB's write lock is held and no other process can be extending the file. It writes only
/// beyond the file's current end, which no committed state refers to, and never beyond the map. A
/// failed or short write is ignored: the reserve only saves time, and LMDB's own writes report real
/// errors. The zeros become durable with the next commit's `fdatasync`. Readers of the file never
/// look past LMDB's last page.
package struct DataFileReserve {
    /// How much is zeroed at a time.
    package static let chunk = 1 << 20
    /// Refill when less than this is left ahead of the last page.
    package static let lowWater = 256 << 10
    /// Keep a reserve only while commits grow the file by less than this on average.
    package static let smallGrowth = 16 << 10

    /// The used size at the previous write transaction.
    private var lastUsed = -1
    /// Bytes by which each commit grew the used size, averaged with weight 1/8 for the newest. It
    /// starts at the limit, so that a reserve is made only once small commits have been seen.
    private var averageGrowth = DataFileReserve.smallGrowth
    /// The file's size as last seen or made; it only ever grows (LMDB never shortens its file).
    private var fileSize = -1

    package init() {}

    /// Called at the start of each write transaction, with the data file's `descriptor`, its `used`
    /// size (the bytes up to LMDB's last page) and the map size as `limit`: notes how much the
    /// previous commits grew the file and, if they are small and the zeros ahead run low, writes
    /// more, up to `chunk` bytes past `used` (whole pages of `pageSize`).
    package mutating func prepare(descriptor: Int32, used: Int, pageSize: Int, limit: Int) {
        if lastUsed >= 0 { averageGrowth += (max(0, used - lastUsed) - averageGrowth) / 8 }
        lastUsed = used
        guard averageGrowth < Self.smallGrowth, fileSize - used < Self.lowWater, pageSize > 0 else { return }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return }
        fileSize = Int(status.st_size)
        let end = min(used + Self.chunk, limit) / pageSize * pageSize
        guard end - fileSize >= Self.lowWater else { return }
        let zeros = [UInt8](repeating: 0, count: end - fileSize)
        var written = 0
        zeros.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            while written < bytes.count {
                let count = pwrite(descriptor, base + written, bytes.count - written, off_t(fileSize + written))
                guard count > 0 else { return }
                written += count
            }
        }
        fileSize += written
    }
}
