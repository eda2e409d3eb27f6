/** @typedef {import('./wire.js').SendFrame} SendFrame */
/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./wire.js').SyncFrame} SyncFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./messages.js').ChangeAckFrame} ChangeAckFrame */
/** @typedef {import('./commands.js').ChangeFrame} ChangeFrame */
/** @typedef {import('./connection.js').Connection} Connection */
/** @typedef {import('./connection.js').Emit} Emit */
/** @typedef {import('./client.js').ChatClient['stats']} Stats */
/**
 * @typedef {object} Pending
 * @property {SendFrame & { client_msg_id: string, reply_to?: string }} frame
 * @property {(ack: AckFrame) => void} resolve
 * @property {(err: ChatError) => void} reject
 * @property {Promise<AckFrame>} promise
 * @property {number} attempts how often it went out (reconnects included)
 * @property {number} refusals how often it was refused with a retryable code
 */
/**
 * An edit, delete or react waiting for its ack (resent after a reconnect: a repeated change
 * is acked without changing anything).
 * @typedef {object} Change
 * @property {ChangeFrame} frame
 * @property {(ack: ChangeAckFrame) => void} resolve
 * @property {(err: ChatError) => void} reject
 * @property {number} refusals how often it was refused with a retryable code
 */
/**
 * @typedef {{ kind: 'send', pending: Pending }
 *   | { kind: 'change', change: Change }
 *   | { kind: 'sync', since: string }
 *   | { kind: 'raw', frame: object, resolve: (frame: any) => void, reject: (err: ChatError) => void }} Request
 */
/**
 * What the requests' replies are handed to.
 * @typedef {object} RequestHooks
 * @property {Emit} emit
 * @property {Stats} stats
 * @property {(raw: import('./messages.js').WireMessage, source: 'live' | 'sync' | 'ack') => boolean} deliver
 * @property {(id: string, version: number, peer: string) => void} remember a message of this client's send
 * @property {(page: SyncFrame) => void} onSyncPage a catch-up page answered the sync request out
 * @property {(error: ChatError) => void} onSyncError the sync request out was refused
 */
/**
 * @typedef {object} RequestConfig
 * @property {number} requestTimeoutMs
 * @property {number} typingEveryMs
 * @property {number} typingWindowMs
 * @property {number} maxAttempts
 * @property {{ minMs: number, maxMs: number }} backoff
 */
export class Requests {
    /**
     * @param {RequestConfig} config
     * @param {Connection} connection
     * @param {RequestHooks} hooks
     */
    constructor(config: RequestConfig, connection: Connection, hooks: RequestHooks);
    /** Sends not acknowledged yet. */
    get pending(): number;
    /**
     * The promise of a send not acknowledged yet, by its `client_msg_id`.
     * @param {string} clientMsgId
     */
    sent(clientMsgId: string): Promise<import("./wire.js").AckFrame> | undefined;
    /**
     * Queues a send (kept until acked, refused for good, or closed).
     * @param {Pending['frame']} frame
     * @returns {Promise<AckFrame>}
     */
    send(frame: Pending["frame"]): Promise<AckFrame>;
    /**
     * @param {ChangeFrame} frame
     * @returns {Promise<ChangeAckFrame>}
     */
    change(frame: ChangeFrame): Promise<ChangeAckFrame>;
    /**
     * @param {object} frame
     * @returns {Promise<any>}
     */
    raw(frame: object): Promise<any>;
    /**
     * A catch-up page request, after the others (`first`: before them, the next page of one).
     * @param {string} since
     * @param {{ first?: boolean }} [options]
     */
    sync(since: string, options?: {
        first?: boolean;
    }): void;
    /**
     * A typing frame to `peerId`, at most once per `typingEveryMs` per peer, only while online
     * and nothing is out. @param {string} peerId
     */
    typing(peerId: string): boolean;
    /** Sends queued that already went out before (they go again on the new connection). */
    resends(): number;
    /** The connection closed: sends and changes out go again later, a raw request fails, a
     * catch-up starts over. */
    connectionLost(): void;
    /** Every send, change and raw request not answered rejects with `closed`. @param {ChatError} closed */
    rejectAll(closed: ChatError): void;
    /** The next request goes out if it may (online, nothing out, no typing refusal awaited). */
    pump(): void;
    /** @param {AckFrame} ack */
    onAck(ack: AckFrame): void;
    /**
     * The ack of an edit, delete or react: its message's state is delivered (an `update`, or a
     * `message` for one this client had not seen), then the change's promise resolves.
     * @param {ChangeAckFrame} ack
     */
    onChangeAck(ack: ChangeAckFrame): void;
    /** @param {SyncFrame} page */
    onSync(page: SyncFrame): void;
    /** @param {ChatError} error */
    onError(error: ChatError): void;
    #private;
}
export type SendFrame = import("./wire.js").SendFrame;
export type AckFrame = import("./wire.js").AckFrame;
export type SyncFrame = import("./wire.js").SyncFrame;
export type ChatError = import("./errors.js").ChatError;
export type ChangeAckFrame = import("./messages.js").ChangeAckFrame;
export type ChangeFrame = import("./commands.js").ChangeFrame;
export type Connection = import("./connection.js").Connection;
export type Emit = import("./connection.js").Emit;
export type Stats = import("./client.js").ChatClient["stats"];
export type Pending = {
    frame: SendFrame & {
        client_msg_id: string;
        reply_to?: string;
    };
    resolve: (ack: AckFrame) => void;
    reject: (err: ChatError) => void;
    promise: Promise<AckFrame>;
    /**
     * how often it went out (reconnects included)
     */
    attempts: number;
    /**
     * how often it was refused with a retryable code
     */
    refusals: number;
};
/**
 * An edit, delete or react waiting for its ack (resent after a reconnect: a repeated change
 * is acked without changing anything).
 */
export type Change = {
    frame: ChangeFrame;
    resolve: (ack: ChangeAckFrame) => void;
    reject: (err: ChatError) => void;
    /**
     * how often it was refused with a retryable code
     */
    refusals: number;
};
export type Request = {
    kind: "send";
    pending: Pending;
} | {
    kind: "change";
    change: Change;
} | {
    kind: "sync";
    since: string;
} | {
    kind: "raw";
    frame: object;
    resolve: (frame: any) => void;
    reject: (err: ChatError) => void;
};
/**
 * What the requests' replies are handed to.
 */
export type RequestHooks = {
    emit: Emit;
    stats: Stats;
    deliver: (raw: import("./messages.js").WireMessage, source: "live" | "sync" | "ack") => boolean;
    /**
     * a message of this client's send
     */
    remember: (id: string, version: number, peer: string) => void;
    /**
     * a catch-up page answered the sync request out
     */
    onSyncPage: (page: SyncFrame) => void;
    /**
     * the sync request out was refused
     */
    onSyncError: (error: ChatError) => void;
};
export type RequestConfig = {
    requestTimeoutMs: number;
    typingEveryMs: number;
    typingWindowMs: number;
    maxAttempts: number;
    backoff: {
        minMs: number;
        maxMs: number;
    };
};
