import ClientLedger
import Foundation

/// A realistic, reproducible salon history — what `ledger demo` records, and what the benchmarks
/// measure on: the same seed, size and end instant give the same events. The distributions and
/// their sources are in `docs/demo-data.md`; the numbers in this file are the ones that page states.
///
/// The events come in the order they happened, each client's spread over the years among everyone
/// else's, as a real salon's log is.
public struct DemoSalon {
    /// How many clients the history has.
    public let clients: Int
    /// How many years it spans.
    public let years: Int
    /// The end of the history ("now"): nothing is dated after it; appointments may start after it.
    public let now: Timestamp
    /// The start of the history, `years` before `now`.
    public let start: Timestamp
    private var random: SeededRandom
    private var events: [(at: Timestamp, order: Int, event: LedgerEvent)] = []
    /// When each client was archived (none may refer a new client after that).
    private var archivedAt: [ClientID: Timestamp] = [:]
    /// The latest event of the client being generated.
    private var latest = Timestamp(microsecondsSinceEpoch: 0)

    /// A history of `clients` clients (ids `c1`, `c2`, …) over `years` years up to `now`, drawn
    /// from the generator seeded with `seed`.
    public init(clients: Int, seed: UInt64, years: Int, now: Timestamp) {
        self.clients = clients
        self.years = years
        self.now = now
        start = now.adding(microseconds: -Int64(years) * 365 * Self.day)
        random = SeededRandom(seed: seed)
    }

    private static let hour: Int64 = 3_600_000_000
    private static let day: Int64 = 24 * hour
    private static let week: Int64 = 7 * day

    /// The history's events in the order they happened (ties keep the order they were made in).
    public mutating func generate() -> [LedgerEvent] {
        add(start, .salonSettingsChanged(SalonSettingsChanged(at: start, currency: "EUR", timeZone: "Europe/Berlin",
                                                               reminderLeadMinutes: 24 * 60, visitNudgeWeeks: 6)))
        // Belbo's example: EUR 100 of services gives a EUR 5 bonus. 1 point per euro, 5 cents a point,
        // redeemable from 100 points; 100 points to whoever referred a new client.
        add(start, .loyaltyProgrammeChanged(LoyaltyProgrammeChanged(at: start, programme: LoyaltyProgramme(
            pointsPerStep: 1, revenueStep: 100, minimumBalanceToRedeem: 100, reward: .amountPerPoint(5), referralBonusPoints: 100))))
        var registered: [(ClientID, Timestamp)] = []
        for index in 1...max(1, clients) {
            let client = ClientID(unchecked: "c\(index)")
            // 40% were clients before the history starts (registered on its first day); the others
            // arrive evenly over it.
            let joined = random.chance(0.4) ? start.adding(microseconds: 9 * Self.hour)
                : start.adding(microseconds: random.int(in: 0...(now.microsecondsSinceEpoch - start.microsecondsSinceEpoch - Self.week)))
            let arrival = alignToOpeningHours(joined)
            let referrer = random.chance(0.15) ? randomReferrer(registered, before: arrival) : nil
            addClient(client, index: index, joined: arrival, referredBy: referrer)
            registered.append((client, arrival))
        }
        return events.sorted { ($0.at, $0.order) < ($1.at, $1.order) }.map(\.event)
    }

    /// A client registered before `instant` and not archived then, drawn evenly; `nil` if none.
    ///
    /// Up to ``listedReferrersLimit`` clients, the eligible ones are listed and one is drawn: the
    /// histories every seed has given. Above it, listing them for each referral would cost the
    /// square of the salon's size (hours at a million clients), so registrations are drawn at
    /// random until an eligible one comes up — evenly too — giving up (no referrer) after 64 tries.
    private mutating func randomReferrer(_ registered: [(ClientID, Timestamp)], before instant: Timestamp) -> ClientID? {
        func eligible(_ candidate: (ClientID, Timestamp)) -> Bool {
            candidate.1 < instant && archivedAt[candidate.0].map { $0 > instant } ?? true
        }
        guard clients > Self.listedReferrersLimit else {
            let earlier = registered.filter(eligible)
            return earlier.isEmpty ? nil : earlier[random.int(below: earlier.count)].0
        }
        guard !registered.isEmpty else { return nil }
        for _ in 0..<64 {
            let candidate = registered[random.int(below: registered.count)]
            if eligible(candidate) { return candidate.0 }
        }
        return nil
    }

    /// The largest salon whose referrers are drawn from a list of every eligible client.
    public static let listedReferrersLimit = 100_000

    private mutating func add(_ at: Timestamp, _ event: LedgerEvent) {
        events.append((at, events.count, event))
        latest = max(latest, at)
    }

    /// One client's whole history.
    private mutating func addClient(_ client: ClientID, index: Int, joined: Timestamp, referredBy: ClientID?) {
        let woman = random.chance(0.7)
        let first = woman ? Self.womenNames[random.int(below: Self.womenNames.count)] : Self.menNames[random.int(below: Self.menNames.count)]
        let last = Self.familyNames[random.int(below: Self.familyNames.count)]
        let email = random.chance(0.7) ? "\(first.lowercased()).\(last.lowercased().filter(\.isLetter))\(index)@example.com" : nil
        let phone = random.chance(0.9) ? "+4915\(random.int(in: 10_000_000...99_999_999))" : nil
        let birthDate = random.chance(0.5) ? try? CalendarDate(year: random.int(in: 1950...2006), month: random.int(in: 1...12), day: random.int(in: 1...28)) : nil
        latest = joined
        add(joined, .clientRegistered(ClientRegistered(at: joined, client: client, name: "\(first) \(last)", email: email, phone: phone,
                                                       birthDate: birthDate, referredBy: referredBy)))
        if let referredBy {
            let own = latest
            add(joined, .pointsAccrued(PointsAccrued(at: joined, client: referredBy, points: 100, reason: .referral)))
            latest = own
        }
        // Consents as given on the intake form: reminders 80%, marketing 45%, visit nudges 35%.
        let reminders = random.chance(0.8), marketing = random.chance(0.45), nudges = random.chance(0.35)
        for (consent, granted) in [(Consent.reminders, reminders), (.marketing, marketing), (.visitNudges, nudges)] where granted {
            add(joined, .consentChanged(ConsentChanged(at: joined, client: client, consent: consent, granted: true, source: "intake form")))
        }
        if random.chance(0.3) {
            add(joined, .intakeRecorded(IntakeRecorded(at: joined, client: client, form: FormID(unchecked: "intake-1"), answers: [
                "hair type": ["fine", "thick", "curly", "straight"][random.int(below: 4)],
                "colour treated": random.chance(0.5) ? "yes" : "no",
                "scalp sensitivity": random.chance(0.15) ? "yes" : "no",
            ])))
        }
        if random.chance(0.1) {
            add(joined, .noteAdded(NoteAdded(at: joined, client: client, note: NoteID(unchecked: "alert-1"),
                                             text: Self.alerts[random.int(below: Self.alerts.count)], alert: true)))
        }
        if random.chance(0.2) {
            add(joined, .noteAdded(NoteAdded(at: joined, client: client, note: NoteID(unchecked: "note-1"),
                                             text: Self.notes[random.int(below: Self.notes.count)], alert: false)))
        }
        if random.chance(0.05) {
            let hash = (0..<4).map { _ in String(random.next(), radix: 16) }.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
            add(joined, .documentAttached(DocumentAttached(at: joined, client: client, document: DocumentID(unchecked: "doc-1"),
                                                           name: "signed consent form.pdf", mediaType: "application/pdf", sha256: hash,
                                                           bytes: Int64(random.int(in: 40_000...400_000)))))
        }
        if marketing, random.chance(0.1) {
            add(joined.adding(microseconds: Self.day), .consentChanged(ConsentChanged(at: joined.adding(microseconds: Self.day), client: client,
                                                                                      consent: .marketing, granted: false, source: "unsubscribe link")))
        }
        visits(client, joined: joined, woman: woman, reminders: reminders, nudges: nudges)
    }

    /// Visits per year (US survey for women; GfK for men) and ticket sizes (GfK), with bookings,
    /// reminders, cancellations, reschedules, points, redemptions and subscriptions.
    private mutating func visits(_ client: ClientID, joined: Timestamp, woman: Bool, reminders: Bool, nudges: Bool) {
        let perYear: Double
        if woman {
            let draw = random.unit()
            perYear = draw < 0.14 ? 0.5 : draw < 0.30 ? 1.5 : draw < 0.60 ? 4 : draw < 0.78 ? 7.5 : draw < 0.92 ? 12 : 16
        } else {
            perYear = 7.5
        }
        let ticketMean: Int64 = woman ? 4_500 : 1_700
        // Clients from before the history keep coming; about 30% of new clients come back, the others visit once.
        let returns = joined < start.adding(microseconds: Self.day) || random.chance(0.3)
        let meanGap = Double(365 * Self.day) / perYear
        var points: Int64 = 0
        var subscription: (id: SubscriptionID, sessions: Bool, remaining: Int64, validUntil: Timestamp, price: Int64, total: Int64)?
        var subscriptions = 0
        var visit = 0
        var lastCheckout: Timestamp?
        var nextBookedAt: Timestamp?
        var start = alignToOpeningHours(joined.adding(microseconds: Int64(random.exponential(mean: meanGap / 4))))
        while true {
            visit += 1
            let appointment = AppointmentID(unchecked: "a\(visit)")
            let service = woman ? Self.womenServices[random.int(below: Self.womenServices.count)] : Self.menServices[random.int(below: Self.menServices.count)]
            let minutes = woman ? [45, 60, 90, 120][random.int(below: 4)] : 30
            // About half of the visits are rebooked before leaving the last one; the rest are booked 1–14 days ahead.
            var bookedAt = nextBookedAt ?? start.adding(microseconds: -random.int(in: Self.day...(14 * Self.day)))
            bookedAt = max(bookedAt, joined, lastCheckout ?? joined)
            if bookedAt > now { break }
            add(bookedAt, .appointmentBooked(AppointmentBooked(at: bookedAt, client: client, appointment: appointment, start: start, minutes: minutes, service: service)))
            // 90% of the appointments of clients who agree get a reminder, 24 hours ahead.
            let sendAt = start.adding(microseconds: -Self.day)
            let reminded = reminders && random.chance(0.9)
            if reminded {
                add(bookedAt, .reminderScheduled(ReminderScheduled(at: bookedAt, client: client, appointment: appointment,
                                                                   channel: random.chance(0.7) ? .sms : .email, sendAt: max(sendAt, bookedAt))))
            }
            // 8% are cancelled, up to 3 days ahead; 5% are moved by 1–3 days.
            if random.chance(0.08) {
                let cancelledAt = max(bookedAt, start.adding(microseconds: -random.int(in: Self.hour...(72 * Self.hour))))
                if reminded, sendAt <= cancelledAt, sendAt <= now, sendAt >= bookedAt {
                    add(sendAt, .reminderSent(ReminderSent(at: sendAt, client: client, appointment: appointment, channel: .sms)))
                }
                if cancelledAt <= now {
                    add(cancelledAt, .appointmentCancelled(AppointmentCancelled(at: cancelledAt, client: client, appointment: appointment)))
                }
                nextBookedAt = nil
                start = alignToOpeningHours(start.adding(microseconds: random.int(in: Self.day...(10 * Self.day))))
                if start > now.adding(microseconds: 14 * Self.day) || cancelledAt > now { break }
                continue
            }
            if random.chance(0.05) {
                let movedAt = max(bookedAt, start.adding(microseconds: -2 * Self.day))
                if movedAt <= now {
                    start = alignToOpeningHours(start.adding(microseconds: random.int(in: Self.day...(3 * Self.day))))
                    add(movedAt, .appointmentRescheduled(AppointmentRescheduled(at: movedAt, client: client, appointment: appointment, start: start)))
                }
            }
            let reminderAt = start.adding(microseconds: -Self.day)
            if reminded, reminderAt <= now, reminderAt >= bookedAt {
                add(reminderAt, .reminderSent(ReminderSent(at: reminderAt, client: client, appointment: appointment, channel: .sms)))
            }
            let checkoutAt = start.adding(microseconds: Int64(minutes) * 60_000_000)
            if checkoutAt > now { break } // a future appointment: the history ends here
            var ticket = max(800, ticketMean + Int64(random.normal() * Double(ticketMean) / 4)) / 50 * 50
            let visitID = VisitID(unchecked: "v\(visit)")
            // Subscriptions: 8% buy one at a visit, if they have none running.
            if subscription == nil, subscriptions < 3, random.chance(0.08) {
                subscriptions += 1
                let id = SubscriptionID(unchecked: "s\(subscriptions)")
                if random.chance(0.5) {
                    let validUntil = checkoutAt.adding(microseconds: 365 * Self.day)
                    add(checkoutAt, .subscriptionPurchased(SubscriptionPurchased(at: checkoutAt, client: client, subscription: id,
                                                                                 plan: woman ? "10 blow-dries" : "10 haircuts", price: woman ? 25_000 : 15_000,
                                                                                 allowance: .sessions(10), validUntil: validUntil)))
                    subscription = (id, true, 10, validUntil, woman ? 25_000 : 15_000, 10)
                } else {
                    let validUntil = checkoutAt.adding(microseconds: 2 * 365 * Self.day)
                    add(checkoutAt, .subscriptionPurchased(SubscriptionPurchased(at: checkoutAt, client: client, subscription: id,
                                                                                 plan: "EUR 200 credit for EUR 180", price: 18_000,
                                                                                 allowance: .credit(20_000), validUntil: validUntil)))
                    subscription = (id, false, 20_000, validUntil, 18_000, 20_000)
                }
            } else if let running = subscription, checkoutAt <= running.validUntil {
                // Pay with the subscription: a session, or the ticket from the credit.
                let take = running.sessions ? 1 : min(running.remaining, ticket)
                add(checkoutAt, .subscriptionUsed(SubscriptionUsed(at: checkoutAt, client: client, subscription: running.id,
                                                                   usage: running.sessions ? .sessions(1) : .amount(take), visit: visitID)))
                ticket = running.sessions ? 0 : ticket - take
                subscription?.remaining -= take
                if subscription?.remaining == 0 { subscription = nil }
            }
            // Redeem 100-point steps for 30% of the visits once the balance reaches 200.
            if points >= 200, ticket > 0, random.chance(0.3) {
                let redeemed = min(points / 100 * 100, ticket / 5 / 100 * 100)
                if redeemed >= 100 {
                    add(checkoutAt, .discountRedeemed(DiscountRedeemed(at: checkoutAt, client: client, points: redeemed, discount: redeemed * 5, visit: visitID)))
                    points -= redeemed
                    ticket -= redeemed * 5
                }
            }
            add(checkoutAt, .checkedOut(CheckedOut(at: checkoutAt, client: client, visit: visitID, revenue: ticket)))
            if ticket >= 100 {
                add(checkoutAt, .pointsAccrued(PointsAccrued(at: checkoutAt, client: client, points: ticket / 100, reason: .revenue, visit: visitID)))
                points += ticket / 100
            }
            lastCheckout = checkoutAt
            // A subscription past its date expires with what is left (breakage); 3% are refunded instead.
            if let running = subscription {
                if random.chance(0.03) {
                    let refundAt = checkoutAt.adding(microseconds: Self.day)
                    if refundAt <= now {
                        let refund = (running.price * running.remaining + running.total / 2) / running.total
                        add(refundAt, .subscriptionRefunded(SubscriptionRefunded(at: refundAt, client: client, subscription: running.id, refund: refund)))
                        subscription = nil
                    }
                }
            }
            if !returns { break }
            let gap = Int64(max(Double(10 * Self.day), random.exponential(mean: meanGap)))
            let nextStart = alignToOpeningHours(checkoutAt.adding(microseconds: gap))
            if let running = subscription, running.validUntil < nextStart, running.validUntil <= now {
                add(running.validUntil, .subscriptionExpired(SubscriptionExpired(at: running.validUntil, client: client, subscription: running.id)))
                subscription = nil
            }
            // A visit nudge six weeks after a visit, if none is booked by then and the client agrees.
            let nudgeAt = checkoutAt.adding(microseconds: 6 * Self.week)
            let rebooked = random.chance(0.5)
            if nudges, !rebooked, nudgeAt < nextStart.adding(microseconds: -14 * Self.day), nudgeAt <= now, random.chance(0.8) {
                add(nudgeAt, .visitNudgeSent(VisitNudgeSent(at: nudgeAt, client: client, channel: random.chance(0.5) ? .sms : .email)))
            }
            nextBookedAt = rebooked ? checkoutAt : nil
            start = nextStart
            if start > now.adding(microseconds: 14 * Self.day) { break }
        }
        if let running = subscription, running.validUntil <= now, running.validUntil >= latest {
            add(running.validUntil, .subscriptionExpired(SubscriptionExpired(at: running.validUntil, client: client, subscription: running.id)))
            subscription = nil
        }
        // Clients gone for 18 months are archived; a few of the long-gone ones asked to be forgotten.
        if lastCheckout != nil, subscription == nil {
            let archiveAt = latest.adding(microseconds: 548 * Self.day)
            if archiveAt <= now {
                archivedAt[client] = archiveAt
                add(archiveAt, .clientArchived(ClientArchived(at: archiveAt, client: client, reason: "no visit for 18 months")))
                if random.chance(0.1) {
                    let eraseAt = archiveAt.adding(microseconds: Self.day)
                    if eraseAt <= now { add(eraseAt, .clientErased(ClientErased(at: eraseAt, client: client))) }
                }
            }
        }
    }

    /// A quarter hour in opening hours (09:00–18:00 UTC) on the day of `instant`, or on the next day
    /// if the one drawn is earlier than `instant`: never before it.
    private mutating func alignToOpeningHours(_ instant: Timestamp) -> Timestamp {
        let micros = instant.microsecondsSinceEpoch
        let dayStart = micros - ((micros % Self.day) + Self.day) % Self.day
        let slot = 9 * Self.hour + Int64(random.int(below: 36)) * (Self.hour / 4)
        let aligned = dayStart + slot
        return Timestamp(microsecondsSinceEpoch: aligned >= micros ? aligned : aligned + Self.day)
    }

    private static let womenNames = ["Anna", "Emma", "Sophie", "Lena", "Marie", "Julia", "Laura", "Lisa", "Sara", "Hannah", "Eva", "Nina",
                                     "Femke", "Sanne", "Lotte", "Fleur", "Noor", "Ines", "Clara", "Mila"]
    private static let menNames = ["Lukas", "Jonas", "Felix", "Paul", "Max", "Daan", "Sem", "Bram", "Tim", "Jan", "Luca", "Noah"]
    private static let familyNames = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "de Jong", "Jansen",
                                      "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Hoffmann", "Koch", "Richter", "Klein", "Wolf"]
    private static let womenServices = ["cut and blow-dry", "colour", "highlights", "blow-dry", "balayage", "treatment and cut"]
    private static let menServices = ["men's haircut", "beard trim", "haircut and beard"]
    private static let alerts = ["Allergic to PPD hair dye: patch test 48 hours before any colour", "Latex allergy: use nitrile gloves",
                                 "Sensitive scalp: no ammonia products", "Allergic to nickel: no metal clips"]
    private static let notes = ["Prefers appointments on Saturday mornings", "Likes a black coffee while waiting", "Wants a quiet treatment, no small talk",
                                "Colour formula: 7.1 + 20 vol, 35 minutes"]
}

/// The draws the demo salon makes from ``SeededRandom`` (the same seed gives the same history on
/// every machine).
extension SeededRandom {
    /// A number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func int(below bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    mutating func int<T: FixedWidthInteger>(in range: ClosedRange<T>) -> T {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        return range.lowerBound + T(width == 0 ? next() : next() % width)
    }

    /// An exponentially distributed number with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * log1p(-unit()) }

    /// A standard normal number (Box–Muller).
    mutating func normal() -> Double {
        let u = max(unit(), 1e-12), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
