import Foundation
import Synchronization

/// The PostgreSQL server the tests share: a new cluster (``PostgresCluster``) in a temporary
/// directory, listening only on a Unix socket there, started once per test process and stopped
/// when it exits.
///
/// It uses the server programs of Debian's `postgresql` package (`/usr/lib/postgresql/*/bin`, or
/// `initdb` on the `PATH`, or the directory `CLIENTLEDGER_PG_BIN` names). The server refuses to run
/// as root, so as root the cluster belongs to the `postgres` user (which that package creates) and
/// its programs run through `runuser`.
public enum PostgresServer {
    /// The connection string of the shared server, started on first use.
    public static func conninfo() throws -> String {
        try shared.get().conninfo
    }

    /// A connection string for a new, empty database on the shared server.
    public static func newDatabase(_ name: String = "t\(UInt32.random(in: 0...UInt32.max))") throws -> String {
        let server = try shared.get()
        _ = try server.psql("CREATE DATABASE \(name)")
        return server.conninfo.replacingOccurrences(of: "dbname=postgres", with: "dbname=\(name)")
    }

    /// Runs `sql` on the shared server's database of `conninfo` with `psql`, returning its output
    /// (unaligned, tuples only): how the tests change the database behind the library's back.
    @discardableResult
    public static func psql(_ sql: String, conninfo: String? = nil) throws -> String {
        try shared.get().psql(sql, conninfo: conninfo)
    }

    private static let shared = Result { try PostgresCluster() }
}

/// One PostgreSQL cluster of the tests: ``PostgresServer`` shares one among all tests; a test that
/// stops and starts its server makes one of its own. Stopped and removed when it goes away, or when
/// the process exits.
public final class PostgresCluster: Sendable {
    let directory: String
    let bin: String
    let user: String?
    /// How to connect: over the Unix socket in the cluster's directory, as `postgres`, to the
    /// database `postgres`.
    public let conninfo: String
    private var data: String { directory + "/data" }

    /// Whether the server syncs its WAL to disk, as in production (`fsync` on); tests run without.
    let fsync: Bool

    /// Makes a new cluster in a temporary directory and starts it; `fsync`: whether the server
    /// syncs its writes (PostgreSQL's default; off for tests, on for benchmarks).
    public init(fsync: Bool = false) throws {
        self.fsync = fsync
        bin = try Self.serverPrograms()
        directory = NSTemporaryDirectory() + "clientledger-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        user = getuid() == 0 ? "postgres" : nil
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let user {
            try Self.run("/bin/chown", [user, directory])
        }
        conninfo = "host=\(directory) port=5432 user=postgres dbname=postgres"
        try runServer("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        try start()
        Self.registerCleanup(self)
    }

    /// Makes a streaming standby of `primary` in a temporary directory (`pg_basebackup -R`), and
    /// starts it: it follows the primary until ``promote()``.
    public init(standbyOf primary: PostgresCluster) throws {
        fsync = primary.fsync
        bin = primary.bin
        user = primary.user
        directory = NSTemporaryDirectory() + "clientledger-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let user {
            try Self.run("/bin/chown", [user, directory])
        }
        conninfo = "host=\(directory) port=5432 user=postgres dbname=postgres"
        try runServer("pg_basebackup", ["-h", primary.directory, "-p", "5432", "-U", "postgres", "-D", directory + "/data", "-R", "-X", "stream", "--no-sync",
                                        "-d", "host=\(primary.directory) port=5432 user=postgres application_name=standby"])
        try start()
        Self.registerCleanup(self)
    }

    deinit { cleanUp() }

    /// Makes this standby the primary (`pg_ctl promote`), and returns once it accepts writes.
    public func promote() throws {
        try runServer("pg_ctl", ["-D", data, "-w", "-t", "60", "promote"])
    }

    /// The directory of the server's Unix socket: a `host` of a connection string.
    public var socketDirectory: String { directory }

    /// Starts the server (again), and returns once it accepts connections.
    public func start() throws {
        try runServer("pg_ctl", ["-D", data, "-l", directory + "/server.log", "-w", "-t", "60", "-o",
                                 "-k \(directory) -c listen_addresses='' -p 5432 -c max_connections=400" + (fsync ? "" : " -c fsync=off -c full_page_writes=off"),
                                 "start"])
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`): no checkpoint, the
    /// connections cut; it recovers from its WAL when started again.
    public func stopImmediately() throws {
        try runServer("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    }

    /// The process id of the running server (its postmaster), from `postmaster.pid`.
    public func serverProcess() throws -> Int32 {
        let text = try String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)
        guard let first = text.split(separator: "\n").first, let pid = Int32(first) else { throw ServerError("no server process in \(data)/postmaster.pid") }
        return pid
    }

    /// Runs `sql` with `psql` on the database of `conninfo` (default: this cluster's).
    @discardableResult
    public func psql(_ sql: String, conninfo: String? = nil) throws -> String {
        try Self.run(bin + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo ?? self.conninfo, "-c", sql])
    }

    private func cleanUp() {
        Self.live.withLock { $0[ObjectIdentifier(self)] = nil }
        try? stopImmediately()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The clusters to stop when the process exits (a static one is never deinitialised).
    private static let live = Mutex<[ObjectIdentifier: (bin: String, data: String, user: String?, directory: String)]>([:])

    private static func registerCleanup(_ cluster: PostgresCluster) {
        let first = live.withLock { live in
            defer { live[ObjectIdentifier(cluster)] = (cluster.bin, cluster.data, cluster.user, cluster.directory) }
            return live.isEmpty
        }
        guard first else { return }
        atexit {
            for (bin, data, user, directory) in PostgresCluster.live.withLock({ Array($0.values) }) {
                let stop = [bin + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
                _ = try? PostgresCluster.run(user == nil ? stop[0] : "/usr/sbin/runuser", user == nil ? Array(stop.dropFirst()) : ["-u", user!, "--"] + stop)
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    func runServer(_ program: String, _ arguments: [String]) throws {
        if let user {
            try Self.run("/usr/sbin/runuser", ["-u", user, "--", bin + "/" + program] + arguments)
        } else {
            try Self.run(bin + "/" + program, arguments)
        }
    }

    static func serverPrograms() throws -> String {
        if let given = ProcessInfo.processInfo.environment["CLIENTLEDGER_PG_BIN"] { return given }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") {
            return "\(root)/\(newest)/bin"
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/initdb") {
            return String(directory)
        }
        throw ServerError("no PostgreSQL server programs (initdb, pg_ctl): install Debian's postgresql package (scripts/install-dependencies does), or set CLIENTLEDGER_PG_BIN")
    }

    /// Runs `program` to its end and returns what it printed. Spawned and waited for by hand, with
    /// its output in files: `Process` waits until no process holds its pipes, and the server that
    /// `pg_ctl start` leaves running would hold them for ever.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let scratch = NSTemporaryDirectory() + "clientledger-pg-run-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: scratch + ".out")
            try? FileManager.default.removeItem(atPath: scratch + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, scratch + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of this process passes to the child: the server `pg_ctl start` leaves running
        // would hold every descriptor open for as long as it runs — a file another test is writing
        // and then executes, for one, which would stay "busy" (ETXTBSY).
        // (glibc's `posix_spawn_file_actions_addclosefrom_np`, 2.34 on, which Swift's Glibc module
        // does not show: found at run time.)
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ServerError("cannot start \(program): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let out = (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? ""
        // Exited normally with status 0.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            let err = (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? ""
            throw ServerError("\(program) \(arguments.joined(separator: " ")) failed (wait status \(status)): \(err)")
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why the test server could not be started or asked.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
