import Glibc

/// The in-memory backend of an as-of replay (and of a read-only ledger's folded projections): the
/// values by key, and the keys in byte order, so that a range read costs what it returns, as a
/// cursor over LMDB does — not a sort of every key.
package final class MemoryProjectionStore {
    package private(set) var values: [[UInt8]: [UInt8]] = [:]
    private var keys = SortedKeys()

    package init() {}

    /// Stores `value` under `key`, replacing what was there.
    package func set(_ value: [UInt8], forKey key: [UInt8]) {
        if values.updateValue(value, forKey: key) == nil { keys.insert(key) }
    }

    /// Removes the value under `key`, if any.
    package func remove(_ key: [UInt8]) {
        if values.removeValue(forKey: key) != nil { keys.remove(key) }
    }

    /// Calls `body` with each key at or after `start`, in byte order, until it returns `false`.
    package func forEachKey(from start: [UInt8], _ body: ([UInt8]) throws -> Bool) rethrows {
        try keys.forEach(from: start, body)
    }
}

/// Byte strings in byte order: sorted runs of at most ``runLimit`` keys, found by binary search,
/// so that an insertion or a removal moves at most a run's keys and the list of runs.
struct SortedKeys {
    private static let runLimit = 512
    private var runs: [[[UInt8]]] = []

    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let common = min(a.count, b.count)
                guard common > 0, let left = a.baseAddress, let right = b.baseAddress else { return a.count < b.count }
                let order = memcmp(left, right, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
    }

    /// The first index of `run` whose key is not before `key`.
    private static func lowerBound(_ run: [[UInt8]], _ key: [UInt8]) -> Int {
        var low = 0, high = run.count
        while low < high {
            let middle = (low + high) / 2
            if less(run[middle], key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first run whose last key is not before `key` (`runs.count` if none).
    private func runIndex(_ key: [UInt8]) -> Int {
        var low = 0, high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if let last = runs[middle].last, Self.less(last, key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Inserts `key`, which is not in the list.
    mutating func insert(_ key: [UInt8]) {
        guard !runs.isEmpty else { runs = [[key]]; return }
        let index = min(runIndex(key), runs.count - 1)
        let position = Self.lowerBound(runs[index], key)
        runs[index].insert(key, at: position)
        if runs[index].count > Self.runLimit {
            let upper = Array(runs[index][(Self.runLimit / 2)...])
            runs[index].removeLast(runs[index].count - Self.runLimit / 2)
            runs.insert(upper, at: index + 1)
        }
    }

    /// Removes `key`, which is in the list.
    mutating func remove(_ key: [UInt8]) {
        let index = runIndex(key)
        guard index < runs.count else { return }
        let position = Self.lowerBound(runs[index], key)
        guard position < runs[index].count, runs[index][position] == key else { return }
        runs[index].remove(at: position)
        if runs[index].isEmpty { runs.remove(at: index) }
    }

    /// Calls `body` with each key at or after `start`, in order, until it returns `false`.
    func forEach(from start: [UInt8], _ body: ([UInt8]) throws -> Bool) rethrows {
        var index = runIndex(start)
        guard index < runs.count else { return }
        var position = Self.lowerBound(runs[index], start)
        while index < runs.count {
            let run = runs[index]
            while position < run.count {
                guard try body(run[position]) else { return }
                position += 1
            }
            index += 1
            position = 0
        }
    }
}
