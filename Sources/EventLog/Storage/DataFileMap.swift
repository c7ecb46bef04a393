import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where LMDB maps the data file into this process, and how long the file is: every key and value
/// LMDB hands out from the map must lie inside the file before anything reads it.
///
/// **Why.** Debian's LMDB 0.9.24 does not check the pages it reads. A damaged page can give a value
/// whose size runs past the end of the file: reading it (hashing a record, copying a payload) would
/// end the process with `SIGBUS`, or with `SIGSEGV` past the end of the map. LMDB's own page walks
/// are guarded separately (`CLMDBGuard`); this checks what LMDB returns, once, where it is returned
/// (``LMDBTransaction``, ``LMDBCursor``), so that everything above may read a value's bytes freely.
///
/// A value that lies outside the map altogether is one of a write transaction's own dirty pages, in
/// memory LMDB allocated: it is not checked. The map is found in `/proc/self/maps` (LMDB does not
/// say where it is), once after it was opened and again after this process moves it (a new map
/// size); where that is not possible (not Linux) nothing is checked.
///
/// It also knows the map's address ranges for ``LMDBEnvironment/releaseMappedPages(above:)``.
package final class DataFileMap: Sendable {
    private let descriptor: Int32
    /// The map's start address; 0 while unknown (then nothing is checked).
    private let base = Atomic<UInt>(0)
    /// The map's length in bytes, as found with ``base``.
    private let length = Atomic<UInt>(0)
    /// The data file's length as last read; a value that seems to run past it reads it again first.
    private let fileSizeValue = Atomic<Int>(0)
    /// The map's address ranges as last found, and the map size they were found at.
    private let ranges = Mutex<(mapSize: Int, ranges: [MappedRange])?>(nil)

    /// `descriptor` is the data file's (LMDB's own; only `fstat` is used on it).
    package init(descriptor: Int32) {
        self.descriptor = descriptor
        refreshFileSize()
    }

    /// Finds the map again after it was (re)made at `mapSize`. Call with no transaction of this
    /// process open (the map cannot move meanwhile), or right after opening.
    package func locate(mapSize: Int) {
        let found = addressRanges(mapSize: mapSize)
        // The mapping at file offset 0 is the map's start; LMDB maps the whole file in one piece.
        if let first = found.first(where: { $0.offset == 0 }), found.reduce(0, { $0 + $1.length }) == mapSize {
            length.store(UInt(mapSize), ordering: .relaxed)
            base.store(first.start, ordering: .relaxed)
        } else {
            base.store(0, ordering: .relaxed)
        }
        refreshFileSize()
    }

    /// Whether `count` bytes at `start` may be read: inside the file if they are in the map at all.
    @inline(__always)
    package func isReadable(_ start: UnsafeRawPointer?, count: Int) -> Bool {
        let address = UInt(bitPattern: start)
        let mapStart = base.load(ordering: .relaxed)
        let offset = address &- mapStart
        guard mapStart != 0, offset < length.load(ordering: .relaxed) else { return true }
        if count <= fileSizeValue.load(ordering: .relaxed) &- Int(offset) { return true }
        // The file may have grown (another process committed) since its size was read.
        refreshFileSize()
        return count >= 0 && count <= fileSizeValue.load(ordering: .relaxed) &- Int(offset)
    }

    /// The data file's length, read now.
    package var fileSize: Int {
        refreshFileSize()
        return fileSizeValue.load(ordering: .relaxed)
    }

    private func refreshFileSize() {
        var status = stat()
        if fstat(descriptor, &status) == 0 { fileSizeValue.store(Int(status.st_size), ordering: .relaxed) }
    }

    /// The address ranges that map the data file, for a map of `mapSize` bytes: remembered once
    /// they account for the whole map (`/proc/self/maps` is not read atomically, and a line can be
    /// missed while other threads map and unmap memory).
    package func addressRanges(mapSize: Int) -> [MappedRange] {
        ranges.withLock { known -> [MappedRange] in
            if let known, known.mapSize == mapSize { return known.ranges }
            let found = findMappedRanges()
            if found.reduce(0, { $0 + $1.length }) == mapSize { known = (mapSize, found) }
            return found
        }
    }

    #if os(Linux)
    /// The address ranges that map the data file, from `/proc/self/maps`.
    private func findMappedRanges() -> [MappedRange] {
        var status = stat()
        guard fstat(descriptor, &status) == 0, let maps = Self.readToEnd("/proc/self/maps") else { return [] }
        // Linux's dev_t: the major number in bits 8–19 and 32–63, the minor in bits 0–7 and 12–31.
        let dev = UInt64(status.st_dev)
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
        let minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
        let device = String(major, radix: 16).leftPadded(to: 2) + ":" + String(minor, radix: 16).leftPadded(to: 2)
        var ranges: [MappedRange] = []
        for line in maps.split(separator: "\n") {
            // start-end perms offset major:minor inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[3] == device, UInt64(fields[4]) == UInt64(status.st_ino) else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let lower = UInt(bounds[0], radix: 16), let upper = UInt(bounds[1], radix: 16), upper > lower,
                  let offset = UInt64(fields[2], radix: 16) else { continue }
            ranges.append(MappedRange(start: lower, length: Int(upper - lower), offset: offset))
        }
        return ranges
    }

    /// The whole of a file whose size the kernel reports as 0 (a `/proc` file), read until end of
    /// file: reading only as much as the reported size, or one buffer, would miss what follows.
    package static func readToEnd(_ path: String) -> String? {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { Glibc.close(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(file, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[0..<count]
        }
    }
    #else
    private func findMappedRanges() -> [MappedRange] { [] }
    #endif
}

/// Addresses of a mapping of the data file.
package struct MappedRange: Sendable {
    let start: UInt
    let length: Int
    /// Where in the file the mapping starts.
    let offset: UInt64
}

private extension String {
    /// The string with zeros in front, up to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
