/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./messages.js').ChangeAckFrame} ChangeAckFrame */
/** @typedef {import('./commands.js').OutgoingMessage} OutgoingMessage */
/** @typedef {import('./commands.js').MessageRef} MessageRef */
/** @typedef {import('./commands.js').ChangeFrame} ChangeFrame */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./options.js').ChatEvents} ChatEvents */
export class ChatClient extends ChatHttp {
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
export type AckFrame = import("./wire.js").AckFrame;
export type ChatError = import("./errors.js").ChatError;
export type ChangeAckFrame = import("./messages.js").ChangeAckFrame;
export type OutgoingMessage = import("./commands.js").OutgoingMessage;
export type MessageRef = import("./commands.js").MessageRef;
export type ChangeFrame = import("./commands.js").ChangeFrame;
export type ConnectionState = import("./connection.js").ConnectionState;
export type ChatClientOptions = import("./options.js").ChatClientOptions;
export type ChatEvents = import("./options.js").ChatEvents;
import { ChatHttp } from './chat-http.js';
