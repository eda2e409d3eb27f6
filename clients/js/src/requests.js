// Requests, one in flight at a time (replies carry no request id, so the reply that comes is
// the answer of the request out): sends (kept in an outbox until acked, resent after a
// reconnect with the same `client_msg_id`), changes, catch-up pages and raw frames; retries of
// refusals worth retrying; timeouts; the matching of acks, sync pages and errors (frames.js
// hands them here) to the request out; typing frames, which go out only while nothing is out.

import { ClosedError, TimeoutError } from './errors.js';
import { isMessage } from './messages.js';
import { backoffDelay } from './util.js';

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
  /** @type {RequestConfig} */
  #config;
  /** @type {Connection} */
  #connection;
  /** @type {RequestHooks} */
  #hooks;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** @type {Map<string, Pending>} */
  #outbox = new Map();
  /** @type {Request[]} */
  #queue = [];
  /** @type {{ request: Request, timer: ReturnType<typeof setTimeout> } | null} */
  #inFlight = null;
  #typingUntil = 0;
  /** @type {Map<string, number>} */
  #typingSent = new Map();

  /**
   * @param {RequestConfig} config
   * @param {Connection} connection
   * @param {RequestHooks} hooks
   */
  constructor(config, connection, hooks) {
    this.#config = config;
    this.#connection = connection;
    this.#hooks = hooks;
  }

  /** Sends not acknowledged yet. */
  get pending() {
    return this.#outbox.size;
  }

  /**
   * The promise of a send not acknowledged yet, by its `client_msg_id`.
   * @param {string} clientMsgId
   */
  sent(clientMsgId) {
    return this.#outbox.get(clientMsgId)?.promise;
  }

  /**
   * Queues a send (kept until acked, refused for good, or closed).
   * @param {Pending['frame']} frame
   * @returns {Promise<AckFrame>}
   */
  send(frame) {
    /** @type {Pending} */
    const pending = /** @type {any} */ ({ attempts: 0, refusals: 0 });
    pending.frame = frame;
    pending.promise = new Promise((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    this.#outbox.set(frame.client_msg_id, pending);
    this.#queue.push({ kind: 'send', pending });
    this.#pump();
    return pending.promise;
  }

  /**
   * @param {ChangeFrame} frame
   * @returns {Promise<ChangeAckFrame>}
   */
  change(frame) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'change', change: { frame, resolve, reject, refusals: 0 } });
      this.#pump();
    });
  }

  /**
   * @param {object} frame
   * @returns {Promise<any>}
   */
  raw(frame) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'raw', frame, resolve, reject });
      this.#pump();
    });
  }

  /**
   * A catch-up page request, after the others (`first`: before them, the next page of one).
   * @param {string} since
   * @param {{ first?: boolean }} [options]
   */
  sync(since, options = {}) {
    if (options.first) this.#queue.unshift({ kind: 'sync', since });
    else {
      this.#queue.push({ kind: 'sync', since });
      this.#pump();
    }
  }

  /**
   * A typing frame to `peerId`, at most once per `typingEveryMs` per peer, only while online
   * and nothing is out. @param {string} peerId
   */
  typing(peerId) {
    const now = Date.now();
    const socket = this.#connection.socket;
    if (this.#connection.state !== 'online' || !socket || this.#inFlight || this.#queue.length > 0) return false;
    if (now - (this.#typingSent.get(peerId) ?? -Infinity) < this.#config.typingEveryMs) return false;
    this.#typingSent.set(peerId, now);
    this.#typingUntil = now + this.#config.typingWindowMs;
    socket.send(JSON.stringify({ action: 'typing', receiver_id: peerId }));
    return true;
  }

  /** Sends queued that already went out before (they go again on the new connection). */
  resends() {
    return this.#queue.filter((r) => r.kind === 'send' && r.pending.attempts > 0).length;
  }

  /** The connection closed: sends and changes out go again later, a raw request fails, a
   * catch-up starts over. */
  connectionLost() {
    const waiting = this.#inFlight;
    this.#inFlight = null;
    if (waiting) {
      clearTimeout(waiting.timer);
      // Sends and changes are safe to repeat (same client_msg_id; a repeated change is acked unchanged).
      if (waiting.request.kind === 'send' || waiting.request.kind === 'change') this.#queue.unshift(waiting.request);
      if (waiting.request.kind === 'raw') {
        waiting.request.reject(new ClosedError('the connection closed before the answer', { code: 'closed', source: 'request' }));
      }
    }
    // A catch-up starts over on the next connection, from the stored cursor.
    this.#queue = this.#queue.filter((r) => r.kind !== 'sync');
  }

  /** Every send, change and raw request not answered rejects with `closed`. @param {ChatError} closed */
  rejectAll(closed) {
    clearTimeout(this.#retryTimer);
    for (const pending of this.#outbox.values()) pending.reject(closed);
    this.#outbox.clear();
    for (const request of this.#queue) rejectRequest(request, closed);
    if (this.#inFlight) {
      clearTimeout(this.#inFlight.timer);
      rejectRequest(this.#inFlight.request, closed);
    }
    this.#inFlight = null;
    this.#queue = [];
  }

  /** The next request goes out if it may (online, nothing out, no typing refusal awaited). */
  pump() {
    this.#pump();
  }

  #pump() {
    const socket = this.#connection.socket;
    if (this.#connection.state !== 'online' || !socket || this.#inFlight || this.#queue.length === 0) return;
    const wait = this.#typingUntil - Date.now();
    if (wait > 0) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#pump(), wait);
      return;
    }
    const request = /** @type {Request} */ (this.#queue.shift());
    const timer = setTimeout(() => this.#timedOut(request), this.#config.requestTimeoutMs);
    this.#inFlight = { request, timer };
    let frame;
    if (request.kind === 'send') {
      request.pending.attempts += 1;
      frame = request.pending.frame;
    } else if (request.kind === 'sync') {
      frame = { action: 'sync', since: request.since };
    } else if (request.kind === 'change') {
      frame = request.change.frame;
    } else {
      frame = request.frame;
    }
    socket.send(JSON.stringify(frame));
  }

  /** @param {Request} request */
  #timedOut(request) {
    const socket = this.#connection.socket;
    if (this.#inFlight?.request !== request || !socket) return;
    this.#hooks.emit('error', new TimeoutError('no answer from the server: reconnecting', { code: 'timeout', source: request.kind === 'raw' ? 'request' : request.kind }));
    socket.close(4001, 'no answer');
  }

  /** The request in flight is answered: the next one may go. */
  #finish() {
    if (this.#inFlight) clearTimeout(this.#inFlight.timer);
    this.#inFlight = null;
    this.#pump();
  }

  /** @param {AckFrame} ack */
  onAck(ack) {
    const request = this.#inFlight?.request;
    let pending = ack.client_msg_id ? this.#outbox.get(ack.client_msg_id) : undefined;
    if (!pending && request?.kind === 'send') pending = request.pending;
    if (request?.kind === 'raw') {
      request.resolve(ack);
      this.#finish();
      return;
    }
    if (!pending) return;
    if (request?.kind === 'send' && request.pending === pending) this.#finish();
    this.#outbox.delete(pending.frame.client_msg_id);
    this.#hooks.remember(ack.message_id, 1, pending.frame.receiver_id);
    pending.resolve(ack);
    this.#hooks.emit('ack', ack);
  }

  /**
   * The ack of an edit, delete or react: its message's state is delivered (an `update`, or a
   * `message` for one this client had not seen), then the change's promise resolves.
   * @param {ChangeAckFrame} ack
   */
  onChangeAck(ack) {
    const request = this.#inFlight?.request;
    if (isMessage(ack.message)) this.#hooks.deliver(ack.message, 'ack');
    if (request?.kind === 'raw') {
      request.resolve(ack);
      this.#finish();
      return;
    }
    if (request?.kind === 'change' && request.change.frame.message_id === ack.message_id && request.change.frame.action === ack.action) {
      this.#finish();
      request.change.resolve(ack);
    }
  }

  /** @param {SyncFrame} page */
  onSync(page) {
    const request = this.#inFlight?.request;
    if (request?.kind === 'raw') {
      request.resolve(page);
      this.#finish();
      return;
    }
    if (request?.kind !== 'sync') return;
    this.#hooks.onSyncPage(page);
    this.#finish();
  }

  /** @param {ChatError} error */
  onError(error) {
    const request = this.#inFlight?.request;
    if (!request) {
      error.source = Date.now() < this.#typingUntil + this.#config.typingWindowMs ? 'typing' : 'request';
      this.#hooks.emit('error', error);
      return;
    }
    error.source = request.kind === 'raw' ? 'request' : request.kind;
    const attempt = request.kind === 'send' ? request.pending : request.kind === 'change' ? request.change : null;
    if (request.kind === 'raw') {
      request.reject(error);
    } else if (request.kind === 'sync') {
      this.#hooks.onSyncError(error);
    } else if (attempt && this.#retryable(error, attempt)) {
      // Slow down, then the same frame again (same client_msg_id).
      this.#hooks.stats.retries += 1;
      if (this.#inFlight) clearTimeout(this.#inFlight.timer);
      this.#inFlight = null;
      this.#queue.unshift(request);
      const delay = error.code === 'rate_limited' ? 1000 : backoffDelay(attempt.refusals - 1, this.#config.backoff);
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#pump(), delay);
      return;
    } else if (request.kind === 'change') {
      request.change.reject(error);
    } else {
      this.#outbox.delete(request.pending.frame.client_msg_id);
      request.pending.reject(error);
    }
    this.#finish();
  }

  /**
   * @param {ChatError} error
   * @param {{ refusals: number }} pending
   */
  #retryable(error, pending) {
    pending.refusals += 1;
    return (error.code === 'rate_limited' || error.code === 'internal') && pending.refusals < this.#config.maxAttempts;
  }
}

/**
 * A queued request that will not be answered now (the client closed).
 * @param {Request} request
 * @param {ChatError} error
 */
function rejectRequest(request, error) {
  if (request.kind === 'raw') request.reject(error);
  if (request.kind === 'change') request.change.reject(error);
}
