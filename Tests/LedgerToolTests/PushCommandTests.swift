import Foundation
import PostgresTestSupport
import Testing

/// `ledger push` copies a ledger into PostgreSQL (a server the tests start), and `ledger verify
/// --postgres` checks it there.
@Suite("ledger push and verify --postgres")
struct PushCommandTests {
    @Test("a pushed ledger has the local head hash in PostgreSQL, verifies there, and a second push copies nothing")
    func pushAndVerify() throws {
        let (scratch, path, conninfo, salon) = try importedSalon()
        let local = try #require(try ledger("verify", "--ledger", path, "--json", in: scratch).object()["headHash"] as? String)

        let pushed = try ledger("push", "--ledger", path, "--postgres", conninfo, "--salon", salon, "--json", in: scratch)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let result = try pushed.object()
        #expect(result["head"] as? String == local)
        #expect((result["eventsCopied"] as? Int).map { $0 > 0 } == true)

        // The same ledger, named through the environment.
        let remote = try ledger(["verify", "--json"], in: scratch, environment: ["CLIENTLEDGER_POSTGRES": conninfo, "CLIENTLEDGER_SALON": salon])
        #expect(remote.status == 0, "\(remote.stderr)")
        #expect(try remote.object()["headHash"] as? String == local)
        #expect(try ledger("verify", "--postgres", conninfo, "--salon", salon, "--anchor", local, in: scratch).status == 0)

        let again = try ledger("push", "--ledger", path, "--postgres", conninfo, "--salon", salon, in: scratch)
        #expect(again.status == 0)
        #expect(again.stdout.contains("Pushed 0 events"), "\(again.stdout)")
    }

    /// The fixture salon imported into a new local ledger, the shared server, and a new ledger id.
    func importedSalon() throws -> (scratch: Scratch, path: String, conninfo: String, salon: String) {
        let scratch = Scratch()
        let path = scratch.child("salon.ledger")
        try #require(try ledger("import", try fixture("salon.jsonl"), "--ledger", path, in: scratch).status == 0)
        return (scratch, path, try PostgresServer.conninfo(), "salon-\(UUID().uuidString.prefix(8))")
    }

    @Test("a record changed in PostgreSQL fails verify with exit code 2 naming its position")
    func tampered() throws {
        let (scratch, path, conninfo, salon) = try importedSalon()
        try #require(try ledger("push", "--ledger", path, "--postgres", conninfo, "--salon", salon, in: scratch).status == 0)
        try PostgresServer.psql("""
            UPDATE clientledger_record SET record = set_byte(record, 60, get_byte(record, 60) # 1)
            WHERE ledger = '\(salon)' AND position = 38
            """)
        let run = try ledger("verify", "--postgres", conninfo, "--salon", salon, in: scratch)
        #expect(run.status == 2)
        #expect(run.stderr.contains("position 38"), "\(run.stderr)")
    }

    @Test("push without a database, or without a ledger id, is refused; an unreachable database exits 3")
    func refused() throws {
        let (scratch, path, _, _) = try importedSalon()
        let noDatabase = try ledger(["push", "--ledger", path], in: scratch, environment: ["CLIENTLEDGER_POSTGRES": ""])
        #expect(noDatabase.status == 1)
        #expect(noDatabase.stderr.contains("--postgres"))
        let noSalon = try ledger(["push", "--ledger", path, "--postgres", try PostgresServer.conninfo()], in: scratch,
                                 environment: ["CLIENTLEDGER_SALON": ""])
        #expect(noSalon.status == 1)
        #expect(noSalon.stderr.contains("--salon"))
        let unreachable = try ledger("push", "--ledger", path, "--postgres", "host=/nonexistent port=1 connect_timeout=2", "--salon", "s", in: scratch)
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("cannot connect to PostgreSQL"), "\(unreachable.stderr)")
    }

    @Test("a push takes the clients' keys along; a replica is not a ledger of its own until it leaves PostgreSQL with pull")
    func keysTravelAndPullLeaves() throws {
        let (scratch, path, conninfo, salon) = try importedSalon()
        let shared = ["--postgres", conninfo, "--salon", salon]
        let localCard = try ledger("card", "ada", "--json", "--ledger", path, in: scratch).object()
        let localName = try #require(localCard["name"] as? String)
        let pushed = try ledger(["push", "--ledger", path, "--json"] + shared, in: scratch)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect((try pushed.object()["keysAdded"] as? Int).map { $0 > 0 } == true, "\(pushed.stdout)")

        // An instance with a new replica opens the card with the keys the push brought.
        let replica = scratch.child("replica")
        let card = try ledger(["card", "ada", "--json", "--ledger", replica] + shared, in: scratch)
        #expect(card.status == 0, "\(card.stderr)")
        #expect(try card.object()["name"] as? String == localName)
        // The replica is not a ledger of its own (its keys are in the database) …
        let alone = try ledger("card", "ada", "--ledger", replica, in: scratch)
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("ledger pull"), "\(alone.stderr)")
        // … nor can a ledger of its own, with its key file, become a replica.
        let keyed = try ledger(["card", "ada", "--ledger", path] + shared, in: scratch)
        #expect(keyed.status != 0)
        #expect(keyed.stderr.contains("ledger of its own"), "\(keyed.stderr)")

        // Leaving PostgreSQL: the replica becomes a ledger of its own, with the keys.
        let pulled = try ledger(["pull", "--ledger", replica, "--json"] + shared, in: scratch)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let remote = try #require(try ledger(["verify", "--json"] + shared, in: scratch).object()["headHash"] as? String)
        #expect(try pulled.object()["head"] as? String == remote)
        let own = try ledger("card", "ada", "--json", "--ledger", replica, in: scratch)
        #expect(own.status == 0, "\(own.stderr)")
        #expect(try own.object()["name"] as? String == localName)
        #expect(try ledger("verify", "--ledger", replica, "--anchor", remote, in: scratch).status == 0)
        // A new directory pulls the whole ledger.
        let fresh = scratch.child("fresh")
        #expect(try ledger(["pull", "--ledger", fresh] + shared, in: scratch).status == 0)
        #expect(try ledger("card", "ada", "--json", "--ledger", fresh, in: scratch).object()["name"] as? String == localName)
    }

    @Test("every command works on a ledger in PostgreSQL through a local replica: an import through one, a card through another")
    func commandsThroughReplicas() throws {
        let scratch = Scratch()
        let conninfo = try PostgresServer.conninfo()
        let salon = "salon-\(UUID().uuidString.prefix(8))"
        let shared = ["--postgres", conninfo, "--salon", salon]
        let imported = try ledger(["import", try fixture("salon.jsonl"), "--ledger", scratch.child("replica-1")] + shared, in: scratch)
        #expect(imported.status == 0, "\(imported.stderr)")
        // Another instance, with a replica of its own: the same card, opened with the keys in the database.
        let card = try ledger(["card", "ada", "--json", "--ledger", scratch.child("replica-2")] + shared, in: scratch)
        #expect(card.status == 0, "\(card.stderr)")
        let object = try card.object()
        #expect((object["name"] as? String)?.isEmpty == false, "\(card.stdout)")
        // The replica holds the ledger's head, and the ledger in the database verifies.
        let local = try #require(try ledger("verify", "--ledger", scratch.child("replica-2"), "--json", in: scratch).object()["headHash"] as? String)
        let remote = try ledger(["verify", "--json"] + shared, in: scratch)
        #expect(try remote.object()["headHash"] as? String == local)
    }
}
