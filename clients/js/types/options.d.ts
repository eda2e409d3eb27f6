/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./wire.js').TypingFrame} TypingFrame */
/** @typedef {import('./wire.js').ReadFrame} ReadFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./storage.js').KeyValueStorage} KeyValueStorage */
/** @typedef {import('./messages.js').ChatMessage} ChatMessage */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./identity.js').TokenRequest} TokenRequest */
/**
 * @typedef {object} ChatClientOptions
 * @property {string} url The WebSocket endpoint without identity: chat-local's
 *   `ws://127.0.0.1:8000/ws`, or the deployed `wss://{api}.execute-api.{region}.amazonaws.com/{stage}`.
 * @property {string} [clientId] Who connects; with a token, read from its `sub` when absent.
 * @property {'user' | 'admin'} [role] chat-local's development identity (`?role=`); ignored with a token.
 * @property {string | ((request: TokenRequest) => string | Promise<string>)} [token] A JWT, or
 *   a callback asked before every connection attempt (so an expired token is replaced before
 *   each reconnect) and when the HTTP API answers 401. Without it: the development identity.
 * @property {string} [httpUrl] The HTTP API's base URL (default: `url`'s origin, right for chat-local).
 * @property {KeyValueStorage} [storage] Where the catch-up cursor is kept (default: `localStorage`
 *   where there is one, else memory). `memoryStorage()` or any `getItem`/`setItem` object.
 * @property {string} [storageKey] Default `chat-client:{clientId}`.
 * @property {{ minMs?: number, maxMs?: number }} [backoff] Reconnect delays (default 500 ms doubling to 5 s, ±20 %).
 * @property {number} [requestTimeoutMs] A request unanswered this long replaces the connection (default 10 s).
 * @property {number} [resyncEveryMs] Catch-up again this often while online (default 60 s; 0: never).
 * @property {number} [typingEveryMs] At most one typing frame per peer this often (default 2 s).
 * @property {number} [typingWindowMs] After a typing frame, how long an error is taken as its
 *   refusal (requests wait meanwhile; default 250 ms).
 * @property {number} [maxAttempts] A send refused with `rate_limited` or `internal` is tried this
 *   many times in all before its promise rejects (default 5; reconnects do not count).
 * @property {typeof WebSocket} [WebSocket] Default `globalThis.WebSocket` (Node 22+, browsers).
 * @property {typeof fetch} [fetch] Default `globalThis.fetch`.
 */
/**
 * The events and their listener arguments.
 * @typedef {object} ChatEvents
 * @property {[ChatMessage & { type: 'message' }, { source: 'live' | 'sync' | 'ack' }]} message a message, delivered
 *   once per `message_id`, in the state it had when first seen
 * @property {[ChatMessage, { source: 'live' | 'sync' | 'ack' }]} update a newer `version` of a message
 *   delivered before (edited, deleted, reacted to), once per version; never an older one
 * @property {[AckFrame]} ack a send of this client was stored
 * @property {[ReadFrame]} read a reader read this client's messages up to `up_to`
 * @property {[TypingFrame]} typing a peer is typing to this client
 * @property {[ChatError]} error an error that no promise received (sync, typing, timeouts, connection)
 * @property {[ConnectionState, { previous: ConnectionState, retryInMs?: number }]} state the connection state changed
 * @property {[{ nextSince: string, pages: number, delivered: number }]} synced a catch-up completed
 */
/**
 * What the client runs with: the options' values, or their defaults.
 * @typedef {import('./requests.js').RequestConfig & { resyncEveryMs: number }} Settings
 */
/**
 * Checks the options a ChatClient cannot do without and fills in the defaults.
 * @param {ChatClientOptions} options
 * @returns {Settings}
 */
export function settings(options: ChatClientOptions): Settings;
export type AckFrame = import("./wire.js").AckFrame;
export type TypingFrame = import("./wire.js").TypingFrame;
export type ReadFrame = import("./wire.js").ReadFrame;
export type ChatError = import("./errors.js").ChatError;
export type KeyValueStorage = import("./storage.js").KeyValueStorage;
export type ChatMessage = import("./messages.js").ChatMessage;
export type ConnectionState = import("./connection.js").ConnectionState;
export type TokenRequest = import("./identity.js").TokenRequest;
export type ChatClientOptions = {
    /**
     * The WebSocket endpoint without identity: chat-local's
     * `ws://127.0.0.1:8000/ws`, or the deployed `wss://{api}.execute-api.{region}.amazonaws.com/{stage}`.
     */
    url: string;
    /**
     * Who connects; with a token, read from its `sub` when absent.
     */
    clientId?: string | undefined;
    /**
     * chat-local's development identity (`?role=`); ignored with a token.
     */
    role?: "user" | "admin" | undefined;
    /**
     * A JWT, or
     * a callback asked before every connection attempt (so an expired token is replaced before
     * each reconnect) and when the HTTP API answers 401. Without it: the development identity.
     */
    token?: string | ((request: TokenRequest) => string | Promise<string>) | undefined;
    /**
     * The HTTP API's base URL (default: `url`'s origin, right for chat-local).
     */
    httpUrl?: string | undefined;
    /**
     * Where the catch-up cursor is kept (default: `localStorage`
     * where there is one, else memory). `memoryStorage()` or any `getItem`/`setItem` object.
     */
    storage?: import("./storage.js").KeyValueStorage | undefined;
    /**
     * Default `chat-client:{clientId}`.
     */
    storageKey?: string | undefined;
    /**
     * Reconnect delays (default 500 ms doubling to 5 s, ±20 %).
     */
    backoff?: {
        minMs?: number;
        maxMs?: number;
    } | undefined;
    /**
     * A request unanswered this long replaces the connection (default 10 s).
     */
    requestTimeoutMs?: number | undefined;
    /**
     * Catch-up again this often while online (default 60 s; 0: never).
     */
    resyncEveryMs?: number | undefined;
    /**
     * At most one typing frame per peer this often (default 2 s).
     */
    typingEveryMs?: number | undefined;
    /**
     * After a typing frame, how long an error is taken as its
     * refusal (requests wait meanwhile; default 250 ms).
     */
    typingWindowMs?: number | undefined;
    /**
     * A send refused with `rate_limited` or `internal` is tried this
     * many times in all before its promise rejects (default 5; reconnects do not count).
     */
    maxAttempts?: number | undefined;
    /**
     * Default `globalThis.WebSocket` (Node 22+, browsers).
     */
    WebSocket?: {
        new (url: string | URL, protocols?: string | string[]): WebSocket;
        prototype: WebSocket;
        readonly CONNECTING: 0;
        readonly OPEN: 1;
        readonly CLOSING: 2;
        readonly CLOSED: 3;
    } | undefined;
    /**
     * Default `globalThis.fetch`.
     */
    fetch?: typeof fetch | undefined;
};
/**
 * The events and their listener arguments.
 */
export type ChatEvents = {
    /**
     * a message, delivered
     * once per `message_id`, in the state it had when first seen
     */
    message: [ChatMessage & {
        type: "message";
    }, {
        source: "live" | "sync" | "ack";
    }];
    /**
     * a newer `version` of a message
     * delivered before (edited, deleted, reacted to), once per version; never an older one
     */
    update: [ChatMessage, {
        source: "live" | "sync" | "ack";
    }];
    /**
     * a send of this client was stored
     */
    ack: [AckFrame];
    /**
     * a reader read this client's messages up to `up_to`
     */
    read: [ReadFrame];
    /**
     * a peer is typing to this client
     */
    typing: [TypingFrame];
    /**
     * an error that no promise received (sync, typing, timeouts, connection)
     */
    error: [ChatError];
    /**
     * the connection state changed
     */
    state: [ConnectionState, {
        previous: ConnectionState;
        retryInMs?: number;
    }];
    /**
     * a catch-up completed
     */
    synced: [{
        nextSince: string;
        pages: number;
        delivered: number;
    }];
};
/**
 * What the client runs with: the options' values, or their defaults.
 */
export type Settings = import("./requests.js").RequestConfig & {
    resyncEveryMs: number;
};
