// Child process for the multi-process tests of a salon ledger in PostgreSQL: one instance of a
// service, with a replica of its own.
//
//     SalonReplicaWorker CONNINFO LEDGER REPLICA_DIR race START REDEMPTIONS SESSIONS
//     SalonReplicaWorker CONNINFO LEDGER REPLICA_DIR checkouts NAME ACK_FILE
//
// `race`: waits until START (milliseconds since 1970), then races REDEMPTIONS redemptions of 10 of
// client ada's points and SESSIONS uses of one session of her subscription s1, all at once from as
// many tasks, and prints `redeemed R used U`.
//
// `checkouts`: until it is killed, four tasks check clients c0…c3 out, one visit after another,
// each with an idempotency key; a checkout that fails is tried again with the same key. After a
// checkout returns, the task writes its visit id as a line to ACK_FILE with a plain write(2): a line
// there means the command was acknowledged, so the parent may demand that it survive a SIGKILL.
// NAME makes the visit ids of this incarnation unique.
import ClientLedger
import ClientLedgerPostgres
import Foundation
import PostgresLog

func fail(_ message: String, _ status: Int32) -> Never {
    FileHandle.standardError.write(Data("SalonReplicaWorker: \(message)\n".utf8))
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count >= 5 else {
    fail("usage: SalonReplicaWorker CONNINFO LEDGER REPLICA_DIR race START REDEMPTIONS SESSIONS | checkouts NAME ACK_FILE", 2)
}
let ledger: SalonLedger
do {
    let shared = try PostgresLog(connectingTo: arguments[1], ledger: arguments[2])
    ledger = try SalonLedger(replicaAt: arguments[3], of: shared, pollInterval: 0.2)
} catch {
    fail("cannot open the ledger: \(error)", 3)
}

switch (arguments[4], arguments.count) {
case ("race", 8):
    guard let start = Double(arguments[5]), let redemptions = Int(arguments[6]), let sessions = Int(arguments[7]) else { fail("bad numbers", 2) }
    let ada = try ClientID("ada"), subscription = try SubscriptionID("s1")
    let day = Timestamp(rfc3339: "2026-01-04T12:00:00Z")!
    let wait = start / 1000 - Date().timeIntervalSince1970
    if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
    let (redeemed, used) = await withTaskGroup(of: (Int, Int).self) { group in
        for _ in 0..<redemptions {
            group.addTask { ((try? await ledger.redeemPoints(ada, points: 10, at: day)) == nil ? 0 : 1, 0) }
        }
        for _ in 0..<sessions {
            group.addTask { (0, (try? await ledger.useSubscription(subscription, of: ada, .sessions(1), at: day)) == nil ? 0 : 1) }
        }
        var total = (0, 0)
        for await outcome in group { total = (total.0 + outcome.0, total.1 + outcome.1) }
        return total
    }
    print("redeemed \(redeemed) used \(used)")
    ledger.close()

case ("checkouts", 7):
    let name = arguments[5]
    let acknowledgements = open(arguments[6], O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard acknowledgements >= 0 else { fail("cannot open \(arguments[6])", 3) }
    await withTaskGroup(of: Void.self) { group in
        for task in 0..<4 {
            group.addTask {
                let client = try! ClientID("c\(task)")
                var number = 0
                while true {
                    number += 1
                    let visit = try! VisitID("\(name)-t\(task)-\(number)")
                    while true {
                        do {
                            try await ledger.checkOut(client, visit: visit, revenue: 1_000, idempotencyKey: visit.rawValue)
                            break
                        } catch {
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                    let line = Array("\(visit.rawValue)\n".utf8)
                    _ = line.withUnsafeBytes { write(acknowledgements, $0.baseAddress, $0.count) }
                }
            }
        }
    }

default:
    fail("unknown mode or wrong arguments: \(arguments.dropFirst(4).joined(separator: " "))", 2)
}
