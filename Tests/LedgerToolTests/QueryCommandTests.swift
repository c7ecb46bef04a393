import Foundation
import Testing

/// The hand-computed salon of `Fixtures/salon.jsonl`, queried through every command in `--json`.
///
/// The figures (see the comments) were worked out by hand from the fixture, not read off the tool.
@Suite("ledger: queries on an imported fixture")
struct QueryCommandTests {
    let scratch = Scratch()
    var path: String { scratch.child("salon.ledger") }
    static let now = "2026-11-22T12:00:00Z"

    init() throws {
        let run = try ledger("import", try fixture("salon.jsonl"), "--ledger", scratch.child("salon.ledger"), "--json", in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try run.object()
        #expect(summary["events"] as? Int == 42)
        #expect(summary["clients"] as? Int == 5)
    }

    @Test("card: details, consents, points, alerts, visits, the next appointment, subscriptions with their uses")
    func card() throws {
        let run = try ledger("card", "ada", "--now", Self.now, "--ledger", path, "--json", in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        let card = try run.object()
        #expect(card["client"] as? String == "ada")
        #expect(card["name"] as? String == "Ada Lovelace")
        #expect(card["callLink"] as? String == "tel:+441234567890")
        #expect(card["archived"] as? Bool == false)
        #expect(card["erased"] as? Bool == false)
        let consents = card["consents"] as? [String: Bool]
        #expect(consents == ["reminders": true, "marketing": false, "visitNudges": true])
        // 45 (v1) + 100 (referral of bob) − 40 (redeemed) + 23 (v4)
        #expect(card["points"] as? Int == 128)
        #expect(card["lastVisit"] as? String == "2026-02-01T11:00:00Z")
        #expect(card["nextAppointment"] as? String == "2026-11-25T10:00:00Z")
        #expect(card["alerts"] as? [String] == ["Allergic to PPD hair dye"])
        let subscriptions = try #require(card["subscriptions"] as? [[String: Any]])
        #expect(subscriptions.count == 1)
        let s1 = subscriptions[0]
        #expect(s1["subscription"] as? String == "s1")
        #expect(s1["plan"] as? String == "10 blow-dries")
        #expect(s1["kind"] as? String == "sessions")
        // 10 sessions, 1 + 2 used: 25,000 × 7 / 10
        #expect(s1["remaining"] as? Int == 7)
        #expect(s1["residualValue"] as? Int == 17_500)
        #expect(s1["status"] as? String == "active")
        #expect(s1["purchasedAt"] as? String == "2025-02-01T10:00:00Z")
        #expect(s1["usedAt"] as? [String] == ["2025-03-01T11:00:00Z", "2026-01-15T11:00:00Z"])
    }

    @Test("card: an erased client keeps amounts and loses personal data; an unknown client is refused")
    func erasedAndUnknown() throws {
        let eve = try ledger("card", "eve", "--ledger", path, "--json", in: scratch).object()
        #expect(eve["erased"] as? Bool == true)
        #expect(eve["name"] is NSNull)
        #expect(eve["points"] as? Int == 20)
        let unknown = try ledger("card", "zed", "--ledger", path, in: scratch)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no client zed"))
        #expect(unknown.stdout.isEmpty)
    }

    @Test("residual: now, and as of a plain date (the end of that day in the salon's time zone)")
    func residual() throws {
        let now = try ledger("residual", "--as-of", Self.now, "--ledger", path, "--json", in: scratch).object()
        // Only ada's s1 is left: bob's expired, cleo's was refunded.
        #expect(now["total"] as? Int == 17_500)
        let lines = try #require(now["subscriptions"] as? [[String: Any]])
        #expect(lines.count == 1)
        #expect(lines.first?["client"] as? String == "ada")
        #expect(lines.first?["residualValue"] as? Int == 17_500)

        let yearEnd = try ledger("residual", "--as-of", "2025-12-31", "--ledger", path, "--json", in: scratch).object()
        // ada 25,000 × 9/10 = 22,500; bob 18,000 × 15,000/20,000 = 13,500; cleo 10,000 × 3/5 = 6,000
        #expect(yearEnd["asOf"] as? String == "2025-12-31T22:59:59.999999Z")
        #expect(yearEnd["total"] as? Int == 42_000)
        let byClient = Dictionary(uniqueKeysWithValues: (yearEnd["subscriptions"] as? [[String: Any]] ?? []).map {
            ($0["client"] as? String ?? "", $0["residualValue"] as? Int ?? 0)
        })
        #expect(byClient == ["ada": 22_500, "bob": 13_500, "cleo": 6_000])
    }

    @Test("audit: the 2026 roll-forward adds up, with points, discounts, events and the verified chain")
    func audit() throws {
        let run = try ledger("audit", "--from", "2026-01-01", "--to", "2026-12-31", "--ledger", path, "--json", in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        let audit = try run.object()
        #expect(audit["from"] as? String == "2025-12-31T23:00:00Z")
        #expect(audit["opening"] as? Int == 42_000)
        #expect(audit["sold"] as? Int == 0)
        #expect(audit["used"] as? Int == 5_000)       // ada: 22,500 → 17,500
        #expect(audit["expired"] as? Int == 13_500)   // bob's credit
        #expect(audit["refunded"] as? Int == 6_000)   // cleo's residual then
        #expect(audit["closing"] as? Int == 17_500)
        #expect(audit["refundedCash"] as? Int == 6_000)
        #expect(audit["pointsOutstanding"] as? Int == 188) // ada 128, bob 10, dave 30, eve 20 (erased: amounts stay)
        #expect(audit["discountsGranted"] as? Int == 200)
        #expect(audit["events"] as? Int == 20)
        #expect(audit["verified"] as? Bool == true)
        let head = try ledger("verify", "--ledger", path, "--json", in: scratch).object()
        #expect(audit["headHash"] as? String == head["headHash"] as? String)
        #expect((head["headHash"] as? String)?.hasPrefix("42:") == true)
    }

    @Test("coverage: past and next windows, the uncovered list with reasons, and scheduling the missing ones")
    func coverage() throws {
        let html = scratch.child("coverage.html")
        let coverage = try ledger("coverage", "--now", Self.now, "--html", html, "--ledger", path, "--json", in: scratch).object()
        #expect(coverage["past"] as? [String: Int] == ["appointments": 2, "covered": 1, "missing": 0, "noConsent": 1])
        #expect(coverage["next"] as? [String: Int] == ["appointments": 2, "covered": 1, "missing": 1, "noConsent": 0])
        let uncovered = try #require(coverage["uncovered"] as? [[String: String]])
        #expect(uncovered.map { [$0["client"], $0["appointment"], $0["reason"], $0["window"], $0["start"]] } == [
            ["bob", "a1", "noConsent", "past", "2026-11-19T10:00:00Z"],
            ["cleo", "a1", "missing", "next", "2026-11-24T10:00:00Z"],
        ])
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("Past 7 days") && page.contains("Next 7 days") && page.contains("cleo"))
        #expect(!page.contains("http://") && !page.contains("https://"), "the report must not fetch anything")

        // A what-if instant never dates a write: scheduling happens now or not at all.
        let before = try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String
        let refused = try ledger("coverage", "--now", Self.now, "--schedule-missing", "--ledger", path, in: scratch)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--now"))
        #expect(try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String == before)
        // In the salon's time zone (Europe/Berlin), with the clients' names, as British Excel opens it.
        let csv = try ledger("coverage", "--now", Self.now, "--csv", "--locale", "en-GB", "--ledger", path, in: scratch)
        #expect(csv.stdout == "\u{FEFF}window,start,appointment,client,name,phone,reason\r\npast,19/11/2026 11:00,a1,bob,Bob Builder,-,no consent\r\n"
                + "next,24/11/2026 11:00,a1,cleo,Cleo Patra,-,missing\r\n")
    }

    @Test("nudges: only the client past six weeks with consent and nothing booked")
    func nudges() throws {
        let due = try ledger("nudges", "--now", Self.now, "--ledger", path, "--json", in: scratch).json() as? [[String: String]]
        #expect(due == [["client": "dave", "lastVisit": "2026-09-01T10:00:00Z"]])
    }

    @Test("clients, stats and export")
    func listing() throws {
        let clients = try ledger("clients", "--search", "LOVE", "--ledger", path, "--json", in: scratch).json() as? [[String: Any]]
        #expect(clients?.compactMap { $0["client"] as? String } == ["ada"])
        let all = try ledger("clients", "--ledger", path, "--json", in: scratch).json() as? [[String: Any]]
        #expect(all?.compactMap { $0["client"] as? String } == ["ada", "bob", "cleo", "dave", "eve"])
        let stats = try ledger("stats", "--ledger", path, "--json", in: scratch).object()
        #expect(stats["events"] as? Int == 42)
        #expect(stats["clients"] as? Int == 5)
        #expect((stats["eventsByType"] as? [String: Int])?["CheckedOut"] == 5)
        let export = try ledger("export", "--from", "41", "--ledger", path, in: scratch)
        #expect(export.stdout == """
            {"type":"AppointmentBooked","at":"2026-11-20T09:20:00Z","client":"cleo","appointment":"a2","start":"2026-11-26T10:00:00Z","minutes":30,"service":"treatment"}
            {"type":"AppointmentCancelled","at":"2026-11-21T08:00:00Z","client":"cleo","appointment":"a2"}

            """)
    }
}
