// swift-tools-version:6.1
//
// ClientLedger: a salon's client records as an immutable, replayable, tamper-evident event log.
//
// Layers, each knowing only the ones below it:
//   CLMDB     — the system LMDB library (Debian: liblmdb-dev), through pkg-config
//   CLMDBGuard — our guarded calls into it: a damaged data file ends in an error, never a signal
//   COpenSSL  — the system OpenSSL crypto library (Debian: libssl-dev): SHA-256, AES-256-GCM
//   EventLog  — a domain-free engine: append, streams, concurrency control, hash chain, subscriptions
//   CLibPQ    — the system PostgreSQL client library (Debian: libpq-dev), through pkg-config
//   PostgresLog — the event log's records in PostgreSQL, the same bytes and chain as in LMDB
//   ClientLedger — the salon client domain: events, their codecs, rules, commands, personal data
//               that can be forgotten, projections and queries
//   ClientLedgerPostgres — the salon ledger on a ledger in PostgreSQL (keys there, a local replica)
//   SalonDemo — a realistic, reproducible salon history (Sources/SalonDemo): the demo's, the benchmarks'
//   ledger    — the command-line tool for operators and accountants (Sources/LedgerTool)
//
// Benchmarks live in the nested package `Benchmarks/` so that building and testing this package
// never pays for the benchmark dependencies.
import PackageDescription

let package = Package(
    name: "ClientLedger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "ClientLedger", targets: ["ClientLedger"]),
        // A ledger's log in PostgreSQL: only services that share one across machines link libpq.
        .library(name: "PostgresLog", targets: ["PostgresLog"]),
        .library(name: "ClientLedgerPostgres", targets: ["ClientLedgerPostgres"]),
        // A PostgreSQL server of one's own for tests and benchmarks (as swift-nio ships NIOTestUtils).
        .library(name: "PostgresTestSupport", targets: ["PostgresTestSupport"]),
        // The realistic demo history (`ledger demo`, the benchmarks).
        .library(name: "SalonDemo", targets: ["SalonDemo"]),
        .executable(name: "ledger", targets: ["LedgerTool"]),
        .executable(name: "eventlog-demo", targets: ["EventLogDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Observability, as services expect it: each a small API package without dependencies of
        // its own (tracing needs swift-service-context); the service chooses the backends.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Guarded LMDB calls (see its header): a few lines of our own C, beside the system library.
        .target(
            name: "CLMDBGuard",
            dependencies: ["CLMDB"]
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "CLMDB",
                "CLMDBGuard",
                "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "PostgresLog",
            dependencies: ["EventLog", "CLibPQ"]
        ),
        .target(
            name: "ClientLedger",
            dependencies: [
                "EventLog",
                "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The salon ledger on a ledger in PostgreSQL: the clients' keys there, a local replica.
        .target(
            name: "ClientLedgerPostgres",
            dependencies: ["ClientLedger", "PostgresLog", "EventLog"]
        ),
        .target(
            name: "SalonDemo",
            dependencies: ["ClientLedger"]
        ),
        .executableTarget(
            name: "LedgerTool",
            dependencies: [
                "ClientLedger",
                "ClientLedgerPostgres",
                "PostgresLog",
                "SalonDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "EventLogDemo",
            dependencies: ["EventLog"]
        ),
        // Coverage-guided fuzz targets (libFuzzer, `scripts/fuzz`): the JSON Lines import and the
        // binary payload decoder. Without `-sanitize=fuzzer` they replay the files they are given.
        .target(
            name: "CFuzzerDriver",
            path: "Fuzz/CFuzzerDriver"
        ),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzerDriver"],
            path: "Fuzz/FuzzSupport"
        ),
        .executableTarget(
            name: "FuzzImport",
            dependencies: ["ClientLedger", "EventLog", "FuzzSupport"],
            path: "Fuzz/FuzzImport"
        ),
        .executableTarget(
            name: "FuzzPayload",
            dependencies: ["ClientLedger", "EventLog", "FuzzSupport"],
            path: "Fuzz/FuzzPayload"
        ),
        // A child process for the crash tests: it appends until it is killed with SIGKILL.
        .executableTarget(
            name: "EventLogCrashWriter",
            dependencies: ["EventLog"],
            path: "Tests/EventLogCrashWriter"
        ),
        // The engine's conformance suite, run by the LMDB and the PostgreSQL tests alike.
        .target(
            name: "EventLogConformance",
            dependencies: ["EventLog"],
            path: "Tests/EventLogConformance"
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: ["EventLog", "EventLogCrashWriter", "EventLogConformance"],
            resources: [.copy("Fixtures")]
        ),
        // Starts a PostgreSQL server of its own for the tests (Debian's postgresql package).
        .target(
            name: "PostgresTestSupport",
            path: "Tests/PostgresTestSupport"
        ),
        // Child process of the multi-process tests: one service instance on a replica.
        .executableTarget(
            name: "SalonReplicaWorker",
            dependencies: ["ClientLedger", "ClientLedgerPostgres", "PostgresLog"],
            path: "Tests/SalonReplicaWorker"
        ),
        .testTarget(
            name: "PostgresLogTests",
            dependencies: ["PostgresLog", "EventLog", "PostgresTestSupport", "ClientLedger", "ClientLedgerPostgres", "SalonReplicaWorker", "EventLogConformance"],
            // Read from the source tree (`#filePath`), as psql reads them.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ClientLedgerTests",
            dependencies: [
                "ClientLedger",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // End-to-end tests: they run the built `ledger` tool as a process.
        .testTarget(
            name: "LedgerToolTests",
            dependencies: ["LedgerTool", "ClientLedger", "PostgresTestSupport"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
