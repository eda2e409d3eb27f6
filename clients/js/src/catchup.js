// Catch-up and delivery: the `sync` loop from the stored cursor (after every connect, every
// `resyncEveryMs`, and on demand), retried after a failure; each message delivered once by
// `message_id` and each change of it once by `version` (messages.js); the cursor and the
// versions delivered kept in storage (storage.js). Live frames that arrive while a catch-up is
// out wait for its last page, so what was missed comes before what is new (a gap is filled
// before the live tail, as Matrix's sync does).

import { MessageVersions, normalized } from './messages.js';
import { has } from './frames.js';
import { loadCursor, saveCursor } from './storage.js';
import { backoffDelay } from './util.js';

/** @typedef {import('./wire.js').SyncFrame} SyncFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./storage.js').KeyValueStorage} KeyValueStorage */
/** @typedef {import('./connection.js').Connection} Connection */
/** @typedef {import('./connection.js').Emit} Emit */
/** @typedef {import('./identity.js').Identity} Identity */
/** @typedef {import('./requests.js').Requests} Requests */
/** @typedef {import('./requests.js').Stats} Stats */

const SEEN_IN_MEMORY = 10_000;
/** Versions above 1 kept in the stored cursor (the most recent message ids). */
const VERSIONS_STORED = 2000;
/** Live frames held while a catch-up is out; past this many the oldest go at once. */
const HELD_LIVE = 1000;

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
  /** @type {CatchUpParts} */
  #parts;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #syncRetryTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #resyncTimer;
  #syncing = false;
  #syncPages = 0;
  #syncDelivered = 0;
  #syncFailures = 0;
  /** @type {Array<{ resolve: () => void, reject: (e: ChatError) => void }>} */
  #syncWaiters = [];
  /** @type {{ next_since: string } | null} */
  #cursor = null;
  #versions = new MessageVersions(SEEN_IN_MEMORY);
  /** @type {import('./messages.js').WireMessage[]} live frames waiting for the catch-up out */
  #held = [];

  /** @param {CatchUpParts} parts */
  constructor(parts) {
    this.#parts = parts;
  }

  /** The messages delivered and their versions (and the conversation each was seen in). */
  get versions() {
    return this.#versions;
  }

  /** Whether the stored cursor was read (or a catch-up completed). */
  get loaded() {
    return this.#cursor !== null;
  }

  /** The catch-up cursor (`next_since`), null before the first catch-up. */
  get cursor() {
    return this.#cursor && this.#cursor.next_since !== '' ? this.#cursor.next_since : null;
  }

  /** Catches up every `everyMs` (none when 0). @param {number} everyMs */
  startTimer(everyMs) {
    if (everyMs > 0) this.#resyncTimer = setInterval(() => this.start(), everyMs);
  }

  /** No more catch-ups by timer or retry. */
  stopTimers() {
    clearTimeout(this.#syncRetryTimer);
    clearInterval(this.#resyncTimer);
  }

  /** Resolves when the next catch-up completes. @returns {Promise<void>} */
  wait() {
    return new Promise((resolve, reject) => {
      this.#syncWaiters.push({ resolve: () => resolve(undefined), reject });
    });
  }

  /** A catch-up from the cursor, unless one is under way or the client is not online. */
  start() {
    if (this.#syncing || this.#parts.connection.state !== 'online') return;
    this.#syncing = true;
    this.#syncPages = 0;
    this.#syncDelivered = 0;
    this.#parts.requests.sync(this.#cursor?.next_since ?? '');
  }

  /** The connection closed: a catch-up under way starts over on the next one (the live
   * frames it held wait for that one too). */
  connectionLost() {
    this.#syncing = false;
  }

  /** Live frames that arrived while no catch-up was out, or held while one was; false only when
   * held. @param {import('./messages.js').WireMessage} raw */
  live(raw) {
    if (!this.#syncing && this.#held.length === 0) return this.deliver(raw, 'live');
    this.#held.push(raw);
    if (this.#held.length > HELD_LIVE) this.deliver(/** @type {any} */ (this.#held.shift()), 'live');
    if (!this.#syncing) this.#release();
    return false;
  }

  /** The held live frames, in message id order (the order they were sent in), once each. */
  #release() {
    const held = this.#held.splice(0).sort((a, b) => (a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0));
    for (const m of held) this.deliver(m, 'live');
  }

  /** A page answered the sync request out. @param {SyncFrame} page */
  onPage(page) {
    this.#parts.stats.syncPages += 1;
    this.#syncPages += 1;
    // A message whose live frame is held did arrive live (an app counts it as new, e.g. in an
    // unread badge): delivered from the page, in order, but as live.
    const heldIds = new Set(this.#held.map((m) => m.message_id));
    for (const m of page.messages) {
      if (!has(m, 'MessageFrame')) continue;
      if (this.deliver(m, heldIds.has(m.message_id) ? 'live' : 'sync')) this.#syncDelivered += 1;
    }
    if (page.has_more && page.next_since) {
      // `next_since` is where the page ended in the feed: a message's id or a change's (a
      // message changed after it was created comes again later in the feed), so it, not the
      // last message's id, is where the next page starts.
      this.#parts.requests.sync(page.next_since, { first: true });
    } else {
      this.#syncing = false;
      this.#syncFailures = 0;
      this.#cursor = { next_since: page.next_since };
      void this.save();
      this.#release();
      this.#parts.emit('synced', { nextSince: page.next_since, pages: this.#syncPages, delivered: this.#syncDelivered });
      this.settle(null);
    }
  }

  /** The sync request was refused. @param {ChatError} error */
  failed(error) {
    this.#syncing = false;
    this.#release();
    this.#parts.emit('error', error);
    this.settle(error);
    // Try again shortly while online (a store failure on the server is usually brief).
    const delay = backoffDelay(this.#syncFailures, { minMs: 1000, maxMs: 30_000 });
    this.#syncFailures += 1;
    clearTimeout(this.#syncRetryTimer);
    this.#syncRetryTimer = setTimeout(() => this.start(), delay);
  }

  /** Settles the `sync()` promises waiting. @param {ChatError | null} error */
  settle(error) {
    for (const waiter of this.#syncWaiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  /**
   * Emits a message the first time its id is seen (`message`), and again whenever a higher
   * version of it arrives (`update`); a repeat (same or lower version) is dropped. True when
   * emitted.
   * @param {import('./messages.js').WireMessage} raw
   * @param {'live' | 'sync' | 'ack'} source
   */
  deliver(raw, source) {
    const { emit, stats } = this.#parts;
    const message = normalized(raw);
    const applied = this.#versions.apply(message, this.#parts.identity.clientId);
    if (applied === 'repeat') {
      stats.duplicates += 1;
      return false;
    }
    if (applied === 'new') {
      stats.delivered += 1;
      emit('message', { ...message, type: 'message' }, { source });
    } else {
      stats.updates += 1;
      emit('update', message, { source });
    }
    return true;
  }

  /** Reads the stored cursor and the versions delivered before. */
  async load() {
    const { identity, storage, storageKey } = this.#parts;
    if (!identity.known) await identity.currentToken('connect');
    const cursor = await loadCursor(storage, storageKey());
    this.#cursor = { next_since: cursor.next_since };
    for (const id of cursor.seen) this.#versions.remember(id, cursor.versions[id] ?? 1);
    for (const [id, version] of Object.entries(cursor.versions)) this.#versions.remember(id, version);
  }

  /** Keeps `next_since`, the ids after it already delivered (the next catch-up repeats them)
   * and the versions delivered above 1 (changes come again in the next catch-up too). */
  async save() {
    if (!this.#cursor || !this.#parts.identity.known) return;
    const since = this.#cursor.next_since;
    const { seen, versions } = this.#versions.persisted(since, VERSIONS_STORED);
    await saveCursor(this.#parts.storage, this.#parts.storageKey(), { next_since: since, seen, versions });
  }
}
