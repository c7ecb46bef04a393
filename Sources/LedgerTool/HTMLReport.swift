import ClientLedger
import Foundation

/// The tool's one-page HTML reports (coverage, audit, monthly residual value): self-contained (inline
/// CSS and SVG, nothing fetched), printable on A4, charts whose parts stay apart for colour-blind
/// readers and in black and white (colour and pattern both).
enum HTMLReport {
    /// A whole page titled `title`, around `body`.
    static func page(_ title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(Presentation.current.withLock { $0 }.language.rawValue.prefix(2))">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #1a1a1a; }
        .charts { display: flex; gap: 3em; flex-wrap: wrap; }
        figure { margin: 0; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border-bottom: 1px solid #ccc; padding: .3em .8em; text-align: left; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: 600; border-top: 2px solid #333; }
        .swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin-right: .3em; border: 1px solid #333; }
        .proof { border: 2px solid #1b3a5c; padding: .6em 1em; font-family: ui-monospace, monospace; word-break: break-all; }
        .bad { color: #b3261e; font-weight: 600; }
        @page { size: A4; margin: 15mm; }
        @media print { body { margin: 0; } }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        \(body)
        </body>
        </html>

        """
    }

    /// Writes `page` to `destination` (checked by ``OutputFile/checked(_:ledger:)`` before the
    /// command read anything), or to standard output for `nil` (`--html -`).
    static func write(_ page: String, to destination: OutputFile?) throws {
        guard let destination else {
            print(page, terminator: "")
            return
        }
        try destination.write(page)
    }

    /// The three parts of a reminder window: their fill (a colour and a pattern) and legend swatch.
    static let parts = [
        (fill: "#1f5fa8", swatch: "background:#1f5fa8"),
        (fill: "url(#stripes)", swatch: "background:repeating-linear-gradient(45deg,#e66100 0 4px,#fff 4px 6px)"),
        (fill: "url(#dots)", swatch: "background:radial-gradient(#fff 25%,#6e6e6e 30%);background-size:6px 6px"),
    ]

    /// The patterns the fills use, once per page.
    static let patterns = """
        <svg width="0" height="0" style="position:absolute"><defs>
        <pattern id="stripes" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#e66100"/><rect width="3" height="8" fill="#fff"/></pattern>
        <pattern id="dots" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#6e6e6e"/><circle cx="4" cy="4" r="1.6" fill="#fff"/></pattern>
        </defs></svg>
        """

    /// A pie of `counts` (in the order of ``parts``), titled `title`, with each part's number on it.
    static func pie(_ title: String, _ counts: [Int]) -> String {
        let total = counts.reduce(0, +)
        var shapes = ""
        if total == 0 {
            shapes = "<circle cx=\"100\" cy=\"100\" r=\"90\" fill=\"#eee\" stroke=\"#999\"/>"
        } else {
            var angle = -Double.pi / 2
            for (count, part) in zip(counts, parts) where count > 0 {
                let sweep = 2 * Double.pi * Double(count) / Double(total)
                if count == total {
                    shapes += "<circle cx=\"100\" cy=\"100\" r=\"90\" fill=\"\(part.fill)\"/>"
                } else {
                    let (x1, y1) = (100 + 90 * cos(angle), 100 + 90 * sin(angle))
                    let (x2, y2) = (100 + 90 * cos(angle + sweep), 100 + 90 * sin(angle + sweep))
                    shapes += "<path d=\"M100,100 L\(number(x1)),\(number(y1)) A90,90 0 \(sweep > Double.pi ? 1 : 0),1 \(number(x2)),\(number(y2)) Z\" fill=\"\(part.fill)\" stroke=\"#fff\" stroke-width=\"2\"/>"
                }
                if Double(count) / Double(total) >= 0.08 {
                    let middle = angle + sweep / 2
                    let (x, y) = count == total ? (100.0, 100.0) : (100 + 52 * cos(middle), 100 + 52 * sin(middle))
                    shapes += "<rect x=\"\(number(x - 16))\" y=\"\(number(y - 12))\" width=\"32\" height=\"18\" rx=\"3\" fill=\"#fff\" opacity=\"0.9\"/>"
                        + "<text x=\"\(number(x))\" y=\"\(number(y + 2))\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"600\">\(count)</text>"
                }
                angle += sweep
            }
        }
        return "<svg width=\"200\" height=\"200\" viewBox=\"0 0 200 200\" role=\"img\" aria-label=\"\(escape(title))\">\(shapes)</svg>"
    }

    /// A bar chart of `values` (cents) labelled `labels`, for one figure over time.
    static func bars(_ title: String, labels: [String], values: [Int64]) -> String {
        let highest = max(values.max() ?? 0, 1)
        let width = max(40, 640 / max(values.count, 1))
        var shapes = ""
        for (index, (label, value)) in zip(labels, values).enumerated() {
            let height = Double(max(value, 0)) / Double(highest) * 200
            let x = index * width
            shapes += "<rect x=\"\(x + 4)\" y=\"\(number(220 - height))\" width=\"\(width - 8)\" height=\"\(number(height))\" fill=\"#1f5fa8\"><title>\(escape(label)): \(escape(money(value)))</title></rect>"
            shapes += "<text x=\"\(x + width / 2)\" y=\"\(number(214 - height))\" text-anchor=\"middle\" font-size=\"10\">\(escape(money(value)))</text>"
            shapes += "<text x=\"\(x + width / 2)\" y=\"238\" text-anchor=\"middle\" font-size=\"10\">\(escape(label))</text>"
        }
        return "<svg width=\"\(width * values.count)\" height=\"245\" viewBox=\"0 -14 \(width * values.count) 259\" role=\"img\" aria-label=\"\(escape(title))\">\(shapes)</svg>"
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `text` with the characters HTML gives a meaning escaped.
    static func escape(_ text: String) -> String {
        var out = ""
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
}
