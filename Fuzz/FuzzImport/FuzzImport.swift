// Coverage-guided fuzzing of the JSON Lines import (libFuzzer): every input is a file of lines as
// `ledger import` reads it. Each line is decoded strictly (JSON, fields, validation), every event
// the codec accepts goes through the salon's rules in memory (one client after another, as an
// import checks them), and each event the rules accept must round-trip — through its binary payload
// (sealed with a fixed key) and through its interchange line — to itself. A refusal is a typed
// error and fine; a trap, a hang, or a round trip that changes an event is a finding.
//
// Build and run (see scripts/fuzz):
//   swift build --scratch-path .build-fuzz -c release --product FuzzImport \
//       -Xswiftc -sanitize=fuzzer -Xswiftc -DLEDGER_FUZZING
//   .build-fuzz/release/FuzzImport Fuzz/corpus/import -max_total_time=60
// Without libFuzzer, the program replays the files it is given (the seeds, a crash to reproduce).
import ClientLedger
import EventLog
import Foundation
import FuzzSupport

/// The key every sealed section of the fuzzer is sealed with.
private let key = ClientKey(bytes: (0..<32).map { UInt8($0) })

/// One input: `size` bytes at `data`.
func fuzzImport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decision = Decision(salon: SalonState(), states: [:])
    var number = 0
    var start = 0
    while start <= bytes.count {
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        number += 1
        let line = bytes[start..<end]
        start = end + 1
        guard let event = try? InterchangeCodec.decode(utf8: line, lineNumber: number) else { continue }
        guard (try? decision.record(event)) != nil else { continue }
        roundTrip(event)
    }
    return 0
}

/// Traps if `event` does not come back as itself from its payload and from its line.
private func roundTrip(_ event: LedgerEvent) {
    do {
        let payload = try BinaryCodec.encode(event, key: key)
        let decoded = try payload.withUnsafeBytes { try BinaryCodec.decode(event.type, client: event.client, payload: $0, key: key) }
        precondition(decoded.event == event, "payload round trip changed \(event) into \(decoded.event)")
        let line = InterchangeCodec.encode(event)
        let again = try InterchangeCodec.decode(line: line, lineNumber: 1)
        precondition(again == event, "line round trip changed \(event) into \(again)")
    } catch {
        preconditionFailure("an event the rules accepted does not round-trip: \(error) — \(event)")
    }
}

#if LEDGER_FUZZING
/// libFuzzer's callback by its conventional name (its runtime refers to it).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzImport(data, size) }

/// The program's entry point with libFuzzer (SwiftPM names an executable's `main` `<module>_main`).
@_cdecl("FuzzImport_main")
func fuzzingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzImport)
}
#else
/// Without libFuzzer: replays the files named on the command line.
@main
struct Replay {
    static func main() { replayArguments(fuzzImport) }
}
#endif
