import Testing
import EventLog
@testable import ClientLedger

@Suite("JSON Lines interchange")
struct InterchangeCodecTests {
    @Test("every event round-trips through its JSON line")
    func roundTrip() throws {
        for event in try sampleEvents() {
            let line = InterchangeCodec.encode(event)
            #expect(!line.contains("\n"))
            #expect(try InterchangeCodec.decode(line: line, lineNumber: 1) == event, "\(line)")
        }
    }

    @Test("the contract's names are used as written")
    func contractNames() throws {
        let line = InterchangeCodec.encode(try sampleEvents()[14])
        #expect(line == #"{"type":"SubscriptionPurchased","at":"2026-03-14T09:26:53.589793Z","client":"ada","subscription":"s1","plan":"10 blow-dries","price":25000,"sessions":10,"validUntil":"2027-03-14T23:59:59Z"}"#)
        let decoded = try InterchangeCodec.decode(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c1","visit":"v9","revenue":4500}"#, lineNumber: 1)
        #expect(decoded == .checkedOut(CheckedOut(at: instant("2026-01-02T10:00:00Z"), client: try ClientID("c1"), visit: try VisitID("v9"), revenue: 4500)))
    }

    @Test("escapes and non-ASCII text survive")
    func escapes() throws {
        let event = LedgerEvent.noteAdded(NoteAdded(at: instant("2026-01-02T10:00:00Z"), client: ada, note: try NoteID("n\"1"),
                                                    text: "Bärbel says \"no\\yes\"\n\ttab ✂️", alert: false))
        #expect(try InterchangeCodec.decode(line: InterchangeCodec.encode(event), lineNumber: 1) == event)
        let unicode = try InterchangeCodec.decode(line: #"{"type":"NoteAdded","at":"2026-01-02T10:00:00Z","client":"c","note":"n","text":"caf\u00e9 \ud83d\ude00","alert":true}"#, lineNumber: 1)
        if case .noteAdded(let note) = unicode { #expect(note.text == "café 😀") } else { Issue.record("not a note") }
        // Every control character is escaped, the others written as they are.
        let controls = LedgerEvent.noteAdded(NoteAdded(at: instant("2026-01-02T10:00:00Z"), client: ada, note: try NoteID("n"),
                                                       text: "a\u{0}b\u{1F}c\rd\u{7F}é\u{2028}😀", alert: false))
        let line = InterchangeCodec.encode(controls)
        #expect(line.contains(#""text":"a\u0000b\u001fc\rd\#u{7F}é\#u{2028}😀""#), "\(line)")
        #expect(try InterchangeCodec.decode(line: line, lineNumber: 1) == controls)
    }

    @Test("JSON numbers are exact to both ends of Int64 and refused beyond; strings with and without escapes read the same")
    func jsonNumbersAndStrings() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("[0,7,-12,4500]") == .array([.integer(0), .integer(7), .integer(-12), .integer(4500)]))
        #expect(try JSONValue.parse("12.50") == .fraction("12.50"))
        #expect(try JSONValue.parse("1e3") == .fraction("1e3"))
        for tooLarge in ["9223372036854775808", "-9223372036854775809", "99999999999999999999"] {
            #expect(throws: JSONSyntaxError.self, "\(tooLarge)") { try JSONValue.parse(tooLarge) }
        }
        #expect(try JSONValue.parse(#""plain text, é 😀""#) == .string("plain text, é 😀"))
        #expect(try JSONValue.parse(#""""#) == .string(""))
        #expect(try JSONValue.parse(#""escape \"inside\" and after""#) == .string(#"escape "inside" and after"#))
        #expect(try JSONValue.parse(#""\u00e9 starts escaped""#) == .string("é starts escaped"))
        #expect(try JSONValue.parse(#"{"a":"x","b":"y\n"}"#) == .object([("a", .string("x")), ("b", .string("y\n"))]))
        for bad in [#""not closed"#, "\"tab\there\"", #""ends in \"#] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }

    @Test("a field given twice is refused, in a short object and in a long one; unknown fields are named, the first in order")
    func repeatedAndUnknownFields() throws {
        let short = #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":1,"visit":"w"}"#
        let long = "{" + (0..<20).map { #""f\#($0)":1,"# }.joined() + #""f3":2}"#
        for line in [short, long] {
            let error = #expect(throws: LedgerError.self) { try InterchangeCodec.decode(line: line, lineNumber: 7) }
            #expect(error?.code == .invalidField && error?.message.contains("appears twice") == true, "\(error?.message ?? "")")
            #expect(error?.line == 7)
        }
        let unknown = #expect(throws: LedgerError.self) {
            try InterchangeCodec.decode(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":1,"zeta":1,"beta":2}"#, lineNumber: 1)
        }
        #expect(unknown?.field == "beta")
        let typo = #expect(throws: LedgerError.self) {
            try InterchangeCodec.decode(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenu":1}"#, lineNumber: 1)
        }
        #expect(typo?.field == "revenu" && typo?.message.contains("revenue") == true)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let line: String
        let code: LedgerError.Code
        let field: String?
        var testDescription: String { field ?? line }
    }

    static let bad: [Bad] = [
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":100,"revnue":5}"#, code: .invalidField, field: "revnue"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v"}"#, code: .invalidField, field: "revenue"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":-1}"#, code: .invalidAmount, field: "revenue"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":12.5}"#, code: .invalidAmount, field: "revenue"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":"100"}"#, code: .invalidField, field: "revenue"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00+01:00","client":"c","visit":"v","revenue":1}"#, code: .invalidField, field: "at"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02","client":"c","visit":"v","revenue":1}"#, code: .invalidField, field: "at"),
        Bad(line: #"{"type":"Checkedout","at":"2026-01-02T10:00:00Z","client":"c"}"#, code: .unknownEnumValue, field: "type"),
        Bad(line: #"{"type":"ConsentChanged","at":"2026-01-02T10:00:00Z","client":"c","consent":"sms","granted":true}"#, code: .unknownEnumValue, field: "consent"),
        Bad(line: #"{"type":"ReminderSent","at":"2026-01-02T10:00:00Z","client":"c","appointment":"a","channel":"pigeon"}"#, code: .unknownEnumValue, field: "channel"),
        Bad(line: #"{"type":"PointsAccrued","at":"2026-01-02T10:00:00Z","client":"c","points":0,"reason":"revenue"}"#, code: .invalidAmount, field: "points"),
        Bad(line: #"{"type":"PointsAdjusted","at":"2026-01-02T10:00:00Z","client":"c","points":5,"reason":" "}"#, code: .invalidField, field: "reason"),
        Bad(line: #"{"type":"SubscriptionPurchased","at":"2026-01-02T10:00:00Z","client":"c","subscription":"s","plan":"p","price":100,"sessions":1,"credit":100}"#, code: .invalidField, field: "credit"),
        Bad(line: #"{"type":"SubscriptionPurchased","at":"2026-01-02T10:00:00Z","client":"c","subscription":"s","plan":"p","price":100}"#, code: .invalidField, field: "sessions"),
        Bad(line: #"{"type":"ClientDetailsChanged","at":"2026-01-02T10:00:00Z","client":"c"}"#, code: .invalidField, field: "name"),
        Bad(line: #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"c","name":"A","phone":"0612345678"}"#, code: .invalidField, field: "phone"),
        Bad(line: #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"c","name":"A","birthDate":"1990-02-30"}"#, code: .invalidField, field: "birthDate"),
        Bad(line: #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"","name":"A"}"#, code: .malformedIdentifier, field: "client"),
        Bad(line: #"{"type":"ClientRegistered","at":"2026-01-02T10:00:00Z","client":"\#(String(repeating: "x", count: 65))","name":"A"}"#, code: .malformedIdentifier, field: "client"),
        Bad(line: #"{"type":"CheckedOut","at":"2026-01-02T10:00:00Z","client":"c","visit":"v","revenue":1"#, code: .invalidField, field: nil),
        Bad(line: #"[1,2]"#, code: .invalidField, field: nil),
        Bad(line: #"{"type":"CheckedOut","type":"CheckedOut"}"#, code: .invalidField, field: nil),
    ]

    @Test("bad lines are typed errors that name the line and the field", arguments: bad)
    func badLines(bad: Bad) {
        do {
            _ = try InterchangeCodec.decode(line: bad.line, lineNumber: 42)
            Issue.record("accepted \(bad.line)")
        } catch {
            #expect(error.code == bad.code, "\(error)")
            #expect(error.line == 42)
            #expect(error.field == bad.field, "\(error)")
            #expect(error.description.contains("line 42"))
        }
    }
}
