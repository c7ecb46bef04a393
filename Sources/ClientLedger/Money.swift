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
    /// Computed in 128 bits; a result beyond `Int64` (which no amount within the ledger's limits
    /// gives) is held at its limit.
    public static func percentage(_ percent: Int, of amount: Cents) -> Cents {
        proportion(amount, Int64(percent), of: 100)
    }

    /// `amount × part / whole`, rounded half away from zero, computed in 128 bits so that it cannot
    /// overflow; `whole` must be positive (a zero or negative `whole` gives 0). This is the residual
    /// value of a subscription: `price × remaining / total`. With `part` at most `whole` the result
    /// is at most `amount`; a result beyond `Int64` is held at its limit.
    public static func proportion(_ amount: Int64, _ part: Int64, of whole: Int64) -> Int64 {
        guard whole > 0 else { return 0 }
        let product = Int128(amount) * Int128(part)
        var quotient = product / Int128(whole)
        let remainder = product % Int128(whole)
        if remainder.magnitude * 2 >= UInt128(whole) {
            quotient += product < 0 ? -1 : 1
        }
        return Int64(clamping: quotient)
    }

    /// The sum of amounts, each at most ``maximumAmount`` in magnitude, as the `Int64` a report
    /// holds: added up in 128 bits, so no number of them can overflow on the way; throws
    /// ``LedgerError/Code/amountOutOfRange`` naming `figure` if the sum itself does not fit.
    package static func total(_ wide: Int128, _ figure: @autoclosure () -> String) throws(LedgerError) -> Int64 {
        guard let value = Int64(exactly: wide) else {
            throw LedgerError(.amountOutOfRange, "\(figure()) adds up to \(wide), beyond the ±9,223,372,036,854,775,807 a report holds")
        }
        return value
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

extension Int64 {
    /// `self + other`, held at `Int64.min`/`Int64.max` instead of overflowing. For folds over stored
    /// data, whose amounts the rules keep far from the limits: a log rewritten to break them gives
    /// capped figures, never a trap.
    @inline(__always)
    package func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }
}
