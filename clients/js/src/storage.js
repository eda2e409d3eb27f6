// Where the catch-up cursor is kept between sessions. Anything with Web Storage's `getItem` /
// `setItem` fits, synchronous (`localStorage`) or asynchronous (React Native's AsyncStorage).

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
export function memoryStorage() {
  /** @type {Map<string, string>} */
  const map = new Map();
  return {
    /** @param {string} key */
    getItem: (key) => map.get(key) ?? null,
    /** @param {string} key @param {string} value */
    setItem: (key, value) => {
      map.set(key, value);
    },
  };
}

/** The browser's `localStorage` when it is there and usable, else a memory storage. */
export function defaultStorage() {
  try {
    const ls = /** @type {KeyValueStorage | undefined} */ (globalThis.localStorage);
    if (ls) {
      ls.getItem('chat-client:probe');
      return ls;
    }
  } catch (_) {
    // Disabled (privacy settings, sandboxed frames): fall through.
  }
  return memoryStorage();
}

/**
 * Reads a stored cursor; anything unreadable counts as none (catch-up then starts from the
 * beginning, which is slower but misses nothing).
 * @param {KeyValueStorage} storage
 * @param {string} key
 * @returns {Promise<StoredCursor>}
 */
export async function loadCursor(storage, key) {
  try {
    const raw = await storage.getItem(key);
    const value = raw ? JSON.parse(raw) : null;
    if (value && typeof value.next_since === 'string') {
      const seen = Array.isArray(value.seen) ? value.seen.filter((/** @type {unknown} */ s) => typeof s === 'string') : [];
      /** @type {Record<string, number>} */
      const versions = {};
      if (value.versions && typeof value.versions === 'object') {
        for (const [id, v] of Object.entries(value.versions)) {
          if (Number.isInteger(v) && /** @type {number} */ (v) > 0) versions[id] = /** @type {number} */ (v);
        }
      }
      return { next_since: value.next_since, seen, versions };
    }
  } catch (_) {
    // Unreadable: start over.
  }
  return { next_since: '', seen: [], versions: {} };
}

/**
 * @param {KeyValueStorage} storage
 * @param {string} key
 * @param {StoredCursor} cursor
 * @returns {Promise<boolean>} false when the storage refused (full, disabled)
 */
export async function saveCursor(storage, key, cursor) {
  try {
    await storage.setItem(key, JSON.stringify(cursor));
    return true;
  } catch (_) {
    return false;
  }
}
