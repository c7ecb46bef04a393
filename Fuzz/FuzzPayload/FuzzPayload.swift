// Coverage-guided fuzzing of the binary payload decoder (libFuzzer): the first byte of each input
// picks an event type, the rest is a stored payload. It is decoded as the commands decode it (with
// the key, and without one, as after an erasure), read into the card fact the projection keeps,
// and the card journal that fact makes is read back as a card. Damaged payloads are typed errors
// and fine; a trap or a hang is a finding.
//
// Build and run (see scripts/fuzz):
//   swift build --scratch-path .build-fuzz -c release --product FuzzPayload \
//       -Xswiftc -sanitize=fuzzer -Xswiftc -DLEDGER_FUZZING
//   .build-fuzz/release/FuzzPayload Fuzz/corpus/payload -max_total_time=60
// Without libFuzzer, the program replays the files it is given (the seeds, a crash to reproduce).
import ClientLedger
import EventLog
import Foundation
import FuzzSupport

/// The key of the golden payload fixtures (bytes 0…31), so that the seeds' sealed sections open.
private let key = ClientKey(bytes: (0..<32).map { UInt8($0) })
private let client = try? ClientID("fuzz")

/// One input: `size` bytes at `data`.
func fuzzPayload(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 1 else { return 0 }
    let types = LedgerEventType.allCases
    let type = types[Int(data[0]) % types.count]
    let payload = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    _ = try? BinaryCodec.decode(type, client: client, payload: payload, key: key)
    _ = try? BinaryCodec.decode(type, client: client, payload: payload, key: nil)
    var entries = PayloadWriter()
    if (try? CardJournal.appendEntry(type: type, payload: payload, to: &entries)) != nil,
       let journal = try? CardJournal.merged(nil, entries.bytes, erases: false) {
        _ = journal.head.withUnsafeBytes { try? CardRecord(client: ClientID(unchecked: "fuzz"), head: $0, in: ProjectionState(memory: MemoryProjectionStore())) }
    }
    return 0
}

#if LEDGER_FUZZING
/// libFuzzer's callback by its conventional name (its runtime refers to it).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzPayload(data, size) }

/// The program's entry point with libFuzzer (SwiftPM names an executable's `main` `<module>_main`).
@_cdecl("FuzzPayload_main")
func fuzzingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzPayload)
}
#else
/// Without libFuzzer: replays the files named on the command line.
@main
struct Replay {
    static func main() { replayArguments(fuzzPayload) }
}
#endif
