// swift-tools-version:6.1
//
// ClientLedger: a salon's client records as an immutable, replayable, tamper-evident event log.
//
// Layers, each knowing only the ones below it:
//   CLMDB     — the system LMDB library (Debian: liblmdb-dev), through pkg-config
//   CLMDBGuard — our guarded calls into it: a damaged data file ends in an error, never a signal
//   COpenSSL  — the system OpenSSL crypto library (Debian: libssl-dev): SHA-256, AES-256-GCM
//   EventLog  — a domain-free engine: append, streams, concurrency control, hash chain, subscriptions
//   ClientLedger — the salon client domain: events, their codecs, rules, commands, personal data
//               that can be forgotten, projections and queries
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
        .executable(name: "ledger", targets: ["LedgerTool"]),
        .executable(name: "eventlog-demo", targets: ["EventLogDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
            ]
        ),
        .target(
            name: "ClientLedger",
            dependencies: [
                "EventLog",
                "COpenSSL",
            ]
        ),
        .executableTarget(
            name: "LedgerTool",
            dependencies: [
                "ClientLedger",
                "EventLog",
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
        .testTarget(
            name: "EventLogTests",
            dependencies: ["EventLog", "EventLogCrashWriter"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ClientLedgerTests",
            dependencies: ["ClientLedger"],
            resources: [.copy("Fixtures")]
        ),
        // End-to-end tests: they run the built `ledger` tool as a process.
        .testTarget(
            name: "LedgerToolTests",
            dependencies: ["LedgerTool", "ClientLedger"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
