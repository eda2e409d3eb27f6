/**
 * @typedef {object} KeyValueStorage
 * @property {(key: string) => string | null | undefined | Promise<string | null | undefined>} getItem
 * @property {(key: string, value: string) => void | Promise<void>} setItem
 */
/**
 * The cursor kept for one client: the `next_since` of its last complete catch-up, the message
 * ids newer than it that were already delivered (the next catch-up repeats up to a minute of
 * messages, and these are not delivered again, even after a restart), and the versions above 1
 * of the messages delivered (a change already delivered is not delivered again either; ids in
 * `seen` without an entry here are at version 1).
 * @typedef {object} StoredCursor
 * @property {string} next_since
 * @property {string[]} seen
 * @property {Record<string, number>} versions
 */
/** A storage that lives as long as the process (the default where there is no `localStorage`). */
export function memoryStorage(): {
    /** @param {string} key */
    getItem: (key: string) => string | null;
    /** @param {string} key @param {string} value */
    setItem: (key: string, value: string) => void;
};
/** The browser's `localStorage` when it is there and usable, else a memory storage. */
export function defaultStorage(): KeyValueStorage;
/**
 * Reads a stored cursor; anything unreadable counts as none (catch-up then starts from the
 * beginning, which is slower but misses nothing).
 * @param {KeyValueStorage} storage
 * @param {string} key
 * @returns {Promise<StoredCursor>}
 */
export function loadCursor(storage: KeyValueStorage, key: string): Promise<StoredCursor>;
/**
 * @param {KeyValueStorage} storage
 * @param {string} key
 * @param {StoredCursor} cursor
 * @returns {Promise<boolean>} false when the storage refused (full, disabled)
 */
export function saveCursor(storage: KeyValueStorage, key: string, cursor: StoredCursor): Promise<boolean>;
export type KeyValueStorage = {
    getItem: (key: string) => string | null | undefined | Promise<string | null | undefined>;
    setItem: (key: string, value: string) => void | Promise<void>;
};
/**
 * The cursor kept for one client: the `next_since` of its last complete catch-up, the message
 * ids newer than it that were already delivered (the next catch-up repeats up to a minute of
 * messages, and these are not delivered again, even after a restart), and the versions above 1
 * of the messages delivered (a change already delivered is not delivered again either; ids in
 * `seen` without an entry here are at version 1).
 */
export type StoredCursor = {
    next_since: string;
    seen: string[];
    versions: Record<string, number>;
};
