/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./options.js').ChatEvents} ChatEvents */
/** @typedef {import('./identity.js').Identity} Identity */
/**
 * `connecting`: a connection attempt is under way; `online`: connected; `reconnecting`:
 * waiting before the next attempt (after a drop or a failed attempt); `offline`: not trying
 * (before `connect()`, after `close()`).
 * @typedef {'connecting' | 'online' | 'reconnecting' | 'offline'} ConnectionState
 */
/**
 * Emits one of the client's events to its listeners.
 * @typedef {<K extends keyof ChatEvents>(type: K, ...args: ChatEvents[K]) => void} Emit
 */
/**
 * What the client does around the socket.
 * @typedef {object} ConnectionHooks
 * @property {Emit} emit
 * @property {() => boolean} ready whether what an attempt needs first (the stored cursor) is there
 * @property {() => Promise<void>} prepare loads it (after the attempt's token: it names the client)
 * @property {() => void} onOpen the socket opened (the state is still `connecting`)
 * @property {(data: unknown) => void} onFrame a frame arrived
 * @property {() => void} onClose the socket is gone (before the reconnect is scheduled)
 */
export class Connection {
    /**
     * @param {ChatClientOptions} options
     * @param {{ backoff: { minMs: number, maxMs: number }, requestTimeoutMs: number }} config
     * @param {Identity} identity
     * @param {ConnectionHooks} hooks
     */
    constructor(options: ChatClientOptions, config: {
        backoff: {
            minMs: number;
            maxMs: number;
        };
        requestTimeoutMs: number;
    }, identity: Identity, hooks: ConnectionHooks);
    /** @returns {ConnectionState} */
    get state(): ConnectionState;
    /** The open (or opening) socket, null between attempts. */
    get socket(): WebSocket | null;
    /** Whether the client wants to be connected (between `start()` and `stop()`). */
    get wanted(): boolean;
    /** Starts connecting, and reconnecting whenever the connection drops, until `stop()`. */
    start(): void;
    /** No more reconnects. */
    stop(): void;
    /** Forgets the socket, goes `offline`, then closes the socket (waits up to 1 s for it). */
    shut(): Promise<void>;
    /** Reconnects now if waiting to (skips the backoff and any hold). */
    reconnectNow(): void;
    /**
     * Drops the connection as a network failure would; the next attempt is no sooner than
     * `holdMs` later.
     * @param {number} holdMs
     */
    drop(holdMs: number): void;
    /**
     * @param {ConnectionState} state
     * @param {number} [retryInMs]
     */
    setState(state: ConnectionState, retryInMs?: number): void;
    #private;
}
export type ChatClientOptions = import("./options.js").ChatClientOptions;
export type ChatEvents = import("./options.js").ChatEvents;
export type Identity = import("./identity.js").Identity;
/**
 * `connecting`: a connection attempt is under way; `online`: connected; `reconnecting`:
 * waiting before the next attempt (after a drop or a failed attempt); `offline`: not trying
 * (before `connect()`, after `close()`).
 */
export type ConnectionState = "connecting" | "online" | "reconnecting" | "offline";
/**
 * Emits one of the client's events to its listeners.
 */
export type Emit = <K extends keyof ChatEvents>(type: K, ...args: ChatEvents[K]) => void;
/**
 * What the client does around the socket.
 */
export type ConnectionHooks = {
    emit: Emit;
    /**
     * whether what an attempt needs first (the stored cursor) is there
     */
    ready: () => boolean;
    /**
     * loads it (after the attempt's token: it names the client)
     */
    prepare: () => Promise<void>;
    /**
     * the socket opened (the state is still `connecting`)
     */
    onOpen: () => void;
    /**
     * a frame arrived
     */
    onFrame: (data: unknown) => void;
    /**
     * the socket is gone (before the reconnect is scheduled)
     */
    onClose: () => void;
};
