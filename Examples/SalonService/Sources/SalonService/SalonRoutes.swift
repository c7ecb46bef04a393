import ClientLedger
import Foundation
import Hummingbird
import Prometheus

/// The HTTP endpoints. Each calls the ledger and answers with the library's own `Codable` result
/// (the shape `ledger --json` prints), or with its ``LedgerError``.
///
/// No lock is needed anywhere: `SalonLedger` is `Sendable`. Queries read a consistent LMDB snapshot
/// on the request's own task (readers never block each other nor the writer), and commands are
/// `async`: concurrent checkouts queue up and are committed together (group commit), each decided by
/// the rules against the client's latest history.
struct SalonRoutes: Sendable {
    /// The ledger shared by every request.
    let ledger: SalonLedger
    /// Where the process's metrics (the ledger's among them) are kept, for `GET /metrics`.
    let metrics: PrometheusCollectorRegistry

    /// The routes (for the answer to a method a path does not take).
    static let routes: [(pattern: String, methods: [HTTPRequest.Method])] = [
        ("/metrics", [.get]), ("/clients/:id/card", [.get]), ("/coverage", [.get]), ("/clients/:id/checkout", [.post]),
        ("/", [.get]), ("/reminders", [.get]), ("/reminders/schedule", [.post]), ("/clients", [.get]), ("/clients/:id", [.get]),
        ("/clients/:id/consents", [.post]), ("/clients/:id/redeem", [.post]), ("/clients/:id/archive", [.post]), ("/clients/:id/reactivate", [.post]), ("/clients/:id/erase", [.post]),
    ]

    /// The router with every endpoint — the JSON API and the front desk's pages; each request is
    /// logged, and every error is JSON.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(LogRequestsMiddleware(.info))
        router.middlewares.add(JSONErrorsMiddleware(routes: Self.routes))
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("clients/:id/card") { request, context in try card(request, context: context) }
        router.get("coverage") { request, _ in try await coverage(request) }
        router.post("clients/:id/checkout") { request, context in try await checkOut(request, context: context) }

        // The front desk: server-rendered pages in German, Dutch or English.
        let reminders = FrontDeskReminders(ledger: ledger), clients = FrontDeskClients(ledger: ledger)
        // The language asked for goes along (`/?lang=nl`).
        router.get("/") { request, _ in
            FrontDeskPage.redirect("/reminders" + (request.uri.queryParameters["lang"].flatMap { FrontDeskLanguage(rawValue: String($0)) }.map { "?lang=\($0.rawValue)" } ?? ""))
        }
        router.get("reminders") { request, _ in try await reminders.page(request) }
        router.post("reminders/schedule") { request, _ in try await reminders.schedule(request) }
        router.get("clients") { request, _ in try await clients.search(request) }
        router.get("clients/:id") { request, context in try await clients.card(request, client: try clientID(context)) }
        router.post("clients/:id/consents") { request, context in try await clients.changeConsent(request, client: try clientID(context)) }
        router.post("clients/:id/redeem") { request, context in try await clients.redeem(request, client: try clientID(context)) }
        for change in ["archive", "reactivate", "erase"] {
            router.post("clients/:id/\(change)") { request, context in try await clients.lifecycle(request, client: try clientID(context), change: change) }
        }
        return router
    }

    /// `GET /clients/{id}/card[?now=INSTANT]`: the client card; 404 if the client was never registered.
    /// `now` (RFC 3339, default the current time) decides the next appointment.
    func card(_ request: Request, context: BasicRequestContext) throws(APIError) -> ClientCard {
        let client = try clientID(context)
        let now = try instant(request, "now")
        guard let card = try APIError.mapping({ () throws(LedgerError) in try ledger.card(of: client, now: now) }) else {
            throw APIError(.notFound, LedgerError(.unknownClient, "client \(client) is not registered", client: client.rawValue))
        }
        return card
    }

    /// `GET /coverage[?now=INSTANT]`: reminder coverage of the 7 days before and after `now`.
    /// The ledger reads it on threads of its own, so a slow coverage never holds up a card read.
    func coverage(_ request: Request) async throws(APIError) -> ReminderCoverage {
        let now = try instant(request, "now")
        do {
            return try await ledger.reminderCoverage(now: now)
        } catch {
            throw APIError(error)
        }
    }

    /// The body of a checkout.
    struct CheckoutRequest: Decodable {
        /// The visit's id, unique for the client: a retried checkout with the same id is refused (409).
        let visit: String
        /// The revenue in cents, at least 0.
        let revenue: Cents
    }

    /// `POST /clients/{id}/checkout` with `{"visit": "v1", "revenue": 4500}`: records the checkout and
    /// the points it earns. Answers 201 with the recorded events, each event in the interchange
    /// format of `shared/interchange.md`:
    /// `{"recorded": [{"position": 12, "recordedAt": "…", "personalDataErased": false, "event": {"type": "CheckedOut", …}}, …]}`.
    func checkOut(_ request: Request, context: BasicRequestContext) async throws(APIError) -> EditedResponse<Recorded> {
        let client = try clientID(context)
        let body: CheckoutRequest
        do {
            body = try await request.decode(as: CheckoutRequest.self, context: context)
        } catch {
            throw APIError(.badRequest, LedgerError(.init(rawValue: "invalidBody"), #"the body must be JSON {"visit": "<id>", "revenue": <whole cents>}"#))
        }
        let visit = try APIError.mapping { () throws(LedgerError) in try VisitID(body.visit) }
        let recorded: [RecordedLedgerEvent]
        do {
            recorded = try await ledger.checkOut(client, visit: visit, revenue: body.revenue, actor: "salon-service")
        } catch {
            throw APIError(error)
        }
        return EditedResponse(status: .created, response: Recorded(recorded: recorded))
    }

    /// The answer to a checkout: the events it recorded.
    struct Recorded: ResponseEncodable {
        /// The events, in log order.
        let recorded: [RecordedLedgerEvent]
    }

    /// The `{id}` path parameter as a client id (percent-decoded); 400 if it is not one.
    private func clientID(_ context: BasicRequestContext) throws(APIError) -> ClientID {
        guard let raw = context.parameters.get("id"), let decoded = raw.removingPercentEncoding else {
            throw APIError(.badRequest, LedgerError(.malformedIdentifier, "the client id in the path is not valid"))
        }
        return try APIError.mapping { () throws(LedgerError) in try ClientID(decoded) }
    }

    /// The query parameter `name` as an RFC 3339 instant, or the current time if absent; 400 if malformed.
    private func instant(_ request: Request, _ name: String) throws(APIError) -> Timestamp {
        guard let text = request.uri.queryParameters[name[...]] else { return .now }
        guard let instant = Timestamp(rfc3339: text) else {
            throw APIError(.badRequest, LedgerError(.invalidField, "\(name) must be an RFC 3339 instant such as 2026-11-22T10:00:00Z; got \(text)", field: name))
        }
        return instant
    }
}

/// An error answered as JSON, `{"error": {"code": "...", "message": "...", ...}}` — the
/// ``LedgerError``'s own `Codable` shape — with an HTTP status.
struct APIError: HTTPResponseError {
    /// The JSON body.
    private struct Body: Encodable {
        /// The error.
        let error: LedgerError
    }

    /// The HTTP status.
    let status: HTTPResponse.Status
    /// What went wrong: a ledger refusal, or one the service made (`invalidBody`, `notFound`, `methodNotAllowed`).
    let error: LedgerError
    /// The methods a path takes, for a 405.
    var allow: String?

    /// Creates an error with an explicit status.
    init(_ status: HTTPResponse.Status, _ error: LedgerError) {
        self.status = status
        self.error = error
    }

    /// Maps a ledger refusal to a status: bad input 400, an unknown client or reference 404, a
    /// storage or key-store failure 500, and every other code — a rule of the salon — 409.
    init(_ error: LedgerError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .malformedIdentifier, .invalidAmount, .invalidField, .unknownEnumValue: status = .badRequest
        case .unknownClient, .unknownReference: status = .notFound
        case .storage, .keyStore, .corruptPayload, .newerPayloadVersion, .damaged, .brokenChain, .closed: status = .internalServerError
        default: status = .conflict
        }
        self.init(status, error)
    }

    /// Runs a ledger call and maps its ``LedgerError``, if any.
    static func mapping<T>(_ body: () throws(LedgerError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw APIError(error)
        }
    }

    /// Encodes the error as JSON with its status.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(Body(error: error), from: request, context: context)
        response.status = status
        if let allow { response.headers[.allow] = allow }
        return response
    }
}

// The library's results are `Codable`; Hummingbird answers with any `Encodable` that says so.
extension ClientCard: @retroactive ResponseEncodable {}
extension ReminderCoverage: @retroactive ResponseEncodable {}
