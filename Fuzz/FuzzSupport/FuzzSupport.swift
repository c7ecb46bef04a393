// What the fuzz targets share: how a target runs, with libFuzzer or without it.
#if LEDGER_FUZZING
import CFuzzerDriver
#endif
import Foundation

/// A fuzz target's callback: one input of `size` bytes at `data`; returns 0.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if LEDGER_FUZZING
/// Hands the program's arguments and `callback` to libFuzzer's driver.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}
#endif

/// Without libFuzzer: runs each file named on the command line through `callback` (the seeds, or a
/// crash to reproduce).
public func replayArguments(_ callback: FuzzCallback) {
    for path in CommandLine.arguments.dropFirst() {
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
    }
}
