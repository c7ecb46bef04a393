import Testing
import EventLog
@testable import ClientLedger

func day(_ text: String) -> Timestamp { Timestamp(rfc3339: text + "T12:00:00Z")! }
func id<K>(_ text: String) -> Identifier<K> { Identifier(unchecked: text) }

/// A fresh ledger in a scratch directory, non-durable (tests need no fsync). `rebuildingInPieces`:
/// its rebuilds apply steps of 97 events and write them 3 clients' entries per transaction, so that
/// a small history takes many steps, each in many pieces.
func makeLedger(_ directory: ScratchDirectory, rebuildingInPieces: Bool = false) throws -> SalonLedger {
    try SalonLedger(path: directory.path + "/ledger",
                    options: rebuildingInPieces ? .init(durability: .nonDurable, rebuildBatchSize: 97, rebuildWriteLimit: 3) : .init(durability: .nonDurable))
}

/// Expects a command to be refused with `code`, and the log to be unchanged.
@discardableResult
func expectRefusal<T>(_ ledger: SalonLedger, _ code: LedgerError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> T) async -> LedgerError? {
    let before = try? ledger.log.lastPosition()
    var refusal: LedgerError?
    do {
        _ = try await body()
        Issue.record("expected \(code), but the command was recorded", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        refusal = error
    } catch {
        Issue.record("expected LedgerError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    #expect((try? ledger.log.lastPosition()) == before, "a refused command changed the log", sourceLocation: sourceLocation)
    return refusal
}

extension SalonLedger {
    /// The client's points balance, from their history (accrued + adjusted − redeemed).
    func balance(_ client: ClientID) throws -> Int64 {
        try summary(of: client).points
    }
}
