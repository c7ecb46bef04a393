import COpenSSL
import EventLog
import Foundation

/// JSON Lines bytes cut into pieces that can be decoded apart, on two threads, and used in order:
/// an import reads its input twice this way (once to decide, once to record), holding a few pieces
/// at a time, never the whole input.
///
/// A piece is a range of about ``size`` bytes; it decodes the lines that *start* in its range,
/// reading past its end to finish its last one. Lines end in LF or CR LF; a UTF-8 byte order mark
/// before the first line is ignored; blank lines are counted and skipped. Line numbers are from 1,
/// as a reader counting line feeds from the start would number them.
struct InterchangePieces: Sendable {
    /// Where the bytes are.
    enum Bytes: Sendable {
        case memory([UInt8])
        case file(URL)
    }

    let bytes: Bytes
    /// How many bytes a piece covers.
    let size: Int

    init(_ bytes: Bytes, pieceSize: Int = 4 << 20) {
        self.bytes = bytes
        self.size = max(1, pieceSize)
    }

    /// What one piece decoded.
    struct Piece: Sendable {
        /// The events of its lines, each with its line's index among the lines the piece started (from 0).
        var events: [(event: LedgerEvent, line: Int)] = []
        /// How many lines start in the piece.
        var linesStarted = 0
        /// The first line that could not be decoded, its ``LedgerError/line`` the line's index
        /// among those the piece started; no event after it is decoded.
        var failure: LedgerError?
        /// The bytes of the piece's range, for a digest of the whole input (files only).
        var rangeBytes: [UInt8] = []
    }

    /// Calls `body` with every event and its line number, in order, decoding on the calling thread
    /// and one more. The first line that cannot be decoded is thrown (with its number) after the
    /// events before it. Returns the SHA-256 digest of a file's bytes (`nil` for bytes in memory,
    /// which cannot change between two reads).
    func forEachEvent(_ body: (LedgerEvent, Int) throws(LedgerError) -> Void) throws(LedgerError) -> [UInt8]? {
        let total: Int
        switch bytes {
        case .memory(let array):
            total = array.count
        case .file(let url):
            total = try Self.fileSize(url)
        }
        guard total > 0 else { return bytes.isFile ? Self.digest(of: []) : nil }
        let count = (total + size - 1) / size
        var context = SHA256_CTX()
        SHA256_Init(&context)
        var linesBefore = 0
        let pieces = self
        do {
            try inOrder(pieces: count, makeContext: { PieceReader(pieces.bytes, total: total) }, produce: { reader, index in
                try pieces.decode(index, total: total, reader: &reader)
            }, consume: { (piece: Piece) in
                if pieces.bytes.isFile { piece.rangeBytes.withUnsafeBytes { _ = SHA256_Update(&context, $0.baseAddress, $0.count) } }
                for (event, line) in piece.events { try body(event, linesBefore + line + 1) }
                if var failure = piece.failure {
                    failure.line = linesBefore + (failure.line ?? 0) + 1
                    throw failure
                }
                linesBefore += piece.linesStarted
            })
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storage, "reading the input failed: \(error)", cause: DescribedCause("\(error)"))
        }
        guard bytes.isFile else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        SHA256_Final(&digest, &context)
        return digest
    }

    private static func digest(of bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBytes { _ = SHA256($0.baseAddress, $0.count, &digest) }
        return digest
    }

    /// The size of the regular file at `url`, or the error that names it.
    private static func fileSize(_ url: URL) throws(LedgerError) -> Int {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            throw LedgerError(.storage, "cannot read \(url.path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw LedgerError(.storage, "cannot read \(url.path): it is not a regular file")
        }
        return Int(status.st_size)
    }

    /// Decodes piece `index` of an input of `total` bytes.
    private func decode(_ index: Int, total: Int, reader: inout PieceReader) throws(LedgerError) -> Piece {
        var piece = Piece()
        let start = index * size, end = min(total, start + size)
        // The byte before the range says whether a line starts at its first byte.
        let from = max(0, start - 1)
        var buffer = try reader.read(from, count: end - from)
        guard buffer.count == end - from else { throw reader.changed() }
        if bytes.isFile { piece.rangeBytes = Array(buffer[(start - from)...]) }
        var lineStart: Int
        if start == 0 {
            lineStart = 0 // a byte order mark is part of the first line's bytes, and dropped from them
        } else if buffer[0] == 0x0A {
            lineStart = 1
        } else {
            guard let feed = buffer[1...].firstIndex(of: 0x0A) else { return piece } // the range lies inside one line
            lineStart = feed + 1
        }
        // Lines that start in the range (offsets in `buffer` below `end - from`).
        while lineStart < end - from {
            var lineEnd = buffer[lineStart...].firstIndex(of: 0x0A)
            while lineEnd == nil, from + buffer.count < total {
                // The line goes on past the range: read on until it ends, searching the new bytes only.
                let searched = buffer.count
                let more = try reader.read(from + buffer.count, count: min(1 << 16, total - from - buffer.count))
                guard !more.isEmpty else { throw reader.changed() }
                buffer += more
                lineEnd = buffer[searched...].firstIndex(of: 0x0A)
            }
            let stop = lineEnd ?? buffer.count
            let line = piece.linesStarted
            piece.linesStarted += 1
            var text = buffer[lineStart..<stop]
            if from + lineStart == 0, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
            if text.last == 0x0D { text = text.dropLast() }
            if text.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                do {
                    piece.events.append((try InterchangeCodec.decode(utf8: text, lineNumber: line), line))
                } catch {
                    piece.failure = error
                    return piece
                }
            }
            lineStart = stop + 1
        }
        return piece
    }
}

extension InterchangePieces.Bytes {
    var isFile: Bool {
        if case .file = self { true } else { false }
    }
}

/// Reads ranges of the input for one thread: a file through a descriptor of its own.
private final class PieceReader {
    private let bytes: InterchangePieces.Bytes
    private let total: Int
    private var descriptor: Int32 = -1

    init(_ bytes: InterchangePieces.Bytes, total: Int) {
        self.bytes = bytes
        self.total = total
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the input.
    func read(_ offset: Int, count: Int) throws(LedgerError) -> [UInt8] {
        guard count > 0 else { return [] }
        switch bytes {
        case .memory(let array):
            return Array(array[min(offset, array.count)..<min(offset + count, array.count)])
        case .file(let url):
            if descriptor < 0 {
                descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw LedgerError(.storage, "cannot read \(url.path): \(String(cString: strerror(errno)))") }
            }
            var result = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let (read, failure) = result.withUnsafeMutableBytes { buffer -> (Int, Int32) in
                    guard let base = buffer.baseAddress else { return (0, 0) }
                    let read = pread(descriptor, base + done, count - done, off_t(offset + done))
                    return (read, read < 0 ? errno : 0)
                }
                if read < 0, failure == EINTR { continue }
                guard read >= 0 else { throw LedgerError(.storage, "cannot read \(url.path): \(String(cString: strerror(failure)))") }
                if read == 0 { break }
                done += read
            }
            result.removeLast(count - done)
            return result
        }
    }

    /// The error for an input that ended before the size it had when the import began.
    func changed() -> LedgerError {
        if case .file(let url) = bytes {
            return LedgerError(.storage, "\(url.path) changed while it was imported (it is shorter than \(total) bytes now); nothing was recorded")
        }
        return LedgerError(.storage, "the input changed while it was imported; nothing was recorded")
    }
}
