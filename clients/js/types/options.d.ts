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
