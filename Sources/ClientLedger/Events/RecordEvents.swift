import EventLog

/// A note on the client's card; an alert pops up at checkout and in the agenda. Personal: `text`.
public struct NoteAdded: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The note.
    public var note: NoteID
    /// What it says (personal).
    public var text: String
    /// Whether it pops up at checkout and in the agenda (an allergy, say).
    public var alert: Bool

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, note: NoteID, text: String, alert: Bool) {
        self.at = at; self.client = client; self.note = note; self.text = text; self.alert = alert
    }
}

/// A note taken off the card.
public struct NoteRemoved: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The note.
    public var note: NoteID

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, note: NoteID) {
        self.at = at; self.client = client; self.note = note
    }
}

/// An intake form filled in. Personal: `answers` (questions and answers).
public struct IntakeRecorded: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The form.
    public var form: FormID
    /// Question → answer (personal).
    public var answers: [String: String]

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, form: FormID, answers: [String: String]) {
        self.at = at; self.client = client; self.form = form; self.answers = answers
    }
}

/// A document attached to the card: its metadata and hash, not the file. Personal: `name`.
public struct DocumentAttached: Hashable, Sendable {
    /// When it happened.
    public var at: Timestamp
    /// The client.
    public var client: ClientID
    /// The document.
    public var document: DocumentID
    /// The file name (personal: it often names the client).
    public var name: String
    /// Its media type, such as `application/pdf`.
    public var mediaType: String
    /// SHA-256 of the file, 64 lower-case hexadecimal digits.
    public var sha256: String
    /// The file's size in bytes.
    public var bytes: Int64

    /// Creates the event.
    public init(at: Timestamp, client: ClientID, document: DocumentID, name: String, mediaType: String, sha256: String, bytes: Int64) {
        self.at = at; self.client = client; self.document = document; self.name = name
        self.mediaType = mediaType; self.sha256 = sha256; self.bytes = bytes
    }
}
