/// Writes a batch's collection a piece at a time, for ``ClientCardProjection``'s
/// ``ClientCardProjection/endBatch(_:state:limit:)``: calls `write` with the elements of
/// `collection` from `cursor` on (`nil`: from the start) while `budget` lasts, one unit each;
/// leaves `cursor` after the last one written and returns whether the collection is done.
///
/// The collection must not change between pieces (its indices stay valid): a batch's collections
/// are complete once its events are applied.
func writePiece<C: Collection>(of collection: C, from cursor: inout C.Index?, budget: inout Int,
                               _ write: (C.Element) throws -> Void) rethrows -> Bool {
    var index = cursor ?? collection.startIndex
    defer { cursor = index }
    while index != collection.endIndex {
        guard budget > 0 else { return false }
        try write(collection[index])
        budget -= 1
        index = collection.index(after: index)
    }
    return true
}
