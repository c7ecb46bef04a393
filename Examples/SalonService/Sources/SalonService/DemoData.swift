import ClientLedger

/// Demo data for a fresh ledger, so that the endpoints, the smoke test and the `YearEndAudit` example
/// have something to show.
enum DemoData {
    /// Microseconds in a day.
    private static let day: Int64 = 86_400_000_000

    /// Registers clients `c1`…`cN` concurrently, one task each (their commands meet in the log's group
    /// commit). Each client registered 400 days ago, agreed to reminders, bought 10 blow-dries for
    /// 250.00 then, used one 200 and one 30 days ago, and is booked for tomorrow; the even ones
    /// have a reminder scheduled. A loyalty programme (1 point per 1.00) is set on a fresh ledger.
    /// Clients that exist already are left alone, so seeding again changes nothing.
    ///
    /// - Returns: how many clients were seeded now, and what failed.
    static func seed(_ ledger: SalonLedger, clients count: Int) async -> (seeded: Int, failures: [String]) {
        guard count > 0 else { return (0, []) }
        let now = Timestamp.now
        let yearAgo = now.adding(microseconds: -400 * day)
        do {
            if try ledger.card(of: ClientID("c1")) == nil {
                try await ledger.changeLoyaltyProgramme(LoyaltyProgramme(), at: yearAgo, actor: "seed")
            }
        } catch {
            return (0, ["loyalty programme: \(error)"])
        }
        return await withTaskGroup(of: Result<Bool, LedgerError>.self) { group in
            for number in 1...count {
                group.addTask {
                    do throws(LedgerError) {
                        return .success(try await seedClient(number, ledger: ledger, now: now, since: yearAgo))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var seeded = 0
            var failures: [String] = []
            for await result in group {
                switch result {
                case .success(true): seeded += 1
                case .success(false): break
                case .failure(let error): failures.append("\(error)")
                }
            }
            return (seeded, failures)
        }
    }

    /// Seeds client `c<number>`; `false` if it was registered already.
    private static func seedClient(_ number: Int, ledger: SalonLedger, now: Timestamp, since: Timestamp) async throws(LedgerError) -> Bool {
        let client = try ClientID("c\(number)")
        do {
            try await ledger.registerClient(client, name: "Demo Client \(number)", phone: "+44700\(1_000_000 + number)", at: since, actor: "seed")
        } catch where error.code == .clientExists {
            return false
        }
        let blowDries = try SubscriptionID("s1")
        let appointment = try AppointmentID("a1")
        try await ledger.changeConsent(of: client, .reminders, granted: true, source: "seed", at: since, actor: "seed")
        try await ledger.sellSubscription(to: client, subscription: blowDries, plan: "10 blow-dries", price: 25_000,
                                          allowance: .sessions(10), at: since, actor: "seed")
        try await ledger.useSubscription(blowDries, of: client, .sessions(1), at: now.adding(microseconds: -200 * day), actor: "seed")
        try await ledger.useSubscription(blowDries, of: client, .sessions(1), at: now.adding(microseconds: -30 * day), actor: "seed")
        try await ledger.bookAppointment(appointment, for: client, start: now.adding(microseconds: day + Int64(number) * 60_000_000),
                                         minutes: 45, service: "cut & blow-dry", at: now, actor: "seed")
        if number.isMultiple(of: 2) {
            try await ledger.scheduleReminder(for: appointment, of: client, channel: .sms, at: now, actor: "seed")
        }
        return true
    }
}
