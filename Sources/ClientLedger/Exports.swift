// What the ledger's API hands out from the engine — Timestamp, HeadHash, ChainVerification,
// EventLog (for `log`), EventLogError (as a cause), StoredEvent — is usable with `import
// ClientLedger` alone, as swift-nio's umbrella module re-exports its core.
@_exported import EventLog
