import Foundation
import Hummingbird

/// A server-rendered page of the front desk: the layout (navigation, language, print styles) around
/// a body, as an HTML response that sets the language cookie.
struct FrontDeskPage {
    let title: String
    let language: FrontDeskLanguage
    /// The path the language links point to (with `?lang=`).
    let path: String
    /// The query the language links keep (``kept(_:)``: a search, a page), so that switching the
    /// language shows the same page in the other one.
    var query = ""
    let body: String

    init(title: String, language: FrontDeskLanguage, path: String, query: String = "", body: String) {
        (self.title, self.language, self.path, self.query, self.body) = (title, language, path, query, body)
    }

    /// `request`'s query parameters but the language and the one-time notices (`scheduled`,
    /// `error`), encoded again, each followed by `&`.
    static func kept(_ request: Request) -> String {
        request.uri.queryParameters.filter { !["lang", "scheduled", "error"].contains(String($0.key)) }.map { name, value in
            let encode = { (text: Substring) in String(text).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
            return encode(name) + "=" + encode(value) + "&"
        }.joined()
    }

    func response() -> Response {
        let languages = FrontDeskLanguage.allCases.map { other in
            other == language ? "<strong>\(other.rawValue.uppercased())</strong>"
                : "<a href=\"\(escape(path))?\(escape(query))lang=\(other.rawValue)\" hreflang=\"\(other.rawValue)\">\(other.rawValue.uppercased())</a>"
        }.joined(separator: " · ")
        let html = """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header><nav aria-label="main">
            <a href="/reminders">\(language(.reminders))</a>
            <a href="/clients">\(language(.clients))</a>
            <span class="languages" aria-label="\(language(.language))">\(languages)</span>
            </nav></header>
            <main>
            <h1>\(escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.setCookie] = "lang=\(language.rawValue); Path=/; SameSite=Lax"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// See-other to `location` after a form was handled (so that reloading does not post again).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static let style = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; }
        header { background: #1b3a5c; padding: .6em 1.2em; }
        header a, header strong { color: #fff; margin-right: 1.2em; }
        .languages { float: right; color: #fff; }
        .languages a, .languages strong { margin: 0 .2em; }
        main { padding: 1em 1.5em; max-width: 1200px; }
        .charts { display: flex; gap: 3em; flex-wrap: wrap; align-items: flex-start; }
        figure { margin: 0; }
        figcaption { font-weight: 600; margin-bottom: .4em; }
        .legend { list-style: none; padding: 0; }
        .legend li { margin: .3em 0; }
        .swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin-right: .4em; border: 1px solid #333; }
        table { border-collapse: collapse; margin: 1em 0; width: 100%; }
        th, td { border-bottom: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
        td.number, th.number { text-align: right; }
        .alert { background: #fde7e9; border-left: .4em solid #b3261e; padding: .6em 1em; margin: .6em 0; }
        .notice { background: #e6f4ea; border-left: .4em solid #1e7d32; padding: .6em 1em; }
        button, input[type=submit] { font-size: 1em; padding: .4em .9em; }
        input[type=checkbox] { width: 1.3em; height: 1.3em; }
        form.inline { display: inline; }
        .muted { color: #555; }
        @media print { header, form, nav, .no-print { display: none !important; } main { max-width: none; } }
        """
}

/// `text` with the characters HTML gives a meaning escaped.
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// The fields of an `application/x-www-form-urlencoded` body, in order (a name may come several times).
func formFields(_ body: String) -> [(name: String, value: String)] {
    body.split(separator: "&").compactMap { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ text: Substring) -> String {
            String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
        }
        guard let name = parts.first else { return nil }
        return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
    }
}
