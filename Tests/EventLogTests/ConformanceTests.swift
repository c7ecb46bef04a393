import EventLog
import EventLogConformance
import Testing

/// The engine's conformance suite on LMDB: each case on a new log of its own.
@Suite("Conformance: LMDB")
struct LMDBConformanceTests {
    @Test(arguments: Conformance.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        try await testCase.run(on: log)
        #expect(try log.verify().isIntact)
    }
}
