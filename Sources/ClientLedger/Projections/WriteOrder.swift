import Foundation

/// The order in which a batch of the client-card projection writes its entries: its clients'
/// card slots sorted by client id, as the keys file them (`id(x)`: length, then bytes; a card's own
/// key, the id's bytes, sorts the same among ids of one length). Written in key order, each piece
/// of a rebuild step changes its own stretch of the B-tree, not pages all over it.
struct WriteOrder {
    /// The card slots, in writing order.
    let slots: [Int]
    /// By card slot: its place in `slots`.
    private let rank: [UInt32]

    /// The order of the clients in card slots `0..<clients.count`.
    init(clients: [ClientID]) {
        slots = clients.indices.sorted { Self.precedes(clients[$0].rawValue, clients[$1].rawValue) }
        var rank = [UInt32](repeating: 0, count: clients.count)
        for (place, slot) in slots.enumerated() { rank[slot] = UInt32(truncatingIfNeeded: place) }
        self.rank = rank
    }

    /// The indices of `collection` in writing order of the card slot `slot` gives for each
    /// element; a client's elements keep the collection's order among themselves.
    func order<C: Collection>(of collection: C, slot: (C.Element) -> Int32) -> [C.Index] {
        let indices = Array(collection.indices)
        var keys = indices.indices.map { offset -> UInt64 in
            let slot = Int(slot(collection[indices[offset]]))
            let place = slot >= 0 && slot < rank.count ? UInt64(rank[slot]) : UInt64(UInt32.max)
            return place << 32 | UInt64(offset)
        }
        keys.sort()
        return keys.map { indices[Int($0 & 0xFFFF_FFFF)] }
    }

    /// Whether id `a` files before id `b`: by length, then bytes (compared as memory, not as
    /// characters).
    static func precedes(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        let (x, y) = (a.utf8.count, b.utf8.count)
        guard x == y else { return x < y }
        return a.withUTF8 { a in
            b.withUTF8 { b in
                guard let a = a.baseAddress, let b = b.baseAddress else { return false } // both empty
                return memcmp(a, b, x) < 0
            }
        }
    }
}

extension SlotTable {
    /// The indices in ``values`` of the values of `order`'s slots, in that order.
    func valueIndices(in order: WriteOrder) -> [Int] { order.slots.compactMap(valueIndex(ofSlot:)) }
}
