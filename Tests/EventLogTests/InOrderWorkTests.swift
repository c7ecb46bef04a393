import Foundation
import Synchronization
import Testing
@testable import EventLog

@Suite("Work made on two threads, used in order")
struct InOrderWorkTests {
    @Test("every piece is consumed once, in order, on the calling thread, with at most `lead` made ahead of it")
    func inOrderAndBounded() throws {
        let outstanding = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let threads = Mutex<Set<String>>([])
        var consumed: [Int] = []
        let caller = Thread.current
        try inOrder(pieces: 500, lead: 3, makeContext: { 0 }, produce: { made, index in
            let now = outstanding.add(1, ordering: .sequentiallyConsistent).newValue
            _ = most.max(now, ordering: .sequentiallyConsistent)
            made += 1
            threads.withLock { _ = $0.insert(Thread.current.isMainThread ? "main" : "\(ObjectIdentifier(Thread.current))") }
            if index % 7 == 0 { usleep(200) }
            return index * 2
        }, consume: { value in
            #expect(Thread.current == caller)
            outstanding.subtract(1, ordering: .sequentiallyConsistent)
            consumed.append(value / 2)
        })
        #expect(consumed == Array(0..<500))
        // The piece being consumed, and at most `lead` ahead of it.
        #expect(most.load(ordering: .sequentiallyConsistent) <= 4)
        #expect(threads.withLock { $0.count } == 2, "both threads made pieces")
    }

    @Test("a piece that fails is thrown after the pieces before it, and none after it is consumed")
    func failureInOrder() throws {
        struct Failure: Error, Equatable { let index: Int }
        var consumed: [Int] = []
        #expect(throws: Failure(index: 37)) {
            try inOrder(pieces: 200, lead: 4, makeContext: { () }, produce: { _, index in
                if index == 37 || index == 39 { throw Failure(index: index) }
                return index
            }, consume: { consumed.append($0) })
        }
        #expect(consumed == Array(0..<37))
    }

    @Test("a consumer that throws stops the helper before the call returns")
    func consumerStops() throws {
        struct Stop: Error {}
        let made = Atomic<Int>(0)
        #expect(throws: Stop.self) {
            try inOrder(pieces: 10_000, lead: 2, makeContext: { () }, produce: { _, index in
                made.add(1, ordering: .sequentiallyConsistent)
                return index
            }, consume: { if $0 == 10 { throw Stop() } })
        }
        let after = made.load(ordering: .sequentiallyConsistent)
        #expect(after <= 13)
        usleep(20_000)
        #expect(made.load(ordering: .sequentiallyConsistent) == after, "nothing is made once the call has returned")
    }

    @Test("no piece, or one piece, needs no second thread")
    func fewPieces() throws {
        var consumed: [Int] = []
        try inOrder(pieces: 0, makeContext: { () }, produce: { _, index in index }, consume: { consumed.append($0) })
        try inOrder(pieces: 1, makeContext: { () }, produce: { _, index in index + 5 }, consume: { consumed.append($0) })
        #expect(consumed == [5])
    }
}
