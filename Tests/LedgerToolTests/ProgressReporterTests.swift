import Foundation
import Testing
@testable import LedgerTool

@Suite("Progress lines")
struct ProgressReporterTests {
    @Test("a first report that comes after a long first step gives the rate since the command began")
    func rateSinceTheStart() throws {
        let reporter = ProgressReporter()
        Thread.sleep(forTimeInterval: 0.5)
        // 1,000 of 4,000 events in half a second (or more): 3,000 left take a second and a half (or
        // more). Timed from this first report, the rate was a million a second and nothing was left.
        let line = try #require(reporter.line("clientCards", done: 1_000, total: 4_000))
        let words = line.split(separator: " ")
        let left = try #require(words.firstIndex(of: "left").flatMap { $0 >= 2 ? Double(words[$0 - 2]) : nil }, "\(line)")
        #expect(left >= 1.0, "\(line)")
    }
}
