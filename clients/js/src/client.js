// ChatClient: one client's connection to the chat, and the rules of docs/design.md §10 written
// once: reconnect with jittered backoff, catch-up with `sync` from a stored cursor, each message
// delivered once (by `message_id`) and each change of it once (by `version`, messages.js),
// sends and changes (edit, delete, react) retried until acked, one request in flight at a time
// (replies carry no request id), typing throttled.

import {
  ChatError,
  ClosedError,
  InternalError,
  TimeoutError,
  errorFor,
} from './errors.js';
import { HttpApi } from './http.js';
import { MessageVersions, isMessage, normalized } from './messages.js';
import { defaultStorage, loadCursor, saveCursor } from './storage.js';
import { backoffDelay, tokenClaims, uuid } from './util.js';
import { FIELDS } from './wire.js';

/** @typedef {import('./wire.js').SendFrame} SendFrame */
/** @typedef {import('./wire.js').MessageFrame} MessageFrame */
/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./wire.js').SyncFrame} SyncFrame */
/** @typedef {import('./wire.js').TypingFrame} TypingFrame */
/** @typedef {import('./wire.js').ReadFrame} ReadFrame */
/** @typedef {import('./wire.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./wire.js').HistoryResponse} HistoryResponse */
/** @typedef {import('./wire.js').UnreadResponse} UnreadResponse */
/** @typedef {import('./wire.js').MarkReadResponse} MarkReadResponse */
/** @typedef {import('./storage.js').KeyValueStorage} KeyValueStorage */
/** @typedef {import('./messages.js').ChatMessage} ChatMessage */
/** @typedef {import('./messages.js').ChangeAckFrame} ChangeAckFrame */
/** @typedef {import('./http.js').ConversationsResponse} ConversationsResponse */

/**
 * What `send()` takes: a send frame without `action`; `client_msg_id` is made up when absent;
 * `reply_to` makes it a reply to that message (of the same conversation, not deleted).
 * @typedef {Omit<SendFrame, 'action' | 'client_msg_id'> & { client_msg_id?: string, reply_to?: string }} OutgoingMessage
 */

/**
 * The message a change is about: a message as the events, sync pages or history give it (its
 * `sender_id` and `receiver_id` tell the server the conversation), or its id (the conversation
 * is then the one this client saw it in, if it did).
 * @typedef {string | { message_id: string, sender_id?: string, receiver_id?: string }} MessageRef
 */

/**
 * An edit, delete or react frame (client → server).
 * @typedef {{ action: 'edit', message_id: string, message_text: string, peer_id?: string }
 *   | { action: 'delete', message_id: string, peer_id?: string }
 *   | { action: 'react', message_id: string, emoji: string, remove?: boolean, peer_id?: string }} ChangeFrame
 */

/**
 * `connecting`: a connection attempt is under way; `online`: connected; `reconnecting`:
 * waiting before the next attempt (after a drop or a failed attempt); `offline`: not trying
 * (before `connect()`, after `close()`).
 * @typedef {'connecting' | 'online' | 'reconnecting' | 'offline'} ConnectionState
 */

/**
 * Why the token callback is asked: before a connection attempt, or because the HTTP API
 * refused the last token (401).
 * @typedef {{ reason: 'connect' | 'unauthorized' }} TokenRequest
 */

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

const SEEN_IN_MEMORY = 10_000;
/** Versions above 1 kept in the stored cursor (the most recent message ids). */
const VERSIONS_STORED = 2000;

export class ChatClient {
  /** @type {Required<Pick<ChatClientOptions, 'requestTimeoutMs' | 'resyncEveryMs' | 'typingEveryMs' | 'typingWindowMs' | 'maxAttempts'>> & { backoff: { minMs: number, maxMs: number } }} */
  #config;
  /** @type {ChatClientOptions} */
  #options;
  /** @type {Map<keyof ChatEvents, Set<(...args: any[]) => void>>} */
  #listeners = new Map();
  /** @type {ConnectionState} */
  #state = 'offline';
  /** @type {WebSocket | null} */
  #socket = null;
  #wanted = false;
  #closed = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #syncRetryTimer;
  #attempt = 0;
  #holdUntil = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #reconnectTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #resyncTimer;
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
  #syncing = false;
  #syncPages = 0;
  #syncDelivered = 0;
  #syncFailures = 0;
  /** @type {Array<{ resolve: () => void, reject: (e: ChatError) => void }>} */
  #syncWaiters = [];
  /** @type {Array<{ resolve: () => void, reject: (e: ChatError) => void }>} */
  #onlineWaiters = [];
  /** @type {{ next_since: string } | null} */
  #cursor = null;
  #versions = new MessageVersions(SEEN_IN_MEMORY);
  /** @type {{ clientId: string, role: 'user' | 'admin' } | null} */
  #identity = null;
  /** @type {string | null} */
  #token = null;
  #http;
  #storage;

  /** Counters for tests, logs and dashboards. */
  stats = { connects: 0, syncPages: 0, delivered: 0, updates: 0, duplicates: 0, resent: 0, retries: 0 };

  /** @param {ChatClientOptions} options */
  constructor(options) {
    if (!options || typeof options.url !== 'string') throw new TypeError('ChatClient: `url` is required');
    if (!options.token && !options.clientId) {
      throw new TypeError('ChatClient: give `clientId` (development identity) or `token`');
    }
    this.#options = options;
    this.#config = {
      backoff: { minMs: options.backoff?.minMs ?? 500, maxMs: options.backoff?.maxMs ?? 5000 },
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      resyncEveryMs: options.resyncEveryMs ?? 60_000,
      typingEveryMs: options.typingEveryMs ?? 2000,
      typingWindowMs: options.typingWindowMs ?? 250,
      maxAttempts: options.maxAttempts ?? 5,
    };
    if (typeof options.token === 'string') this.#token = options.token;
    if (options.clientId) {
      this.#identity = { clientId: options.clientId, role: options.role === 'admin' ? 'admin' : 'user' };
    }
    if (this.#token && !this.#identity) this.#identity = tokenClaims(this.#token);
    this.#storage = options.storage ?? defaultStorage();
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#http = new HttpApi(options.httpUrl ?? httpOrigin(options.url), () => this.#httpIdentity(), fetchImpl);
  }

  /** The connection state. @returns {ConnectionState} */
  get state() {
    return this.#state;
  }

  /** This client's id (null until known: with a token callback, after the first token). */
  get clientId() {
    return this.#identity?.clientId ?? null;
  }

  /** The stored catch-up cursor (`next_since`), null before the first catch-up. */
  get cursor() {
    return this.#cursor && this.#cursor.next_since !== '' ? this.#cursor.next_since : null;
  }

  /** Sends not acknowledged yet. */
  get pending() {
    return this.#outbox.size;
  }

  /**
   * Listens to an event; returns the function that stops listening.
   * @template {keyof ChatEvents} K
   * @param {K} type
   * @param {(...args: ChatEvents[K]) => void} listener
   * @returns {() => void}
   */
  on(type, listener) {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * @template {keyof ChatEvents} K
   * @param {K} type
   * @param {ChatEvents[K]} args
   */
  #emit(type, ...args) {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        listener(...args);
      } catch (err) {
        // A listener's bug must not break the connection; it still gets reported.
        console.error(`ChatClient: a '${type}' listener threw`, err);
      }
    }
  }

  /**
   * Starts connecting (and reconnecting whenever the connection drops, until `close()`).
   * Resolves when online for the first time; sends made before that wait for it.
   * @returns {Promise<void>}
   */
  connect() {
    const online = new Promise((resolve, reject) => {
      if (this.#state === 'online') resolve(undefined);
      else this.#onlineWaiters.push({ resolve: () => resolve(undefined), reject });
    });
    if (!this.#wanted) {
      this.#wanted = true;
      this.#closed = false;
      this.#attempt = 0;
      if (this.#config.resyncEveryMs > 0) {
        this.#resyncTimer = setInterval(() => this.#startCatchUp(), this.#config.resyncEveryMs);
      }
      void this.#open();
    }
    return online;
  }

  /**
   * Stops: no more reconnects; the cursor is saved; sends not acknowledged reject with
   * `ClosedError` (sending them again later with the same `client_msg_id` is safe).
   * `waitForSendsMs` first waits that long for pending sends to be acknowledged.
   * @param {{ waitForSendsMs?: number }} [options]
   */
  async close(options = {}) {
    if (options.waitForSendsMs && this.#outbox.size > 0 && this.#wanted) {
      const until = Date.now() + options.waitForSendsMs;
      while (this.#outbox.size > 0 && Date.now() < until) await sleep(20);
    }
    this.#wanted = false;
    this.#closed = true;
    clearTimeout(this.#syncRetryTimer);
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#resyncTimer);
    const closed = new ClosedError('the client was closed', { code: 'closed' });
    for (const pending of this.#outbox.values()) pending.reject(closed);
    this.#outbox.clear();
    for (const request of this.#queue) rejectRequest(request, closed);
    if (this.#inFlight) {
      clearTimeout(this.#inFlight.timer);
      rejectRequest(this.#inFlight.request, closed);
    }
    this.#inFlight = null;
    this.#queue = [];
    this.#settleSync(closed);
    for (const waiter of this.#onlineWaiters.splice(0)) waiter.reject(closed);
    await this.#saveCursor();
    const socket = this.#socket;
    this.#socket = null;
    this.#setState('offline');
    if (socket && socket.readyState <= 1) {
      await new Promise((resolve) => {
        socket.addEventListener('close', () => resolve(undefined));
        socket.close(1000, 'client closed');
        setTimeout(resolve, 1000);
      });
    }
  }

  /**
   * Sends a message; resolves with its ack once the server stored it. Offline, it waits for
   * the connection; across reconnects it is sent again with the same `client_msg_id`, so it is
   * stored once. Rejects with the typed error of a refusal (`ForbiddenError`, …).
   * @param {OutgoingMessage} message
   * @returns {Promise<AckFrame>}
   */
  send(message) {
    const clientMsgId = message.client_msg_id ?? uuid();
    const existing = this.#outbox.get(clientMsgId);
    if (existing) return existing.promise;
    if (this.#closed) {
      return Promise.reject(new ClosedError('the client was closed', { code: 'closed', source: 'send' }));
    }
    /** @type {Pending} */
    const pending = /** @type {any} */ ({ attempts: 0, refusals: 0 });
    pending.frame = {
      action: 'sendmessage',
      receiver_id: message.receiver_id,
      appointment_id: message.appointment_id,
      service_id: message.service_id,
      message_text: message.message_text,
      client_msg_id: clientMsgId,
    };
    if (message.reply_to !== undefined) pending.frame.reply_to = message.reply_to;
    pending.promise = new Promise((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    this.#outbox.set(clientMsgId, pending);
    this.#queue.push({ kind: 'send', pending });
    this.#pump();
    return pending.promise;
  }

  /**
   * Edits one of this client's messages (the author only, within 24 h of sending). Resolves
   * with the ack, whose `message` is the new state (also given to `update` listeners);
   * rejects with `ForbiddenError` (not the author, too late), `ConflictError` (deleted),
   * `NotFoundError`, `ValidationError`. The same text again is acked without a new version.
   * @param {MessageRef} message
   * @param {string} text
   * @returns {Promise<ChangeAckFrame>}
   */
  edit(message, text) {
    return this.#change({ action: 'edit', ...this.#target(message), message_text: text });
  }

  /**
   * Deletes a message (its author, or an administrator of the conversation): it becomes a
   * tombstone (`deleted: true`, empty text, no reactions). Deleting it again is acked unchanged.
   * (`delete` is a reserved word in older JavaScript tooling, hence the name.)
   * @param {MessageRef} message
   * @returns {Promise<ChangeAckFrame>}
   */
  deleteMessage(message) {
    return this.#change({ action: 'delete', ...this.#target(message) });
  }

  /**
   * Adds this client's `emoji` reaction to a message of its conversations (or takes it back
   * with `{ remove: true }`). A reaction already there (or already gone) is acked unchanged;
   * `ConflictError` when the message is deleted or has 20 different emoji already.
   * @param {MessageRef} message
   * @param {string} emoji
   * @param {{ remove?: boolean }} [options]
   * @returns {Promise<ChangeAckFrame>}
   */
  react(message, emoji, options = {}) {
    /** @type {ChangeFrame} */
    const frame = { action: 'react', ...this.#target(message), emoji };
    if (options.remove !== undefined) frame.remove = options.remove;
    return this.#change(frame);
  }

  /**
   * The message id and the other participant (`peer_id`, so the server reads the message
   * directly rather than through an eventually consistent index).
   * @param {MessageRef} message
   * @returns {{ message_id: string, peer_id?: string }}
   */
  #target(message) {
    if (typeof message === 'string') {
      const peer = this.#versions.peerOf(message);
      return peer ? { message_id: message, peer_id: peer } : { message_id: message };
    }
    const me = this.clientId;
    const id = message.message_id;
    let peer = this.#versions.peerOf(id);
    if (me && message.sender_id && message.receiver_id) {
      peer = message.sender_id === me ? message.receiver_id : message.sender_id;
    }
    return peer ? { message_id: id, peer_id: peer } : { message_id: id };
  }

  /**
   * @param {ChangeFrame} frame
   * @returns {Promise<ChangeAckFrame>}
   */
  #change(frame) {
    if (this.#closed) {
      return Promise.reject(new ClosedError('the client was closed', { code: 'closed', source: 'change' }));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'change', change: { frame, resolve, reject, refusals: 0 } });
      this.#pump();
    });
  }

  /**
   * Says "typing" to `peerId`, at most once per `typingEveryMs` per peer; skipped (false)
   * while offline or while a request is out (a typing frame is only answered when refused,
   * and the refusal must not be taken for the request's answer).
   * @param {string} peerId
   * @returns {boolean} whether a typing frame went out
   */
  typing(peerId) {
    const now = Date.now();
    if (this.#state !== 'online' || !this.#socket || this.#inFlight || this.#queue.length > 0) return false;
    if (now - (this.#typingSent.get(peerId) ?? -Infinity) < this.#config.typingEveryMs) return false;
    this.#typingSent.set(peerId, now);
    this.#typingUntil = now + this.#config.typingWindowMs;
    this.#socket.send(JSON.stringify({ action: 'typing', receiver_id: peerId }));
    return true;
  }

  /**
   * Catches up now (it also happens after every (re)connect and every `resyncEveryMs`).
   * Resolves when the catch-up completed.
   * @returns {Promise<void>}
   */
  sync() {
    const done = new Promise((resolve, reject) => {
      this.#syncWaiters.push({ resolve: () => resolve(undefined), reject });
    });
    this.#startCatchUp();
    return done;
  }

  /**
   * A frame the library does not wrap, sent in turn with the others; resolves with the reply
   * (`ack` or `sync`), rejects with the typed error of an `error` reply. Not resent after a
   * reconnect (it may not be idempotent): a dropped connection rejects it with `ClosedError`.
   * @param {object} frame
   * @returns {Promise<any>}
   */
  request(frame) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'raw', frame, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Marks read everything `senderId` sent to this client (`PUT /chat/read/{me}`).
   * @param {string} senderId
   * @returns {Promise<MarkReadResponse>}
   */
  markRead(senderId) {
    return this.#http.markRead(senderId);
  }

  /** This client's unread counts (`GET /chat/unread/{me}`). @returns {Promise<UnreadResponse>} */
  unread() {
    return this.#http.unread();
  }

  /**
   * The conversation with `peerId`, newest first, one page per iteration
   * (`GET /chat/history/{me}/{peer}`): `for await (const page of client.history(peer)) …`.
   * @param {string} peerId
   * @param {{ limit?: number, appointmentId?: string, cursor?: string }} [options]
   * @returns {AsyncGenerator<HistoryResponse, void, undefined>}
   */
  async *history(peerId, options = {}) {
    /** @type {string | null} */
    let cursor = options.cursor ?? null;
    do {
      const page = await this.#http.history(peerId, { ...options, cursor });
      yield page;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /**
   * One page of this client's conversations (`GET /chat/conversations/{me}`), most recent
   * activity first: the peer, the last message's preview, the unread count.
   * @param {{ limit?: number, cursor?: string | null }} [options] `limit` 1–50 (default 20)
   * @returns {Promise<ConversationsResponse>}
   */
  conversationsPage(options = {}) {
    return this.#http.conversations(options);
  }

  /**
   * Every conversation, one page per iteration (like `history`):
   * `for await (const page of client.conversations()) …`.
   * @param {{ limit?: number, cursor?: string | null }} [options]
   * @returns {AsyncGenerator<ConversationsResponse, void, undefined>}
   */
  async *conversations(options = {}) {
    /** @type {string | null} */
    let cursor = options.cursor ?? null;
    do {
      const page = await this.#http.conversations({ ...options, cursor });
      yield page;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /** Reconnects now if waiting to (skips the backoff and any hold). */
  reconnectNow() {
    this.#holdUntil = 0;
    if (this.#wanted && !this.#socket) {
      clearTimeout(this.#reconnectTimer);
      void this.#open();
    }
  }

  /**
   * Drops the connection as a network failure would, and reconnects no sooner than `holdMs`
   * later (`reconnectNow()` ends the hold). For tests and for trying reconnects by hand.
   * @param {{ holdMs?: number }} [options]
   */
  dropConnection(options = {}) {
    this.#holdUntil = Date.now() + (options.holdMs ?? 0);
    if (this.#socket) this.#socket.close(4000, 'dropped by the client');
  }

  // ------------------------------------------------------------------ connection

  async #open() {
    if (!this.#wanted || this.#socket) return;
    this.#setState('connecting');
    let url;
    try {
      // One token per attempt (it also tells who this is, before the cursor is read).
      const token = await this.#currentToken('connect');
      if (!this.#cursor) await this.#loadCursor();
      url = this.#socketUrl(token);
    } catch (err) {
      this.#emit('error', asChatError(err, 'connection'));
      this.#scheduleReconnect();
      return;
    }
    if (!this.#wanted || this.#socket) return;
    const Impl = this.#options.WebSocket ?? globalThis.WebSocket;
    /** @type {WebSocket} */
    let socket;
    try {
      socket = new Impl(url);
    } catch (err) {
      this.#emit('error', asChatError(err, 'connection'));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket === socket) this.#onOpen();
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#onFrame(event.data);
    };
    socket.onclose = () => {
      if (this.#socket === socket) this.#onClose();
    };
    // A failed handshake: browsers fire error then close; Node 20's WebSocket fires only error
    // and stays CONNECTING. Either way it is a failed attempt, handled once.
    socket.onerror = () => {
      if (this.#socket === socket && socket.readyState !== 1) this.#failAttempt(socket);
    };
    // A close that never reports (Node 20's WebSocket can sit in CLOSING after the server's
    // close frame): checked every second, so the client still reconnects.
    const watchdog = setInterval(() => {
      if (this.#socket !== socket) clearInterval(watchdog);
      else if (socket.readyState >= 2) {
        clearInterval(watchdog);
        this.#onClose();
      }
    }, 1000);
    // A handshake that hangs counts as failed too.
    setTimeout(() => {
      if (this.#socket === socket && socket.readyState === 0) this.#failAttempt(socket);
    }, this.#config.requestTimeoutMs);
  }

  /** @param {WebSocket} socket */
  #failAttempt(socket) {
    this.#onClose();
    try {
      socket.close();
    } catch (_) {
      // Already failed.
    }
  }

  /**
   * The URL with the identity: `?token=` or chat-local's `/{client_id}?role=`.
   * @param {string | null} token
   */
  #socketUrl(token) {
    const base = this.#options.url.replace(/\/+$/, '');
    if (token) return `${base}${base.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    const id = /** @type {{ clientId: string, role: string }} */ (this.#identity);
    return `${base}/${encodeURIComponent(id.clientId)}?role=${encodeURIComponent(id.role)}`;
  }

  /**
   * The token to use now (null: development identity). A callback is asked again each time.
   * @param {'connect' | 'unauthorized'} reason
   */
  async #currentToken(reason) {
    const source = this.#options.token;
    if (typeof source !== 'function') return source ?? null;
    const token = await source({ reason });
    if (typeof token !== 'string' || token === '') throw new TypeError('the token callback gave no token');
    this.#token = token;
    if (!this.#identity) this.#identity = tokenClaims(token);
    return token;
  }

  async #httpIdentity() {
    if (!this.#identity) await this.#currentToken('connect');
    const id = /** @type {{ clientId: string, role: 'user' | 'admin' }} */ (this.#identity);
    return {
      ...id,
      /** @param {boolean} refresh */
      token: async (refresh) => {
        if (!this.#options.token) return null;
        if (refresh || !this.#token) return this.#currentToken(refresh ? 'unauthorized' : 'connect');
        return this.#token;
      },
    };
  }

  #onOpen() {
    this.#attempt = 0;
    this.stats.connects += 1;
    this.#setState('online');
    for (const waiter of this.#onlineWaiters.splice(0)) waiter.resolve();
    // Sends still pending go first (same client_msg_id: the server answers a retried send with
    // the same ack), then the catch-up.
    this.stats.resent += this.#queue.filter((r) => r.kind === 'send' && r.pending.attempts > 0).length;
    this.#startCatchUp();
    this.#pump();
  }

  #onClose() {
    this.#socket = null;
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
    this.#syncing = false;
    if (this.#wanted) this.#scheduleReconnect();
    else this.#setState('offline');
  }

  #scheduleReconnect() {
    if (!this.#wanted) return;
    const delay = Math.max(backoffDelay(this.#attempt, this.#config.backoff), this.#holdUntil - Date.now());
    this.#attempt += 1;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => void this.#open(), delay);
    this.#setState('reconnecting', delay);
  }

  /**
   * @param {ConnectionState} state
   * @param {number} [retryInMs]
   */
  #setState(state, retryInMs) {
    const previous = this.#state;
    if (previous === state && retryInMs === undefined) return;
    this.#state = state;
    this.#emit('state', state, retryInMs === undefined ? { previous } : { previous, retryInMs });
  }

  // ------------------------------------------------------------------ requests, one at a time

  #pump() {
    if (this.#state !== 'online' || !this.#socket || this.#inFlight || this.#queue.length === 0) return;
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
    this.#socket.send(JSON.stringify(frame));
  }

  /** @param {Request} request */
  #timedOut(request) {
    if (this.#inFlight?.request !== request || !this.#socket) return;
    this.#emit('error', new TimeoutError('no answer from the server: reconnecting', { code: 'timeout', source: request.kind === 'raw' ? 'request' : request.kind }));
    this.#socket.close(4001, 'no answer');
  }

  /** The request in flight is answered: the next one may go. */
  #finish() {
    if (this.#inFlight) clearTimeout(this.#inFlight.timer);
    this.#inFlight = null;
    this.#pump();
  }

  /** @param {unknown} data */
  #onFrame(data) {
    /** @type {any} */
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch (_) {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'message':
        if (has(frame, 'MessageFrame')) this.#deliver(frame, 'live');
        break;
      case 'update':
        if (isMessage(frame.message)) this.#deliver(frame.message, 'live');
        break;
      case 'ack':
        if (has(frame, 'AckFrame')) {
          if (typeof frame.action === 'string') this.#onChangeAck(frame);
          else this.#onAck(frame);
        }
        break;
      case 'sync':
        if (has(frame, 'SyncFrame')) this.#onSync(frame);
        break;
      case 'typing':
        if (has(frame, 'TypingFrame')) this.#emit('typing', frame);
        break;
      case 'read':
        if (has(frame, 'ReadFrame')) this.#emit('read', frame);
        break;
      case 'error':
        if (has(frame, 'ErrorFrame')) this.#onError(errorFor(frame.code, frame.message));
        break;
      default:
        // API Gateway's answer when a function failed: {"message":"Internal server error",…}.
        if (typeof frame.message === 'string') this.#onError(new InternalError(frame.message, { code: 'internal' }));
    }
  }

  /** @param {AckFrame} ack */
  #onAck(ack) {
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
    this.#versions.remember(ack.message_id, 1, pending.frame.receiver_id);
    pending.resolve(ack);
    this.#emit('ack', ack);
  }

  /**
   * The ack of an edit, delete or react: its message's state is delivered (an `update`, or a
   * `message` for one this client had not seen), then the change's promise resolves.
   * @param {ChangeAckFrame} ack
   */
  #onChangeAck(ack) {
    const request = this.#inFlight?.request;
    if (isMessage(ack.message)) this.#deliver(ack.message, 'ack');
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

  /** @param {ChatError} error */
  #onError(error) {
    const request = this.#inFlight?.request;
    if (!request) {
      error.source = Date.now() < this.#typingUntil + this.#config.typingWindowMs ? 'typing' : 'request';
      this.#emit('error', error);
      return;
    }
    error.source = request.kind === 'raw' ? 'request' : request.kind;
    const attempt = request.kind === 'send' ? request.pending : request.kind === 'change' ? request.change : null;
    if (request.kind === 'raw') {
      request.reject(error);
    } else if (request.kind === 'sync') {
      this.#syncFailed(error);
    } else if (attempt && this.#retryable(error, attempt)) {
      // Slow down, then the same frame again (same client_msg_id).
      this.stats.retries += 1;
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

  // ------------------------------------------------------------------ catch-up and delivery

  #startCatchUp() {
    if (this.#syncing || this.#state !== 'online') return;
    this.#syncing = true;
    this.#syncPages = 0;
    this.#syncDelivered = 0;
    this.#queue.push({ kind: 'sync', since: this.#cursor?.next_since ?? '' });
    this.#pump();
  }

  /** @param {SyncFrame} page */
  #onSync(page) {
    const request = this.#inFlight?.request;
    if (request?.kind === 'raw') {
      request.resolve(page);
      this.#finish();
      return;
    }
    if (request?.kind !== 'sync') return;
    this.stats.syncPages += 1;
    this.#syncPages += 1;
    for (const m of page.messages) {
      if (has(m, 'MessageFrame') && this.#deliver(m, 'sync')) this.#syncDelivered += 1;
    }
    if (page.has_more && page.next_since) {
      // `next_since` is where the page ended in the feed: a message's id or a change's (a
      // message changed after it was created comes again later in the feed), so it, not the
      // last message's id, is where the next page starts.
      this.#queue.unshift({ kind: 'sync', since: page.next_since });
    } else {
      this.#syncing = false;
      this.#syncFailures = 0;
      this.#cursor = { next_since: page.next_since };
      void this.#saveCursor();
      this.#emit('synced', { nextSince: page.next_since, pages: this.#syncPages, delivered: this.#syncDelivered });
      this.#settleSync(null);
    }
    this.#finish();
  }

  /** @param {ChatError} error */
  #syncFailed(error) {
    this.#syncing = false;
    this.#emit('error', error);
    this.#settleSync(error);
    // Try again shortly while online (a store failure on the server is usually brief).
    const delay = backoffDelay(this.#syncFailures, { minMs: 1000, maxMs: 30_000 });
    this.#syncFailures += 1;
    clearTimeout(this.#syncRetryTimer);
    this.#syncRetryTimer = setTimeout(() => this.#startCatchUp(), delay);
  }

  /** @param {ChatError | null} error */
  #settleSync(error) {
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
  #deliver(raw, source) {
    const message = normalized(raw);
    const applied = this.#versions.apply(message, this.clientId);
    if (applied === 'repeat') {
      this.stats.duplicates += 1;
      return false;
    }
    if (applied === 'new') {
      this.stats.delivered += 1;
      this.#emit('message', { ...message, type: 'message' }, { source });
    } else {
      this.stats.updates += 1;
      this.#emit('update', message, { source });
    }
    return true;
  }

  #storageKey() {
    return this.#options.storageKey ?? `chat-client:${this.#identity?.clientId}`;
  }

  async #loadCursor() {
    if (!this.#identity) await this.#currentToken('connect');
    const cursor = await loadCursor(this.#storage, this.#storageKey());
    this.#cursor = { next_since: cursor.next_since };
    for (const id of cursor.seen) this.#versions.remember(id, cursor.versions[id] ?? 1);
    for (const [id, version] of Object.entries(cursor.versions)) this.#versions.remember(id, version);
  }

  /** Keeps `next_since`, the ids after it already delivered (the next catch-up repeats them)
   * and the versions delivered above 1 (changes come again in the next catch-up too). */
  async #saveCursor() {
    if (!this.#cursor || !this.#identity) return;
    const since = this.#cursor.next_since;
    const { seen, versions } = this.#versions.persisted(since, VERSIONS_STORED);
    await saveCursor(this.#storage, this.#storageKey(), { next_since: since, seen, versions });
  }
}

/**
 * Whether `value` has every required field of the documents' `schema` (frames missing one are
 * ignored: the server and this library disagree on the contract).
 * @param {any} value
 * @param {keyof typeof FIELDS} schema
 */
function has(value, schema) {
  return value !== null && typeof value === 'object' && FIELDS[schema].required.every((f) => value[f] !== undefined);
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

/** chat-local serves the HTTP API on the WebSocket's origin. @param {string} wsUrl */
function httpOrigin(wsUrl) {
  const url = new URL(wsUrl);
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

/**
 * @param {unknown} err
 * @param {import('./errors.js').ErrorSource} source
 */
function asChatError(err, source) {
  if (err instanceof ChatError) return err;
  return new ChatError(String(err instanceof Error ? err.message : err), { code: 'connection', source, cause: err });
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
