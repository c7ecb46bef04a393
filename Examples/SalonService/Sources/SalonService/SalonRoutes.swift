import ClientLedger
import Foundation
import Hummingbird

/// The HTTP endpoints. Each calls the ledger and turns its answer, or its ``LedgerError``, into JSON.
///
/// No lock is needed anywhere: `SalonLedger` is `Sendable`. Queries read a consistent LMDB snapshot
/// on the request's own task (readers never block each other nor the writer), and commands are
/// `async`: concurrent checkouts queue up and are committed together (group commit), each decided by
/// the rules against the client's latest history.
struct SalonRoutes: Sendable {
    /// The ledger shared by every request.
    let ledger: SalonLedger

    /// The router with every endpoint.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("clients/:id/card") { request, context in try card(request, context: context) }
        router.get("coverage") { request, _ in try coverage(request) }
        router.post("clients/:id/checkout") { request, context in try await checkOut(request, context: context) }
        return router
    }

    /// `GET /clients/{id}/card[?now=INSTANT]`: the client card; 404 if the client was never registered.
    /// `now` (RFC 3339, default the current time) decides the next appointment.
    func card(_ request: Request, context: BasicRequestContext) throws(APIError) -> CardJSON {
        let client = try clientID(context)
        let now = try instant(request, "now")
        guard let card = try APIError.mapping({ () throws(LedgerError) in try ledger.card(of: client, now: now) }) else {
            throw APIError(.notFound, code: LedgerError.Code.unknownClient.rawValue, message: "client \(client) is not registered")
        }
        return CardJSON(card)
    }

    /// `GET /coverage[?now=INSTANT]`: reminder coverage of the 7 days before and after `now`.
    func coverage(_ request: Request) throws(APIError) -> CoverageJSON {
        let now = try instant(request, "now")
        return CoverageJSON(try APIError.mapping { () throws(LedgerError) in try ledger.reminderCoverage(now: now) })
    }

    /// The body of a checkout.
    struct CheckoutRequest: Decodable {
        /// The visit's id, unique for the client: a retried checkout with the same id is refused (409).
        let visit: String
        /// The revenue in cents, at least 0.
        let revenue: Cents
    }

    /// `POST /clients/{id}/checkout` with `{"visit": "v1", "revenue": 4500}`: records the checkout and
    /// the points it earns. Answers 201 with the recorded events in the interchange format of
    /// `shared/interchange.md`: `{"recorded": [{"position": 12, "event": {"type": "CheckedOut", …}}, …]}`.
    func checkOut(_ request: Request, context: BasicRequestContext) async throws(APIError) -> Response {
        let client = try clientID(context)
        let body: CheckoutRequest
        do {
            body = try await request.decode(as: CheckoutRequest.self, context: context)
        } catch {
            throw APIError(.badRequest, code: "invalidBody", message: #"the body must be JSON {"visit": "<id>", "revenue": <whole cents>}"#)
        }
        let visit = try APIError.mapping { () throws(LedgerError) in try VisitID(body.visit) }
        let recorded: [RecordedLedgerEvent]
        do {
            recorded = try await ledger.checkOut(client, visit: visit, revenue: body.revenue, actor: "salon-service")
        } catch {
            throw APIError(error)
        }
        // InterchangeCodec writes each event as one JSON object, so they can be spliced in as they are.
        let items = recorded.map { #"{"position":\#($0.position),"event":\#(InterchangeCodec.encode($0.event))}"# }
        return Response(
            status: .created,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"recorded":[\#(items.joined(separator: ","))]}"#))
        )
    }

    /// The `{id}` path parameter as a client id (percent-decoded); 400 if it is not one.
    private func clientID(_ context: BasicRequestContext) throws(APIError) -> ClientID {
        guard let raw = context.parameters.get("id"), let decoded = raw.removingPercentEncoding else {
            throw APIError(.badRequest, code: LedgerError.Code.malformedIdentifier.rawValue, message: "the client id in the path is not valid")
        }
        return try APIError.mapping { () throws(LedgerError) in try ClientID(decoded) }
    }

    /// The query parameter `name` as an RFC 3339 instant, or the current time if absent; 400 if malformed.
    private func instant(_ request: Request, _ name: String) throws(APIError) -> Timestamp {
        guard let text = request.uri.queryParameters[name[...]] else { return .now }
        guard let instant = Timestamp(rfc3339: text) else {
            throw APIError(.badRequest, code: LedgerError.Code.invalidField.rawValue,
                           message: "\(name) must be an RFC 3339 instant such as 2026-11-22T10:00:00Z; got \(text)")
        }
        return instant
    }
}

/// An error answered as JSON, `{"error": {"code": "...", "message": "..."}}`, with an HTTP status.
struct APIError: HTTPResponseError {
    /// The JSON body.
    private struct Body: Encodable {
        /// The inner object.
        struct Detail: Encodable {
            /// A `LedgerError.Code` name, or `invalidBody`.
            let code: String
            /// One sentence for people.
            let message: String
        }

        /// The error.
        let error: Detail
    }

    /// The HTTP status.
    let status: HTTPResponse.Status
    /// A machine-readable code.
    let code: String
    /// One sentence for people.
    let message: String

    /// Creates an error with an explicit status.
    init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// Maps a ledger refusal to a status: bad input 400, an unknown client or reference 404, a
    /// storage or key-store failure 500, and every other code — a rule of the salon — 409.
    init(_ error: LedgerError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .malformedIdentifier, .invalidAmount, .invalidField, .unknownEnumValue: status = .badRequest
        case .unknownClient, .unknownReference: status = .notFound
        case .storage, .keyStore, .corruptPayload, .newerPayloadVersion: status = .internalServerError
        default: status = .conflict
        }
        self.init(status, code: error.code.rawValue, message: error.message)
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
        var response = try context.responseEncoder.encode(Body(error: .init(code: code, message: message)), from: request, context: context)
        response.status = status
        return response
    }
}
