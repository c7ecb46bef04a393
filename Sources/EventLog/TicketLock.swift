import Foundation

/// A lock that lets its waiters in in the order they came (a ticket lock).
///
/// The writer of a log is held by turns: a rebuild writes its steps in pieces, one write
/// transaction each, so that the appends waiting for the writer get in between two pieces. A
/// plain mutex does not hand over: the thread that just unlocked it takes it again before a
/// sleeping waiter has woken, so a rebuild's pieces kept a checkout waiting for seconds (20,000
/// checkouts beside a looping rebuild of the 50,000-client salon: the slowest waited 1.9 s for the
/// writer alone). With tickets, a waiter waits for at most the holders that came before it.
///
/// Not recursive. Waiting costs a condition variable's wake-up; taking a free lock, two short
/// critical sections.
package final class TicketLock: @unchecked Sendable {
    private let condition = NSCondition()
    /// The ticket the next caller of ``lock()`` draws. Guarded by `condition`.
    private var next: UInt64 = 0
    /// The ticket that holds the lock (or takes it next). Guarded by `condition`.
    private var serving: UInt64 = 0

    package init() {}

    /// Waits until every caller that came before has unlocked, then holds the lock.
    package func lock() {
        condition.lock()
        let ticket = next
        next &+= 1
        while serving != ticket { condition.wait() }
        condition.unlock()
    }

    /// Lets the next waiter in. Only by the holder.
    package func unlock() {
        condition.lock()
        serving &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// How many callers wait for the lock, not counting its holder.
    package var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return max(0, Int(next &- serving) - 1)
    }
}
