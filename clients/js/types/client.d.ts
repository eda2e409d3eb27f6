export class ChatClient {
    /** @param {ChatClientOptions} options */
    constructor(options: ChatClientOptions);
    /** Counters for tests, logs and dashboards. */
    stats: {
        connects: number;
        syncPages: number;
        delivered: number;
        updates: number;
        duplicates: number;
        resent: number;
        retries: number;
    };
    /** The connection state. @returns {ConnectionState} */
    get state(): ConnectionState;
    /** This client's id (null until known: with a token callback, after the first token). */
    get clientId(): string | null;
    /** The stored catch-up cursor (`next_since`), null before the first catch-up. */
    get cursor(): string | null;
    /** Sends not acknowledged yet. */
    get pending(): number;
    /**
     * Listens to an event; returns the function that stops listening.
     * @template {keyof ChatEvents} K
     * @param {K} type
     * @param {(...args: ChatEvents[K]) => void} listener
     * @returns {() => void}
     */
    on<K extends keyof ChatEvents>(type: K, listener: (...args: ChatEvents[K]) => void): () => void;
    /**
     * Starts connecting (and reconnecting whenever the connection drops, until `close()`).
     * Resolves when online for the first time; sends made before that wait for it.
     * @returns {Promise<void>}
     */
    connect(): Promise<void>;
    /**
     * Stops: no more reconnects; the cursor is saved; sends not acknowledged reject with
     * `ClosedError` (sending them again later with the same `client_msg_id` is safe).
     * `waitForSendsMs` first waits that long for pending sends to be acknowledged.
     * @param {{ waitForSendsMs?: number }} [options]
     */
    close(options?: {
        waitForSendsMs?: number;
    }): Promise<void>;
    /**
     * Sends a message; resolves with its ack once the server stored it. Offline, it waits for
     * the connection; across reconnects it is sent again with the same `client_msg_id`, so it is
     * stored once. Rejects with the typed error of a refusal (`ForbiddenError`, …).
     * @param {OutgoingMessage} message
     * @returns {Promise<AckFrame>}
     */
    send(message: OutgoingMessage): Promise<AckFrame>;
    /**
     * Edits one of this client's messages (the author only, within 24 h of sending). Resolves
     * with the ack, whose `message` is the new state (also given to `update` listeners);
     * rejects with `ForbiddenError` (not the author, too late), `ConflictError` (deleted),
     * `NotFoundError`, `ValidationError`. The same text again is acked without a new version.
     * @param {MessageRef} message
     * @param {string} text
     * @returns {Promise<ChangeAckFrame>}
     */
    edit(message: MessageRef, text: string): Promise<ChangeAckFrame>;
    /**
     * Deletes a message (its author, or an administrator of the conversation): it becomes a
     * tombstone (`deleted: true`, empty text, no reactions). Deleting it again is acked unchanged.
     * (`delete` is a reserved word in older JavaScript tooling, hence the name.)
     * @param {MessageRef} message
     * @returns {Promise<ChangeAckFrame>}
     */
    deleteMessage(message: MessageRef): Promise<ChangeAckFrame>;
    /**
     * Adds this client's `emoji` reaction to a message of its conversations (or takes it back
     * with `{ remove: true }`). A reaction already there (or already gone) is acked unchanged;
     * `ConflictError` when the message is deleted or has 20 different emoji already.
     * @param {MessageRef} message
     * @param {string} emoji
     * @param {{ remove?: boolean }} [options]
     * @returns {Promise<ChangeAckFrame>}
     */
    react(message: MessageRef, emoji: string, options?: {
        remove?: boolean;
    }): Promise<ChangeAckFrame>;
    /**
     * Says "typing" to `peerId`, at most once per `typingEveryMs` per peer; skipped (false)
     * while offline or while a request is out (a typing frame is only answered when refused,
     * and the refusal must not be taken for the request's answer).
     * @param {string} peerId
     * @returns {boolean} whether a typing frame went out
     */
    typing(peerId: string): boolean;
    /**
     * Catches up now (it also happens after every (re)connect and every `resyncEveryMs`).
     * Resolves when the catch-up completed.
     * @returns {Promise<void>}
     */
    sync(): Promise<void>;
    /**
     * A frame the library does not wrap, sent in turn with the others; resolves with the reply
     * (`ack` or `sync`), rejects with the typed error of an `error` reply. Not resent after a
     * reconnect (it may not be idempotent): a dropped connection rejects it with `ClosedError`.
     * @param {object} frame
     * @returns {Promise<any>}
     */
    request(frame: object): Promise<any>;
    /**
     * Marks read everything `senderId` sent to this client (`PUT /chat/read/{me}`).
     * @param {string} senderId
     * @returns {Promise<MarkReadResponse>}
     */
    markRead(senderId: string): Promise<MarkReadResponse>;
    /** This client's unread counts (`GET /chat/unread/{me}`). @returns {Promise<UnreadResponse>} */
    unread(): Promise<UnreadResponse>;
    /**
     * The conversation with `peerId`, newest first, one page per iteration
     * (`GET /chat/history/{me}/{peer}`): `for await (const page of client.history(peer)) …`.
     * @param {string} peerId
     * @param {{ limit?: number, appointmentId?: string, cursor?: string }} [options]
     * @returns {AsyncGenerator<HistoryResponse, void, undefined>}
     */
    history(peerId: string, options?: {
        limit?: number;
        appointmentId?: string;
        cursor?: string;
    }): AsyncGenerator<HistoryResponse, void, undefined>;
    /**
     * One page of this client's conversations (`GET /chat/conversations/{me}`), most recent
     * activity first: the peer, the last message's preview, the unread count.
     * @param {{ limit?: number, cursor?: string | null }} [options] `limit` 1–50 (default 20)
     * @returns {Promise<ConversationsResponse>}
     */
    conversationsPage(options?: {
        limit?: number;
        cursor?: string | null;
    }): Promise<ConversationsResponse>;
    /**
     * Every conversation, one page per iteration (like `history`):
     * `for await (const page of client.conversations()) …`.
     * @param {{ limit?: number, cursor?: string | null }} [options]
     * @returns {AsyncGenerator<ConversationsResponse, void, undefined>}
     */
    conversations(options?: {
        limit?: number;
        cursor?: string | null;
    }): AsyncGenerator<ConversationsResponse, void, undefined>;
    /**
     * Uploads a file for a message (docs/attachments.md): checks it with `checkFile` (rejecting
     * with `FileTooLargeError`, `UnsupportedFileTypeError` or `ValidationError` before any
     * request), asks for the upload, puts the bytes straight to storage (`onProgress`; rejects
     * with `UploadFailedError` and storage's status when it refuses them). Resolves to the
     * attachment: send it with `send({ …, attachments: [it] })`.
     * @param {UploadInput} file
     * @param {UploadOptions} [options]
     * @returns {Promise<Attachment>}
     */
    upload(file: UploadInput, options?: UploadOptions): Promise<Attachment>;
    /**
     * A download URL for an attachment of this client's conversations, valid for 5 minutes
     * (kept and given again until shortly before then; `fresh` asks anew):
     * `GET /chat/attachments/{me}/{attachment_id}`. `AttachmentNotFoundError`, `AttachmentGoneError`.
     * @param {string} attachmentId
     * @param {{ fresh?: boolean }} [options]
     * @returns {Promise<DownloadResponse>}
     */
    download(attachmentId: string, options?: {
        fresh?: boolean;
    }): Promise<DownloadResponse>;
    /**
     * One page of a client's export (`GET /chat/export/{client_id}`): this client's own, or
     * any client's for an administrator (`ForbiddenError` otherwise). Pass the page's
     * `next_cursor` back as `cursor` until it is null; `exportAll` does that for you.
     * @param {string} clientId
     * @param {{ cursor?: string | null, signal?: AbortSignal }} [options]
     * @returns {Promise<ExportPage>}
     */
    exportClient(clientId: string, options?: {
        cursor?: string | null;
        signal?: AbortSignal;
    }): Promise<ExportPage>;
    /**
     * Every page of a client's export, merged into one document: the first page's records,
     * every page's messages and attachments (`onPage` sees each page as it comes).
     * @param {string} clientId
     * @param {ExportOptions} [options]
     * @returns {Promise<ExportDocument>}
     */
    exportAll(clientId: string, options?: ExportOptions): Promise<ExportDocument>;
    /**
     * Erases a client's data, irreversibly (`POST /chat/erasure/{client_id}`, administrators
     * only, never of themselves: `ForbiddenError`): one bounded step per request until the
     * server says `done`; resolves with the final progress, `counts` for the whole erasure.
     * `onProgress` sees each step's.
     * @param {string} clientId
     * @param {EraseOptions} [options]
     * @returns {Promise<ErasureProgress>}
     */
    erase(clientId: string, options?: EraseOptions): Promise<ErasureProgress>;
    /** Reconnects now if waiting to (skips the backoff and any hold). */
    reconnectNow(): void;
    /**
     * Drops the connection as a network failure would, and reconnects no sooner than `holdMs`
     * later (`reconnectNow()` ends the hold). For tests and for trying reconnects by hand.
     * @param {{ holdMs?: number }} [options]
     */
    dropConnection(options?: {
        holdMs?: number;
    }): void;
    #private;
}
export type SendFrame = import("./wire.js").SendFrame;
export type MessageFrame = import("./wire.js").MessageFrame;
export type AckFrame = import("./wire.js").AckFrame;
export type SyncFrame = import("./wire.js").SyncFrame;
export type TypingFrame = import("./wire.js").TypingFrame;
export type ReadFrame = import("./wire.js").ReadFrame;
export type ErrorFrame = import("./wire.js").ErrorFrame;
export type HistoryResponse = import("./wire.js").HistoryResponse;
export type UnreadResponse = import("./wire.js").UnreadResponse;
export type MarkReadResponse = import("./wire.js").MarkReadResponse;
export type ChatError = import("./errors.js").ChatError;
export type KeyValueStorage = import("./storage.js").KeyValueStorage;
export type ChatMessage = import("./messages.js").ChatMessage;
export type ChangeAckFrame = import("./messages.js").ChangeAckFrame;
export type ConversationsResponse = import("./http.js").ConversationsResponse;
export type Attachment = import("./wire.js").Attachment;
export type DownloadResponse = import("./wire.js").DownloadResponse;
export type UploadInput = import("./attachments.js").UploadInput;
export type UploadOptions = import("./attachments.js").UploadOptions;
export type ExportPage = import("./wire.js").ExportPage;
export type ErasureProgress = import("./wire.js").ErasureProgress;
export type ExportDocument = import("./privacy.js").ExportDocument;
export type ExportOptions = import("./privacy.js").ExportOptions;
export type EraseOptions = import("./privacy.js").EraseOptions;
export type OutgoingMessage = import("./commands.js").OutgoingMessage;
export type MessageRef = import("./commands.js").MessageRef;
export type ChangeFrame = import("./commands.js").ChangeFrame;
export type ConnectionState = import("./connection.js").ConnectionState;
export type TokenRequest = import("./identity.js").TokenRequest;
export type ChatClientOptions = import("./options.js").ChatClientOptions;
export type ChatEvents = import("./options.js").ChatEvents;
