import ClientLedger
import Foundation
import Testing

/// The operator's commands: archive, reactivate and erase a client with who and why, a subject
/// access request, reminders scheduled for chosen appointments only, the ledger named by the
/// environment, the coverage page on standard output and the demo's tour as JSON.
@Suite("ledger: the operator's commands")
struct OperatorCommandTests {
    @Test("archive, reactivate and erase record who and why; an erasure asks first, and the card shows no sealed alert")
    func lifecycle() throws {
        let (scratch, path) = try importedSalon()
        let archived = try ledger("archive", "ada", "--actor", "anna", "--reason", "moved away", "--ledger", path, in: scratch)
        #expect(archived.status == 0, "\(archived.stderr)")
        #expect(try ledger("card", "ada", "--ledger", path, in: scratch).stdout.contains("ARCHIVED"))
        let reactivated = try ledger("reactivate", "ada", "--reason", "back in town", "--ledger", path, "--json", in: scratch)
        #expect(reactivated.status == 0, "\(reactivated.stderr)")
        #expect(reactivated.stdout.contains("\"reason\": \"back in town\""), "\(reactivated.stdout)")
        #expect(!(try ledger("card", "ada", "--ledger", path, in: scratch).stdout.contains("ARCHIVED")))

        // Not on a terminal and without --yes: refused, nothing recorded.
        let head = try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String
        let unconfirmed = try ledger("erase", "ada", "--ledger", path, in: scratch)
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        #expect(try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String == head)

        let erased = try ledger("erase", "ada", "--yes", "--actor", "dpo", "--reason", "request of 2026-11-30", "--ledger", path, in: scratch)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.contains("Erased client ada"), "\(erased.stdout)")
        let card = try ledger("card", "ada", "--ledger", path, in: scratch).stdout
        #expect(card.contains("(erased)"))
        #expect(!card.contains("ALERT"), "\(card)")
        let again = try ledger("erase", "ada", "--yes", "--ledger", path, in: scratch)
        #expect(again.status == 1)
    }

    @Test("subject-access prints the card and every event of one client, decrypted, as JSON")
    func subjectAccess() throws {
        let (scratch, path) = try importedSalon()
        let run = try ledger("subject-access", "ada", "--ledger", path, in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try run.object()
        #expect(object["client"] as? String == "ada")
        #expect((object["card"] as? [String: Any])?["name"] as? String == "Ada Lovelace")
        let events = try #require(object["events"] as? [[String: Any]])
        let types = events.compactMap { ($0["event"] as? [String: Any])?["type"] as? String }
        #expect(types.first == "ClientRegistered")
        #expect(types.contains("NoteAdded"))
        // Only this client's events.
        #expect(events.allSatisfy { ($0["event"] as? [String: Any])?["client"] as? String == "ada" })
        // Decrypted: the name is there in the registration.
        #expect((events.first?["event"] as? [String: Any])?["name"] as? String == "Ada Lovelace")
        let unknown = try ledger("subject-access", "nobody", "--ledger", path, in: scratch)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no client nobody"), "\(unknown.stderr)")
    }

    @Test("--schedule-missing --only schedules the chosen appointments and prints them")
    func scheduleOnly() throws {
        let (scratch, path) = try TrustCommandTests.salonWithUpcomingAppointments(["a1", "a2", "a3"])
        let refused = try ledger("coverage", "--only", "ada/a1", "--ledger", path, in: scratch)
        #expect(refused.status != 0)
        let unnamed = try ledger("coverage", "--schedule-missing", "--only", "a1", "--ledger", path, in: scratch)
        #expect(unnamed.status == 1)
        #expect(unnamed.stderr.contains("CLIENT/APPOINTMENT"), "\(unnamed.stderr)")
        let run = try ledger("coverage", "--schedule-missing", "--only", "ada/a1", "ada/a3", "--ledger", path, in: scratch)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Scheduled 2 missing reminders"), "\(run.stdout)")
        #expect(run.stdout.contains("a1") && run.stdout.contains("a3"))
        let after = try ledger("coverage", "--ledger", path, "--json", in: scratch).object()
        let uncovered = try #require(after["uncovered"] as? [[String: Any]])
        #expect(uncovered.compactMap { $0["appointment"] as? String } == ["a2"])
    }

    @Test("import, export, backup and demo tell how far they are on standard error, the output untouched")
    func progress() throws {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        let imported = try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch)
        #expect(imported.stderr.contains("import: checking: 42/42 events") && imported.stderr.contains("import: recording: 42/42 events"), "\(imported.stderr)")
        let exported = try ledger("export", "--ledger", path, in: scratch)
        #expect(exported.stderr.contains("export: 42/42 events"), "\(exported.stderr)")
        #expect(exported.stdout.split(separator: "\n").count == 42)
        let backup = try ledger("backup", scratch.child("backup"), "--ledger", path, in: scratch)
        #expect(backup.stderr.contains("backup: 42/42 events"), "\(backup.stderr)")
        let demo = try ledger("demo", "--clients", "10", "--json", "--ledger", scratch.child("demo"), in: scratch)
        #expect(demo.stderr.contains("demo: recording:"), "\(demo.stderr)")
        #expect(try demo.object()["created"] is [String: Any])
    }

    @Test("the ledger is named by CLIENTLEDGER_LEDGER; coverage --html - prints the page; demo --json prints the tour")
    func environmentStdoutAndJSON() throws {
        let (scratch, path) = try importedSalon()
        let card = try ledger(["card", "ada", "--json"], in: scratch, environment: ["CLIENTLEDGER_LEDGER": path])
        #expect(card.status == 0, "\(card.stderr)")
        #expect(try card.object()["name"] as? String == "Ada Lovelace")
        let page = try ledger("coverage", "--html", "-", "--ledger", path, in: scratch)
        #expect(page.status == 0, "\(page.stderr)")
        #expect(page.stdout.hasPrefix("<!DOCTYPE html>") || page.stdout.hasPrefix("<!doctype html>"), "\(page.stdout.prefix(80))")
        #expect(!FileManager.default.fileExists(atPath: scratch.child("-")))
        let demo = try ledger("demo", "--clients", "20", "--ledger", scratch.child("demo.ledger"), "--json", in: scratch)
        #expect(demo.status == 0, "\(demo.stderr)")
        let tour = try demo.object()
        #expect((tour["created"] as? [String: Any])?["clients"] as? Int == 20)
        #expect(tour["coverage"] is [String: Any])
        #expect((tour["headHash"] as? String)?.contains(":") == true)
    }
}
