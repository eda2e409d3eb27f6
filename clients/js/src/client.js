// ChatClient: one client's connection to the chat, and the rules of docs/design.md §10 written
// once: reconnect with jittered backoff (connection.js), catch-up with `sync` from a stored
// cursor, each message delivered once (by `message_id`) and each change of it once (by
// `version`) (catchup.js, messages.js), sends and changes (edit, delete, react) retried until
// acked, one request in flight at a time (replies carry no request id), typing throttled
// (requests.js, commands.js); the options and their defaults (options.js), the events and their
// listeners (events.js). This file is the public class that puts them together; what it does
// over the HTTP API it inherits from chat-http.js.

import { ClosedError } from './errors.js';
import { ChatHttp } from './chat-http.js';
import { HttpApi, httpOrigin } from './http.js';
import { CatchUp } from './catchup.js';
import { reactFrame, sendFrame, target } from './commands.js';
import { Connection } from './connection.js';
import { Listeners } from './events.js';
import { routeFrame } from './frames.js';
import { Identity } from './identity.js';
import { settings } from './options.js';
import { Requests } from './requests.js';
import { defaultStorage } from './storage.js';
import { sleep, uuid } from './util.js';

/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./messages.js').ChangeAckFrame} ChangeAckFrame */
/** @typedef {import('./commands.js').OutgoingMessage} OutgoingMessage */
/** @typedef {import('./commands.js').MessageRef} MessageRef */
/** @typedef {import('./commands.js').ChangeFrame} ChangeFrame */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./options.js').ChatEvents} ChatEvents */

export class ChatClient extends ChatHttp {
  /** @type {import('./options.js').Settings} */
  #config;
  /** @type {ChatClientOptions} */
  #options;
  #listeners = new Listeners();
  #closed = false;
  /** @type {Array<{ resolve: () => void, reject: (e: ChatError) => void }>} */
  #onlineWaiters = [];
  /** @type {Identity} */
  #identity;
  /** @type {Connection} */
  #connection;
  /** @type {Requests} */
  #requests;
  /** @type {CatchUp} */
  #catchUp;

  /** Counters for tests, logs and dashboards. */
  stats = { connects: 0, syncPages: 0, delivered: 0, updates: 0, duplicates: 0, resent: 0, retries: 0 };

  /** @param {ChatClientOptions} options */
  constructor(options) {
    const config = settings(options);
    const identity = new Identity(options);
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    super(new HttpApi(options.httpUrl ?? httpOrigin(options.url), () => identity.httpIdentity(), fetchImpl), config.maxAttempts);
    this.#config = config;
    this.#options = options;
    this.#identity = identity;
    const storage = options.storage ?? defaultStorage();
    /** @type {import('./connection.js').Emit} */
    const emit = (type, ...args) => this.#listeners.emit(type, ...args);
    /** @type {import('./requests.js').RequestHooks['deliver']} */
    const deliver = (raw, source) => (source === 'live' ? this.#catchUp.live(raw) : this.#catchUp.deliver(raw, source));
    this.#connection = new Connection(options, this.#config, this.#identity, {
      emit,
      ready: () => this.#catchUp.loaded,
      prepare: () => this.#catchUp.load(),
      onOpen: () => this.#onOpen(),
      onFrame: (data) => routeFrame(data, this.#requests, deliver, emit),
      onClose: () => {
        this.#requests.connectionLost();
        this.#catchUp.connectionLost();
      },
    });
    this.#requests = new Requests(this.#config, this.#connection, {
      emit,
      stats: this.stats,
      deliver,
      remember: (id, version, peer) => this.#catchUp.versions.remember(id, version, peer),
      onSyncPage: (page) => this.#catchUp.onPage(page),
      onSyncError: (error) => this.#catchUp.failed(error),
    });
    this.#catchUp = new CatchUp({
      connection: this.#connection,
      requests: this.#requests,
      identity: this.#identity,
      storage,
      storageKey: () => this.#options.storageKey ?? `chat-client:${this.#identity.known?.clientId}`,
      emit,
      stats: this.stats,
    });
  }

  /** The connection state. @returns {ConnectionState} */
  get state() {
    return this.#connection.state;
  }

  /** This client's id (null until known: with a token callback, after the first token). */
  get clientId() {
    return this.#identity.clientId;
  }

  /** The stored catch-up cursor (`next_since`), null before the first catch-up. */
  get cursor() {
    return this.#catchUp.cursor;
  }

  /** Sends not acknowledged yet. */
  get pending() {
    return this.#requests.pending;
  }

  /**
   * Listens to an event; returns the function that stops listening.
   * @template {keyof ChatEvents} K
   * @param {K} type
   * @param {(...args: ChatEvents[K]) => void} listener
   * @returns {() => void}
   */
  on(type, listener) {
    return this.#listeners.on(type, listener);
  }

  /**
   * Starts connecting (and reconnecting whenever the connection drops, until `close()`).
   * Resolves when online for the first time; sends made before that wait for it.
   * @returns {Promise<void>}
   */
  connect() {
    const online = new Promise((resolve, reject) => {
      if (this.#connection.state === 'online') resolve(undefined);
      else this.#onlineWaiters.push({ resolve: () => resolve(undefined), reject });
    });
    if (!this.#connection.wanted) {
      this.#closed = false;
      this.#catchUp.startTimer(this.#config.resyncEveryMs);
      this.#connection.start();
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
    if (options.waitForSendsMs && this.#requests.pending > 0 && this.#connection.wanted) {
      const until = Date.now() + options.waitForSendsMs;
      while (this.#requests.pending > 0 && Date.now() < until) await sleep(20);
    }
    this.#connection.stop();
    this.#closed = true;
    this.#catchUp.stopTimers();
    const closed = new ClosedError('the client was closed', { code: 'closed' });
    this.#requests.rejectAll(closed);
    this.#catchUp.settle(closed);
    for (const waiter of this.#onlineWaiters.splice(0)) waiter.reject(closed);
    await this.#catchUp.save();
    await this.#connection.shut();
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
    const existing = this.#requests.sent(clientMsgId);
    if (existing) return existing;
    if (this.#closed) {
      return Promise.reject(new ClosedError('the client was closed', { code: 'closed', source: 'send' }));
    }
    return this.#requests.send(sendFrame(message, clientMsgId));
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
    return this.#change(reactFrame(this.#target(message), emoji, options));
  }

  /** @param {MessageRef} message */
  #target(message) {
    return target(message, this.#catchUp.versions, this.clientId);
  }

  /**
   * @param {ChangeFrame} frame
   * @returns {Promise<ChangeAckFrame>}
   */
  #change(frame) {
    if (this.#closed) {
      return Promise.reject(new ClosedError('the client was closed', { code: 'closed', source: 'change' }));
    }
    return this.#requests.change(frame);
  }

  /**
   * Says "typing" to `peerId`, at most once per `typingEveryMs` per peer; skipped (false)
   * while offline or while a request is out (a typing frame is only answered when refused,
   * and the refusal must not be taken for the request's answer).
   * @param {string} peerId
   * @returns {boolean} whether a typing frame went out
   */
  typing(peerId) {
    return this.#requests.typing(peerId);
  }

  /**
   * Catches up now (it also happens after every (re)connect and every `resyncEveryMs`).
   * Resolves when the catch-up completed.
   * @returns {Promise<void>}
   */
  sync() {
    const done = this.#catchUp.wait();
    this.#catchUp.start();
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
    return this.#requests.raw(frame);
  }

  /** Reconnects now if waiting to (skips the backoff and any hold). */
  reconnectNow() {
    this.#connection.reconnectNow();
  }

  /**
   * Drops the connection as a network failure would, and reconnects no sooner than `holdMs`
   * later (`reconnectNow()` ends the hold). For tests and for trying reconnects by hand.
   * @param {{ holdMs?: number }} [options]
   */
  dropConnection(options = {}) {
    this.#connection.drop(options.holdMs ?? 0);
  }

  /** Online: the callers of `connect()` go on, sends still pending go first (same
   * client_msg_id: the server answers a retried send with the same ack), then the catch-up. */
  #onOpen() {
    this.stats.connects += 1;
    this.#connection.setState('online');
    for (const waiter of this.#onlineWaiters.splice(0)) waiter.resolve();
    this.stats.resent += this.#requests.resends();
    this.#catchUp.start();
    this.#requests.pump();
  }
}
