// swift-tools-version:6.1
//
// YearEndAudit: an accountant's year-end script over a ClientLedger ledger.
//
//     swift run --package-path Examples/YearEndAudit year-end-audit ./salon.ledger 2026
//
// It depends on the repository's root package by path; see README.md beside this file.
import PackageDescription
import struct Foundation.URL

/// A package that is depended on by path is known by its directory's name, which depends on where
/// the repository was cloned (`main` here, something else in a CI clone); derive it instead of
/// assuming it. `#filePath` is `<root>/Examples/YearEndAudit/Package.swift`.
let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()   // Examples/YearEndAudit
    .deletingLastPathComponent()   // Examples
    .deletingLastPathComponent()   // the repository root
    .lastPathComponent.lowercased()

let package = Package(
    name: "YearEndAudit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "year-end-audit", targets: ["YearEndAudit"]),
    ],
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "YearEndAudit",
            dependencies: [
                .product(name: "ClientLedger", package: root),
            ]
        ),
    ]
)
