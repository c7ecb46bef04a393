import CLibPQ
import EventLog
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used from one thread at a time: ``PostgresLog`` uses it only under its
/// lock, which is what makes the unchecked `Sendable` true.
///
/// Every statement goes with its parameters and results in PostgreSQL's **binary** format, so no
/// value is ever spliced into SQL text and bytes arrive exactly as stored. Failures become
/// ``EventLogError`` values with code ``EventLogError/Code/storage`` carrying the server's message
/// and SQLSTATE; nothing here traps on what the server or the network does.
package final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// The SQLSTATE of the last statement that failed (empty: an error libpq made itself).
    private var lastState = ""

    /// Connects with a libpq connection string (`host=… dbname=…`) or URL (`postgresql://…`).
    package init(_ conninfo: String) throws(EventLogError) {
        guard let connection = PQconnectdb(conninfo) else {
            throw EventLogError(.storage, "cannot connect to PostgreSQL: libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            PQfinish(connection)
            throw EventLogError(.storage, "cannot connect to PostgreSQL: \(message)")
        }
        self.connection = connection
        // Notices (such as "relation already exists, skipping") are the server's chatter, not ours to print.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    /// A parameter or result value in PostgreSQL's binary format.
    package enum Value {
        case int32(Int32)
        case int64(Int64)
        case bytes([UInt8])
        case text(String)

        /// The binary form and its type's OID (`int4`, `int8`, `bytea`, `text`).
        var encoded: (bytes: [UInt8], type: Oid) {
            switch self {
            case .int32(let value): (withUnsafeBytes(of: value.bigEndian) { Array($0) }, 23)
            case .int64(let value): (withUnsafeBytes(of: value.bigEndian) { Array($0) }, 20)
            case .bytes(let value): (value, 17)
            case .text(let value): (Array(value.utf8), 25)
            }
        }
    }

    /// The rows a statement returned, in binary format; freed when it goes.
    package final class Rows {
        fileprivate let result: OpaquePointer
        fileprivate init(_ result: OpaquePointer) { self.result = result }
        deinit { PQclear(result) }

        /// How many rows.
        package var count: Int { Int(PQntuples(result)) }

        /// Whether the value at `row`, `column` is SQL NULL.
        package func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) != 0 }

        /// The raw bytes of the value at `row`, `column` (empty for NULL), valid while `self` lives.
        package func withBytes<T>(_ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            let count = Int(PQgetlength(result, Int32(row), Int32(column)))
            guard let value = PQgetvalue(result, Int32(row), Int32(column)) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return try body(UnsafeRawBufferPointer(start: value, count: count))
        }

        /// The bytes of the value at `row`, `column`.
        package func bytes(_ row: Int, _ column: Int) -> [UInt8] { withBytes(row, column) { Array($0) } }

        /// The `bigint` at `row`, `column`; `nil` for NULL or a value of another size.
        package func int64(_ row: Int, _ column: Int) -> Int64? {
            withBytes(row, column) { bytes in
                guard !isNull(row, column), bytes.count == 8 else { return nil }
                return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
            }
        }

        /// The `integer` at `row`, `column`; `nil` for NULL or a value of another size.
        package func int32(_ row: Int, _ column: Int) -> Int32? {
            withBytes(row, column) { bytes in
                guard !isNull(row, column), bytes.count == 4 else { return nil }
                return Int32(bigEndian: bytes.loadUnaligned(as: Int32.self))
            }
        }
    }

    /// Runs one statement with `parameters` (`$1`, `$2`, …), returning its rows (none for a
    /// command). `what` names the step in an error's message.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [Value] = [], _ what: @autoclosure () -> String) throws(EventLogError) -> Rows {
        let encoded = parameters.map(\.encoded)
        let types = encoded.map(\.type)
        let lengths = encoded.map { Int32($0.bytes.count) }
        let formats = [Int32](repeating: 1, count: encoded.count)
        // The values stay alive, unmoved, while libpq reads them.
        let buffers = encoded.map { value -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(value.bytes.count, 1))
            value.bytes.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count) }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        let values: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
        return try retryingOutsideTransactions(what()) { () throws(EventLogError) in
            try check(PQexecParams(connection, sql, Int32(encoded.count), types, values, lengths, formats, 1), what())
        }
    }

    /// Runs `sql` (several statements are allowed), with no parameters and no rows.
    package func run(_ sql: String, _ what: @autoclosure () -> String) throws(EventLogError) {
        try retryingOutsideTransactions(what()) { () throws(EventLogError) in try check(PQexec(connection, sql), what()) }
    }

    /// Runs `statement`, first making the connection again if it was lost. A statement that finds
    /// the connection lost outside a transaction (the first of a transaction, or one on its own)
    /// is run once more on a new connection: nothing of it can have happened. Inside a transaction
    /// the loss is the caller's error: the transaction is gone.
    @discardableResult
    private func retryingOutsideTransactions(_ what: @autoclosure () -> String, _ statement: () throws(EventLogError) -> Rows) throws(EventLogError) -> Rows {
        try reconnectIfLost()
        let idle = PQtransactionStatus(connection) == PQTRANS_IDLE
        do {
            return try statement()
        } catch {
            // libpq may report a lost connection as a failed statement and still call the
            // connection good: an error it made itself (no SQLSTATE), or the server's "connection
            // exception" or "operator intervention" (a shutdown), means the connection is gone.
            let lost = PQstatus(connection) == CONNECTION_BAD || lastState.isEmpty || lastState.hasPrefix("08") || lastState.hasPrefix("57P")
            guard idle, lost else { throw error }
            PQreset(connection)
            guard PQstatus(connection) == CONNECTION_OK else { throw error }
            return try statement()
        }
    }

    /// A connection that was lost (the server restarted, a failover, the network) is made again
    /// before the next statement; the statement that met the loss failed with its error, and a
    /// transaction it was in is gone.
    private func reconnectIfLost() throws(EventLogError) {
        guard PQstatus(connection) == CONNECTION_BAD else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw EventLogError(.storage, "the connection to PostgreSQL was lost and cannot be made again: \(Self.text(PQerrorMessage(connection)))")
        }
    }

    /// Waits up to `timeout` seconds for a notification on a channel this connection listens to
    /// (`LISTEN`), and returns the payloads of those that arrived; empty on a timeout. Throws if the
    /// connection is lost (it is made again at the next statement).
    package func notifications(waitingUpTo timeout: Double) throws(EventLogError) -> [String] {
        var payloads = drainNotifications()
        guard payloads.isEmpty else { return payloads }
        let socket = PQsocket(connection)
        guard socket >= 0 else { throw EventLogError(.storage, "the connection to PostgreSQL is not open") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, timeout * 1000)))
        guard ready > 0 else { return [] }
        guard PQconsumeInput(connection) == 1 else {
            throw EventLogError(.storage, "the connection to PostgreSQL was lost: \(Self.text(PQerrorMessage(connection)))")
        }
        payloads = drainNotifications()
        return payloads
    }

    private func drainNotifications() -> [String] {
        var payloads: [String] = []
        while let notification = PQnotifies(connection) {
            payloads.append(String(cString: notification.pointee.extra))
            PQfreemem(notification)
        }
        return payloads
    }

    /// Runs `body` in a transaction (`begin` starts it) about `what`: committed if `body` returns,
    /// rolled back if it throws.
    package func transaction<T>(_ what: @autoclosure () -> String, begin: String = "BEGIN", _ body: () throws(EventLogError) -> T) throws(EventLogError) -> T {
        try run(begin, "starting a transaction for \(what())")
        let value: T
        do throws(EventLogError) {
            value = try body()
        } catch {
            try? run("ROLLBACK", "rolling back")
            throw error
        }
        try run("COMMIT", "committing \(what())")
        return value
    }

    /// Copies `rows` into `table`'s `columns` with `COPY … FROM STDIN (FORMAT binary)`: the fast way
    /// to insert many rows in the current transaction.
    package func copy(into table: String, columns: [String], rows: BinaryCopy) throws(EventLogError) {
        try check(PQexec(connection, "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"),
                  "starting to copy into \(table)", expecting: PGRES_COPY_IN)
        let sent = rows.finished().withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return 1 }
            return PQputCopyData(connection, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        }
        guard sent == 1, PQputCopyEnd(connection, nil) == 1 else {
            throw EventLogError(.storage, "copying into \(table) failed: \(Self.text(PQerrorMessage(connection)))")
        }
        // The outcome, then the end of the results.
        var failure: EventLogError?
        while let result = PQgetResult(connection) {
            do throws(EventLogError) { try check(result, "copying into \(table)") } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    @discardableResult
    private func check(_ result: OpaquePointer?, _ what: String, expecting expected: ExecStatusType? = nil) throws(EventLogError) -> Rows {
        guard let result else {
            lastState = ""
            throw EventLogError(.storage, "\(what) failed: \(Self.text(PQerrorMessage(connection)))")
        }
        let rows = Rows(result)
        let status = PQresultStatus(result)
        let fine = expected.map { status == $0 } ?? (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        guard fine else {
            let state = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "C"))))
            lastState = state
            let message = Self.text(PQresultErrorMessage(result))
            throw EventLogError(.storage, "\(what) failed\(state.isEmpty ? "" : " (SQLSTATE \(state))"): \(message.isEmpty ? Self.text(PQerrorMessage(connection)) : message)")
        }
        return rows
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        var text = String(cString: pointer)
        while text.last?.isNewline == true || text.last == " " { text.removeLast() }
        return text
    }
}

/// Rows in the binary `COPY` format (PostgreSQL's documentation, "COPY", "Binary Format"): a
/// signature and header, each row as a field count and length-prefixed fields, and a trailer.
package struct BinaryCopy {
    private var bytes: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// How many rows were added.
    package private(set) var count = 0

    package init() {}

    /// Adds a row of `fields`.
    package mutating func append(_ fields: [PostgresConnection.Value]) {
        append(Int16(fields.count))
        for field in fields {
            let value = field.encoded.bytes
            append(Int32(value.count))
            bytes += value
        }
        count += 1
    }

    /// Adds a row whose fields are `ledger` (text), `number` (bigint) and `bytes` (bytea), without
    /// building an array of fields: the shape of every row a push copies.
    package mutating func append(ledger: [UInt8], number: Int64, bytes value: UnsafeRawBufferPointer) {
        append(Int16(3))
        append(Int32(ledger.count)); bytes += ledger
        append(Int32(8)); append(number)
        append(Int32(value.count)); bytes.append(contentsOf: value)
        count += 1
    }

    /// The bytes so far, in memory.
    package var byteCount: Int { bytes.count }

    fileprivate func finished() -> [UInt8] { bytes + [0xFF, 0xFF] }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
