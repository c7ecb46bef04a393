import ClientLedger
import EventLog

/// Cents as a decimal amount with two places: `12345` → `"123.45"`, `-5` → `"-0.05"`. Any width:
/// a sum the tool forms itself is added up in 128 bits.
func money<Amount: BinaryInteger>(_ cents: Amount) -> String {
    let sign = cents < 0 ? "-" : ""
    let magnitude = cents.magnitude
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// An instant for a table: RFC 3339, or a dash for none.
func instant(_ value: Timestamp?) -> String {
    value.map(\.description) ?? "-"
}
