/// Values a batch of the client-card projection keeps per client, found by the client's card slot
/// (``ClientCardProjection/Batch``) without hashing, and kept in the order their slots were first
/// asked for.
struct SlotTable<Value> {
    /// The values, in the order their slots were first asked for; changed in place by index.
    var values: [Value] = []
    /// By card slot: the index of its value in `values`, or -1.
    private var indices: [Int32] = []

    /// The index in ``values`` of slot `slot`'s value, if it has one.
    func valueIndex(ofSlot slot: Int) -> Int? {
        slot < indices.count && indices[slot] >= 0 ? Int(indices[slot]) : nil
    }

    /// The index in ``values`` of slot `slot`'s value, made by `make` the first time.
    mutating func index(of slot: Int, _ make: () throws -> Value) rethrows -> Int {
        if slot >= indices.count { indices += repeatElement(-1, count: slot + 1 - indices.count) }
        if indices[slot] >= 0 { return Int(indices[slot]) }
        values.append(try make())
        indices[slot] = Int32(values.count - 1)
        return values.count - 1
    }

    /// Adds the values of `other`, whose slot `s` becomes slot `s + offset` here; `offset` must be
    /// past every slot of this table.
    mutating func merge(_ other: SlotTable, slotOffset offset: Int) {
        if indices.count < offset { indices += repeatElement(-1, count: offset - indices.count) }
        let base = Int32(values.count)
        indices.reserveCapacity(offset + other.indices.count)
        indices += other.indices.map { $0 >= 0 ? $0 + base : -1 }
        values.reserveCapacity(values.count + other.values.count)
        values += other.values
    }
}
