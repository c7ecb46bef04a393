import ClientLedger
import EventLog

/// Cents with the salon's currency, as the command's locale writes money (``Presentation``).
func money<Amount: BinaryInteger>(_ cents: Amount) -> String {
    Presentation.current.withLock { $0 }.money(cents)
}

/// An instant in the salon's time zone as the command's locale writes it, or a dash for none.
func instant(_ value: Timestamp?) -> String {
    Presentation.current.withLock { $0 }.instant(value)
}

/// Seconds with `digits` decimals as the command's locale writes them.
func seconds(_ value: Double, digits: Int = 2) -> String {
    Presentation.current.withLock { $0 }.seconds(value, digits: digits)
}

/// `text` in the command's locale's language (``Presentation``).
func say(_ text: ToolText) -> String {
    Presentation.current.withLock { $0 }.say(text)
}
