// swift-tools-version:6.1
//
// Benchmarks for ClientLedger, kept in their own package (as swift-nio does) so that building and
// testing the library never pays for the benchmark dependencies.
//
//     cd Benchmarks && swift package benchmark
//
// The batched-append targets are ratios to raw LMDB and to SQLite on the same workload
// (../../shared/reference). `Compare.Batched1000.Durable` ports those C programs' batched append call
// for call and runs the three in turns, so that they meet the same disk; `./run-with-references.sh`
// also runs the C programs themselves.
import PackageDescription
import struct Foundation.URL

/// A package that is depended on by path is known by its directory's name, which depends on where
/// the repository was cloned; derive it instead of assuming it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "ClientLedgerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "ReferenceLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "ReferenceSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "ReferenceWorkloads", dependencies: ["ReferenceLMDB", "ReferenceSQLite"]),
        .executableTarget(
            name: "EventLogBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EventLog", package: root),
                "ReferenceWorkloads",
            ],
            path: "Benchmarks/EventLogBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PostgresBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EventLog", package: root),
                .product(name: "PostgresLog", package: root),
                .product(name: "PostgresTestSupport", package: root),
            ],
            path: "Benchmarks/PostgresBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ClientLedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ClientLedger", package: root),
                .product(name: "EventLog", package: root),
                .product(name: "SalonDemo", package: root),
                "ReferenceWorkloads",
            ],
            path: "Benchmarks/ClientLedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
