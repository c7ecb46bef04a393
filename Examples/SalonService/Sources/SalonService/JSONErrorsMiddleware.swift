import ClientLedger
import Hummingbird
import NIOCore

/// Every error is JSON in the library's `LedgerError` shape — unknown routes (404) and known paths
/// asked with a method they do not take (405, with `Allow`) included — never the framework's plain text.
struct JSONErrorsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes the service has: a path pattern (`:name` for a segment) and its methods.
    let routes: [(pattern: String, methods: [HTTPRequest.Method])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let allowed = routes.filter { Self.matches($0.pattern, path) }.flatMap(\.methods)
            guard allowed.isEmpty else {
                var failure = APIError(.methodNotAllowed, LedgerError(.init(rawValue: "methodNotAllowed"),
                                                                       "\(path) does not take \(request.method.rawValue); it takes \(allowed.map(\.rawValue).joined(separator: ", "))"))
                failure.allow = allowed.map(\.rawValue).joined(separator: ", ")
                throw failure
            }
            throw APIError(.notFound, LedgerError(.init(rawValue: "notFound"), "there is no \(path)"))
        } catch let error as HTTPError {
            // The framework's own (a body too large, say): its status, as JSON.
            throw APIError(error.status, LedgerError(.init(rawValue: "httpError"), error.body ?? error.status.reasonPhrase))
        } catch let error as LedgerError {
            throw APIError(error)
        } catch let error as NIOTooManyBytesError {
            // A body larger than the route takes: the framework's error, as its status says it.
            throw APIError(.contentTooLarge, LedgerError(.init(rawValue: "httpError"), "the request body is larger than the \(error.maxBytes.map { "\($0) bytes" } ?? "size") this route takes"))
        } catch {
            throw APIError(.internalServerError, LedgerError(.init(rawValue: "internalError"), "the request failed: \(error)"))
        }
    }

    /// Whether `path` is one of `pattern`'s.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        let expected = pattern.split(separator: "/"), actual = path.split(separator: "/")
        guard expected.count == actual.count else { return false }
        return zip(expected, actual).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
