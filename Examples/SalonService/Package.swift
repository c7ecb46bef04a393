// swift-tools-version:6.1
//
// SalonService: a small JSON web service (Hummingbird 2) that embeds the ClientLedger library.
//
//     swift run --package-path Examples/SalonService                          # ./salon.ledger, port 8080
//     swift run --package-path Examples/SalonService salon-service /tmp/demo.ledger --seed 20
//
// It depends on the repository's root package by path; see README.md beside this file.
import PackageDescription
import struct Foundation.URL

/// A package that is depended on by path is known by its directory's name, which depends on where
/// the repository was cloned (`main` here, something else in a CI clone); derive it instead of
/// assuming it. `#filePath` is `<root>/Examples/SalonService/Package.swift`.
let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()   // Examples/SalonService
    .deletingLastPathComponent()   // Examples
    .deletingLastPathComponent()   // the repository root
    .lastPathComponent.lowercased()

let package = Package(
    name: "SalonService",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "salon-service", targets: ["SalonService"]),
    ],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // The metrics backend: the library reports through swift-metrics, the service exports them.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // NIOCore's error for a body larger than a route takes (answered 413); Hummingbird's own dependency.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "SalonService",
            dependencies: [
                .product(name: "ClientLedger", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
