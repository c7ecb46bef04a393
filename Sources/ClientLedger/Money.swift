import EventLog

/// Money arithmetic, with the rounding stated where it happens.
public enum Money {
    /// The largest amount the ledger accepts anywhere: 10^15 cents (ten trillion in major units).
    /// Keeping amounts below it keeps every sum and product the ledger forms far from overflow.
    public static let maximumAmount: Int64 = 1_000_000_000_000_000

    /// `a × b`, or ``LedgerError/Code/invalidAmount`` naming `field` if it overflows.
    package static func product(_ a: Int64, _ b: Int64, _ field: String) throws(LedgerError) -> Int64 {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, value.magnitude <= UInt64(maximumAmount) else {
            throw LedgerError(.invalidAmount, "\(field) would be \(a) × \(b), beyond what the ledger holds", field: field)
        }
        return value
    }

    /// `percent` % of `amount`, rounded half away from zero to the cent (commercial rounding).
    public static func percentage(_ percent: Int, of amount: Cents) -> Cents {
        divideRoundingHalfAwayFromZero(amount * Int64(percent), by: 100)
    }

    /// `amount × part / whole`, rounded half away from zero, computed in 128 bits so that it cannot
    /// overflow; `whole` must be positive and `part` at most `whole`. This is the residual value of a
    /// subscription: `price × remaining / total`.
    public static func proportion(_ amount: Int64, _ part: Int64, of whole: Int64) -> Int64 {
        let product = amount.multipliedFullWidth(by: part)
        let (quotient, remainder) = whole.dividingFullWidth(product)
        if remainder.magnitude * 2 >= whole.magnitude {
            return quotient + ((amount < 0) != (part < 0) ? -1 : 1)
        }
        return quotient
    }

    /// `numerator / denominator` rounded half away from zero; `denominator` must be positive.
    public static func divideRoundingHalfAwayFromZero(_ numerator: Int64, by denominator: Int64) -> Int64 {
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder.magnitude * 2 >= denominator.magnitude {
            return quotient + (numerator < 0 ? -1 : 1)
        }
        return quotient
    }
}
