/**
 * @typedef {object} CatchUpParts
 * @property {Connection} connection
 * @property {Requests} requests
 * @property {Identity} identity
 * @property {KeyValueStorage} storage
 * @property {() => string} storageKey
 * @property {Emit} emit
 * @property {Stats} stats
 */
export class CatchUp {
    /** @param {CatchUpParts} parts */
    constructor(parts: CatchUpParts);
    /** The messages delivered and their versions (and the conversation each was seen in). */
    get versions(): MessageVersions;
    /** Whether the stored cursor was read (or a catch-up completed). */
    get loaded(): boolean;
    /** The catch-up cursor (`next_since`), null before the first catch-up. */
    get cursor(): string | null;
    /** Catches up every `everyMs` (none when 0). @param {number} everyMs */
    startTimer(everyMs: number): void;
    /** No more catch-ups by timer or retry. */
    stopTimers(): void;
    /** Resolves when the next catch-up completes. @returns {Promise<void>} */
    wait(): Promise<void>;
    /** A catch-up from the cursor, unless one is under way or the client is not online. */
    start(): void;
    /** The connection closed: a catch-up under way starts over on the next one (the live
     * frames it held wait for that one too). */
    connectionLost(): void;
    /** Live frames that arrived while no catch-up was out, or held while one was; false only when
     * held. @param {import('./messages.js').WireMessage} raw */
    live(raw: import("./messages.js").WireMessage): boolean;
    /** A page answered the sync request out. @param {SyncFrame} page */
    onPage(page: SyncFrame): void;
    /** The sync request was refused. @param {ChatError} error */
    failed(error: ChatError): void;
    /** Settles the `sync()` promises waiting. @param {ChatError | null} error */
    settle(error: ChatError | null): void;
    /**
     * Emits a message the first time its id is seen (`message`), and again whenever a higher
     * version of it arrives (`update`); a repeat (same or lower version) is dropped. True when
     * emitted.
     * @param {import('./messages.js').WireMessage} raw
     * @param {'live' | 'sync' | 'ack'} source
     */
    deliver(raw: import("./messages.js").WireMessage, source: "live" | "sync" | "ack"): boolean;
    /** Reads the stored cursor and the versions delivered before. */
    load(): Promise<void>;
    /** Keeps `next_since`, the ids after it already delivered (the next catch-up repeats them)
     * and the versions delivered above 1 (changes come again in the next catch-up too). */
    save(): Promise<void>;
    #private;
}
export type SyncFrame = import("./wire.js").SyncFrame;
export type ChatError = import("./errors.js").ChatError;
export type KeyValueStorage = import("./storage.js").KeyValueStorage;
export type Connection = import("./connection.js").Connection;
export type Emit = import("./connection.js").Emit;
export type Identity = import("./identity.js").Identity;
export type Requests = import("./requests.js").Requests;
export type Stats = import("./requests.js").Stats;
export type CatchUpParts = {
    connection: Connection;
    requests: Requests;
    identity: Identity;
    storage: KeyValueStorage;
    storageKey: () => string;
    emit: Emit;
    stats: Stats;
};
import { MessageVersions } from './messages.js';
