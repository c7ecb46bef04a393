import CLibPQ
import EventLog
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used from one thread at a time — the shared connection of a
/// ``PostgresLog`` under its lock, a replica's writer under its write lock, a follower's by its
/// thread alone — which is what makes the unchecked `Sendable` true.
///
/// Every statement goes with its parameters and results in PostgreSQL's **binary** format, so no
/// value is ever spliced into SQL text and bytes arrive exactly as stored. Failures become
/// ``EventLogError`` values with code ``EventLogError/Code/storage`` carrying the server's message
/// and SQLSTATE; nothing here traps on what the server or the network does.
package final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// The SQLSTATE of the last statement that failed (empty: an error libpq made itself).
    private var lastState = ""
    /// Whether the last failure was a prepared statement the server session lacked (SQLSTATE
    /// 26000): the statements are prepared again at the next pipeline.
    package var lostPreparedStatement: Bool { lastState == "26000" }
    /// The statements of ``pipeline(_:_:)`` prepared on this connection (lost with it), by their SQL.
    private var prepared: [String: String] = [:]
    /// In the names of the prepared statements, so that no other client's statement is ever taken
    /// for one of this connection's (behind a pool, server sessions pass between clients).
    private let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    /// How many statement names this connection has used.
    private var preparedNames = 0

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
        /// An `int4[]`, `int8[]` or `bytea[]` of one dimension (for `unnest`): many rows in one
        /// parameter.
        case int32Array([Int32])
        case int64Array([Int64])
        case bytesArray([[UInt8]])
        /// A `bytea[]` whose `nil` elements are SQL NULL.
        case optionalBytesArray([[UInt8]?])
        case textArray([String])
        case boolArray([Bool])

        /// The binary form and its type's OID (`int4`, `int8`, `bytea`, `text`, and their arrays).
        var encoded: (bytes: [UInt8], type: Oid) {
            switch self {
            case .int32(let value): (Self.bigEndian(value), 23)
            case .int64(let value): (Self.bigEndian(value), 20)
            case .bytes(let value): (value, 17)
            case .text(let value): (Array(value.utf8), 25)
            case .int32Array(let values): (Self.array(values.map { Self.bigEndian($0) }, element: 23), 1007)
            case .int64Array(let values): (Self.array(values.map { Self.bigEndian($0) }, element: 20), 1016)
            case .bytesArray(let values): (Self.array(values, element: 17), 1001)
            case .optionalBytesArray(let values): (Self.array(values, element: 17), 1001)
            case .textArray(let values): (Self.array(values.map { Array($0.utf8) }, element: 25), 1009)
            case .boolArray(let values): (Self.array(values.map { [$0 ? 1 : 0] }, element: 16), 1000)
            }
        }

        private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            withUnsafeBytes(of: value.bigEndian) { Array($0) }
        }

        /// An array's binary form (PostgreSQL's `array_send`): dimensions, whether any element is
        /// NULL, the elements' type, each dimension's length and lower bound, then every element
        /// with its length.
        private static func array(_ elements: [[UInt8]?], element: Oid) -> [UInt8] {
            let nulls = elements.contains { $0 == nil }
            var bytes = bigEndian(Int32(1)) + bigEndian(Int32(nulls ? 1 : 0)) + bigEndian(Int32(bitPattern: element))
            bytes += bigEndian(Int32(clamping: elements.count)) + bigEndian(Int32(1))
            bytes.reserveCapacity(bytes.count + elements.reduce(0) { $0 + 4 + ($1?.count ?? 0) })
            for value in elements {
                guard let value else {
                    bytes += bigEndian(Int32(-1))
                    continue
                }
                bytes += bigEndian(Int32(clamping: value.count))
                bytes += value
            }
            return bytes
        }
    }

    /// One statement of a ``pipeline(_:_:)``.
    package struct Statement {
        package let sql: String
        package let parameters: [Value]
        /// Whether the pipeline succeeds even if this statement fails or its result never comes
        /// (for a wake-up sent after a commit); only the last statements of a pipeline may be.
        package let bestEffort: Bool
        package init(_ sql: String, _ parameters: [Value] = [], bestEffort: Bool = false) {
            self.sql = sql
            self.parameters = parameters
            self.bestEffort = bestEffort
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
        let encoded = EncodedParameters(parameters)
        return try retryingOutsideTransactions(what()) { () throws(EventLogError) in
            try encoded.withPointers { count, types, values, lengths, formats throws(EventLogError) in
                try check(PQexecParams(connection, sql, count, types, values, lengths, formats, 1), what())
            }
        }
    }

    /// Runs `statements` in one round trip (libpq's pipeline mode: all are sent, then a sync, then
    /// the results are read) and returns the rows of each. If one fails, the ones after it do not
    /// run, and its error is thrown; inside a transaction the transaction is then failed, and the
    /// caller rolls it back. For a few small statements: all are sent before any result is read.
    /// Returns the rows of every statement, but for best-effort ones that failed (which come last).
    package func pipeline(_ statements: [Statement], _ what: @autoclosure () -> String) throws(EventLogError) -> [Rows] {
        let idle = PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE
        do {
            return try pipelineOnce(statements, what())
        } catch {
            // A statement this connection prepared is not on the server its session now runs on
            // (a pool such as pgbouncer in transaction mode hands out server sessions per
            // transaction): prepare again, and run once more if nothing had begun.
            guard lostPreparedStatement else { throw error }
            prepared = [:]
            guard idle else { throw error }
            if PQtransactionStatus(connection) != PQTRANS_IDLE { try? run("ROLLBACK", "ending a failed transaction") }
            return try pipelineOnce(statements, what())
        }
    }

    private func pipelineOnce(_ statements: [Statement], _ what: @autoclosure () -> String) throws(EventLogError) -> [Rows] {
        try retryingOutsideTransactions(what()) { () throws(EventLogError) -> [Rows] in
            guard PQenterPipelineMode(connection) == 1 else {
                lastState = ""
                throw EventLogError(.storage, "\(what()) failed: \(Self.text(PQerrorMessage(connection)))")
            }
            defer { PQexitPipelineMode(connection) }
            // Each statement is prepared once per connection, so that the server parses and plans it
            // once. Each entry of `queued` is one result to read: a preparation (its SQL and name,
            // remembered once the server confirms it) or a statement's.
            var queued: [(preparing: (sql: String, name: String)?, bestEffort: Bool)] = []
            for statement in statements {
                let encoded = EncodedParameters(statement.parameters)
                let name: String
                if let known = prepared[statement.sql] {
                    name = known
                } else {
                    // A name never used before on this connection: behind a pool, a server session
                    // may still hold a statement this connection prepared there long ago.
                    name = "clientledger_\(nonce)_\(preparedNames)"
                    preparedNames += 1
                    let sent = encoded.withPointers { count, types, _, _, _ in PQsendPrepare(connection, name, statement.sql, count, types) }
                    guard sent == 1 else { break }
                    queued.append(((statement.sql, name), statement.bestEffort))
                }
                let sent = encoded.withPointers { count, _, values, lengths, formats in
                    PQsendQueryPrepared(connection, name, count, values, lengths, formats, 1)
                }
                guard sent == 1 else { break }
                queued.append((nil, statement.bestEffort))
            }
            guard PQpipelineSync(connection) == 1 else {
                lastState = ""
                throw EventLogError(.storage, "\(what()) failed: \(Self.text(PQerrorMessage(connection)))")
            }
            // Each statement's result, each followed by a null; then the sync's.
            var rows: [Rows] = []
            var failure: EventLogError?
            for entry in queued {
                guard let result = PQgetResult(connection) else { break }
                do throws(EventLogError) {
                    if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                        PQclear(result)
                    } else {
                        let checked = try check(result, what())
                        if let preparation = entry.preparing {
                            prepared[preparation.sql] = preparation.name
                        } else {
                            rows.append(checked)
                        }
                    }
                } catch {
                    if !entry.bestEffort { failure = failure ?? error }
                }
                while let extra = PQgetResult(connection) { PQclear(extra) }
            }
            let sent = queued.count { $0.preparing == nil }
            let required = statements.count { !$0.bestEffort }
            while let result = PQgetResult(connection) {
                let status = PQresultStatus(result)
                PQclear(result)
                if status == PGRES_PIPELINE_SYNC { break }
            }
            if let failure { throw failure }
            guard sent >= required, rows.count >= required else {
                lastState = ""
                let reason = Self.text(PQerrorMessage(connection))
                throw EventLogError(.storage, "\(what()) failed: \(rows.count) of \(statements.count) results came back (\(sent) statements sent)"
                                    + (reason.isEmpty ? "" : ": \(reason)"))
            }
            return rows
        }
    }

    /// Runs `sql` (several statements are allowed), with no parameters and no rows.
    package func run(_ sql: String, _ what: @autoclosure () -> String) throws(EventLogError) {
        try retryingOutsideTransactions(what()) { () throws(EventLogError) in try check(PQexec(connection, sql), what()) }
    }

    /// Runs `statement`, first making the connection again if it was lost. A statement that finds
    /// the connection lost outside a transaction (the first of a transaction, or one on its own)
    /// is run once more on a new connection — so every statement run outside a transaction must
    /// be one that may run twice (it may have committed before the loss was seen): a read, a
    /// `BEGIN`, a `CREATE … IF NOT EXISTS`, an insert `ON CONFLICT DO NOTHING`. Inside a
    /// transaction the loss is the caller's error: the transaction is gone.
    @discardableResult
    private func retryingOutsideTransactions<T>(_ what: @autoclosure () -> String, _ statement: () throws(EventLogError) -> T) throws(EventLogError) -> T {
        lastState = "" // what a statement before this one left says nothing of this one
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
            reset()
            guard PQstatus(connection) == CONNECTION_OK else { throw error }
            return try statement()
        }
    }

    /// Makes the connection again (a new server session, which holds no prepared statement).
    private func reset() {
        PQreset(connection)
        prepared = [:]
    }

    /// A connection that was lost (the server restarted, a failover, the network) is made again
    /// before the next statement; the statement that met the loss failed with its error, and a
    /// transaction it was in is gone.
    private func reconnectIfLost() throws(EventLogError) {
        guard PQstatus(connection) == CONNECTION_BAD else { return }
        reset()
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
        lastState = ""
        try check(PQexec(connection, "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"),
                  "starting to copy into \(table)", expecting: PGRES_COPY_IN)
        // In slices of at most 1 MiB (libpq takes a 32-bit length), then the trailer.
        var sent: Int32 = 1
        for piece in [rows.bytes[...], BinaryCopy.trailer[...]] {
            piece.withUnsafeBytes { bytes in
                var offset = 0
                while sent == 1, offset < bytes.count, let base = bytes.baseAddress {
                    let length = min(1 << 20, bytes.count - offset)
                    sent = PQputCopyData(connection, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
                    offset += length
                }
            }
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

/// Parameters in the binary form libpq takes: the values stay alive, unmoved, while it reads them
/// (as long as this lives).
private final class EncodedParameters {
    let types: [Oid]
    let lengths: [Int32]
    let buffers: [UnsafeMutableRawBufferPointer]

    init(_ parameters: [PostgresConnection.Value]) {
        let encoded = parameters.map(\.encoded)
        types = encoded.map(\.type)
        lengths = encoded.map { Int32(clamping: $0.bytes.count) }
        buffers = encoded.map { value in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(value.bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: value.bytes)
            return buffer
        }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    func withPointers<T, E: Error>(_ body: (Int32, [Oid], [UnsafePointer<CChar>?], [Int32], [Int32]) throws(E) -> T) throws(E) -> T {
        let values: [UnsafePointer<CChar>?] = buffers.map { $0.baseAddress.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } }
        return try body(Int32(types.count), types, values, lengths, [Int32](repeating: 1, count: types.count))
    }
}

/// Rows in the binary `COPY` format (PostgreSQL's documentation, "COPY", "Binary Format"): a
/// signature and header, each row as a field count and length-prefixed fields, and a trailer.
package struct BinaryCopy {
    fileprivate private(set) var bytes: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
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

    /// What ends the rows (a field count of −1).
    fileprivate static let trailer: [UInt8] = [0xFF, 0xFF]

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
