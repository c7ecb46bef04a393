import EventLog

// The reports in the shapes the `ledger` tool prints with `--json` and `shared/interchange.md`
// names. Amounts are integer cents; instants RFC 3339 strings; an absent value is `null`.

/// The keys of the residual, roll-forward and audit reports.
private enum ReportKey: String, CodingKey {
    case asOf, total, clients, subscriptions, perClient
    case from, to, opening, sold, used, expired, refunded, closing, refundedCash, byYearSold
    case pointsOutstanding, discountsGranted, events, headHash, verified, anchors, verification
}

/// `asOf`, `total`, `clients` (how many have a residual value), `subscriptions` (each `client`,
/// `subscription`, `plan`, `kind`, `remaining`, `residualValue`, `purchasedAt`) and `perClient`
/// (client id → residual value, ids in byte order).
extension ResidualReport: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ReportKey.self)
        var perClient: [ClientID: Cents] = [:]
        for (client, value) in try c.decode([String: Cents].self, forKey: .perClient) {
            perClient[try ClientID(from: client, at: decoder.codingPath + [ReportKey.perClient])] = value
        }
        self.init(asOf: try c.decode(Timestamp.self, forKey: .asOf), total: try c.decode(Cents.self, forKey: .total),
                  subscriptions: try c.decode([Line].self, forKey: .subscriptions), perClient: perClient)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ReportKey.self)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(total, forKey: .total)
        try c.encode(perClient.count, forKey: .clients)
        try c.encode(subscriptions, forKey: .subscriptions)
        try c.encodeSorted(Dictionary(uniqueKeysWithValues: perClient.map { ($0.key.rawValue, $0.value) }), forKey: .perClient)
    }
}

/// `from`, `to`, the total's figures at the top level (`opening`, `sold`, `used`, `expired`,
/// `refunded`, `closing`, `refundedCash`), and `byYearSold` (year → the same figures, years in order).
extension RollForward: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ReportKey.self)
        var years: [Int: Figures] = [:]
        for (year, figures) in try c.decode([String: Figures].self, forKey: .byYearSold) {
            guard let number = Int(year) else {
                throw DecodingError.dataCorruptedError(forKey: .byYearSold, in: c, debugDescription: "\"\(year)\" is not a year")
            }
            years[number] = figures
        }
        self.init(from: try c.decode(Timestamp.self, forKey: .from), to: try c.decode(Timestamp.self, forKey: .to),
                  total: try Figures(from: decoder), byYearSold: years)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ReportKey.self)
        try encode(into: &c)
    }

    /// Writes the roll-forward's keys into `c` (which an audit shares).
    fileprivate func encode(into c: inout KeyedEncodingContainer<ReportKey>) throws {
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(total.opening, forKey: .opening)
        try c.encode(total.sold, forKey: .sold)
        try c.encode(total.used, forKey: .used)
        try c.encode(total.expired, forKey: .expired)
        try c.encode(total.refunded, forKey: .refunded)
        try c.encode(total.closing, forKey: .closing)
        try c.encode(total.refundedCash, forKey: .refundedCash)
        var years = c.nestedContainer(keyedBy: DynamicKey.self, forKey: .byYearSold)
        for (year, figures) in byYearSold.sorted(by: { $0.key < $1.key }) { try years.encode(figures, forKey: DynamicKey(String(year))) }
    }
}

/// The roll-forward's keys (see ``RollForward``), then `pointsOutstanding`, `discountsGranted`,
/// `events` (dated in the period), `headHash`, `verified` and `anchors` from the verification, and
/// `verification` in full (as ``ChainVerification`` encodes it).
extension AuditReport: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ReportKey.self)
        self.init(from: try c.decode(Timestamp.self, forKey: .from), to: try c.decode(Timestamp.self, forKey: .to),
                  rollForward: try RollForward(from: decoder),
                  pointsOutstanding: try c.decode(Int64.self, forKey: .pointsOutstanding),
                  discountsGranted: try c.decode(Cents.self, forKey: .discountsGranted), events: try c.decode(Int.self, forKey: .events),
                  verification: try c.decode(ChainVerification.self, forKey: .verification))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ReportKey.self)
        try rollForward.encode(into: &c)
        try c.encode(pointsOutstanding, forKey: .pointsOutstanding)
        try c.encode(discountsGranted, forKey: .discountsGranted)
        try c.encode(events, forKey: .events)
        try c.encode(verification.head, forKey: .headHash)
        try c.encode(verification.isIntact, forKey: .verified)
        try c.encode(verification.anchors, forKey: .anchors)
        try c.encode(verification, forKey: .verification)
    }
}

/// `client`, `name`, `email`, `phone`, `archived`, `erased`, `points`, `lastVisit` (`null` for none).
extension ClientSummary: Codable {
    private enum CodingKeys: String, CodingKey { case client, name, email, phone, archived, erased, points, lastVisit }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(client: try c.decode(ClientID.self, forKey: .client), name: try c.decodeIfPresent(String.self, forKey: .name),
                  email: try c.decodeIfPresent(String.self, forKey: .email), phone: try c.decodeIfPresent(String.self, forKey: .phone),
                  archived: try c.decode(Bool.self, forKey: .archived), erased: try c.decode(Bool.self, forKey: .erased),
                  points: try c.decode(Int64.self, forKey: .points), lastVisit: try c.decodeIfPresent(Timestamp.self, forKey: .lastVisit))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(client, forKey: .client)
        try c.encode(name, forKey: .name)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(archived, forKey: .archived)
        try c.encode(erased, forKey: .erased)
        try c.encode(points, forKey: .points)
        try c.encode(lastVisit, forKey: .lastVisit)
    }
}

/// `from`, `to`, `points` and `money` (each `opening`, `earned`, `redeemed`, `expired`, `adjusted`,
/// `closing`), `revaluation`, and `pointValueAtOpening`, `pointValueAtClosing` (cents; `null` where
/// the programme gives a point no fixed value — never a missing key).
extension PointsLiability: Codable {
    private enum CodingKeys: String, CodingKey { case from, to, points, money, revaluation, pointValueAtOpening, pointValueAtClosing }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(from: try c.decode(Timestamp.self, forKey: .from), to: try c.decode(Timestamp.self, forKey: .to),
                  points: try c.decode(Figures.self, forKey: .points), money: try c.decode(Figures.self, forKey: .money),
                  revaluation: try c.decode(Int64.self, forKey: .revaluation),
                  pointValueAtOpening: try c.decodeIfPresent(Cents.self, forKey: .pointValueAtOpening),
                  pointValueAtClosing: try c.decodeIfPresent(Cents.self, forKey: .pointValueAtClosing))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(points, forKey: .points)
        try c.encode(money, forKey: .money)
        try c.encode(revaluation, forKey: .revaluation)
        try c.encode(pointValueAtOpening, forKey: .pointValueAtOpening)
        try c.encode(pointValueAtClosing, forKey: .pointValueAtClosing)
    }
}

extension Identifier {
    /// An identifier read from a JSON object's key: validated, or a decoding error at `path`.
    fileprivate init(from key: String, at path: [any CodingKey]) throws {
        do {
            try self.init(key)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: error.message, underlyingError: error))
        }
    }
}
