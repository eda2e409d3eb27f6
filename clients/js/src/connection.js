// The WebSocket connection: one attempt at a time, reconnects with jittered backoff until
// stopped, a hold for tests (`drop({ holdMs })`), and the connection state and its events.
// What travels over the socket is the request queue's (requests.js).

import { ChatError } from './errors.js';
import { backoffDelay } from './util.js';

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
  /** @type {ChatClientOptions} */
  #options;
  /** @type {{ backoff: { minMs: number, maxMs: number }, requestTimeoutMs: number }} */
  #config;
  /** @type {Identity} */
  #identity;
  /** @type {ConnectionHooks} */
  #hooks;
  /** @type {ConnectionState} */
  #state = 'offline';
  /** @type {WebSocket | null} */
  #socket = null;
  #wanted = false;
  #attempt = 0;
  #holdUntil = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #reconnectTimer;

  /**
   * @param {ChatClientOptions} options
   * @param {{ backoff: { minMs: number, maxMs: number }, requestTimeoutMs: number }} config
   * @param {Identity} identity
   * @param {ConnectionHooks} hooks
   */
  constructor(options, config, identity, hooks) {
    this.#options = options;
    this.#config = config;
    this.#identity = identity;
    this.#hooks = hooks;
  }

  /** @returns {ConnectionState} */
  get state() {
    return this.#state;
  }

  /** The open (or opening) socket, null between attempts. */
  get socket() {
    return this.#socket;
  }

  /** Whether the client wants to be connected (between `start()` and `stop()`). */
  get wanted() {
    return this.#wanted;
  }

  /** Starts connecting, and reconnecting whenever the connection drops, until `stop()`. */
  start() {
    this.#wanted = true;
    this.#attempt = 0;
    void this.#open();
  }

  /** No more reconnects. */
  stop() {
    this.#wanted = false;
    clearTimeout(this.#reconnectTimer);
  }

  /** Forgets the socket, goes `offline`, then closes the socket (waits up to 1 s for it). */
  async shut() {
    const socket = this.#socket;
    this.#socket = null;
    this.setState('offline');
    if (socket && socket.readyState <= 1) {
      await new Promise((resolve) => {
        socket.addEventListener('close', () => resolve(undefined));
        socket.close(1000, 'client closed');
        setTimeout(resolve, 1000);
      });
    }
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
   * Drops the connection as a network failure would; the next attempt is no sooner than
   * `holdMs` later.
   * @param {number} holdMs
   */
  drop(holdMs) {
    this.#holdUntil = Date.now() + holdMs;
    if (this.#socket) this.#socket.close(4000, 'dropped by the client');
  }

  async #open() {
    if (!this.#wanted || this.#socket) return;
    this.setState('connecting');
    let url;
    try {
      // One token per attempt (it also tells who this is, before the cursor is read).
      const token = await this.#identity.currentToken('connect');
      if (!this.#hooks.ready()) await this.#hooks.prepare();
      url = this.#identity.socketUrl(token);
    } catch (err) {
      this.#hooks.emit('error', asChatError(err, 'connection'));
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
      this.#hooks.emit('error', asChatError(err, 'connection'));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket === socket) {
        this.#attempt = 0;
        this.#hooks.onOpen();
      }
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#hooks.onFrame(event.data);
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

  #onClose() {
    this.#socket = null;
    this.#hooks.onClose();
    if (this.#wanted) this.#scheduleReconnect();
    else this.setState('offline');
  }

  #scheduleReconnect() {
    if (!this.#wanted) return;
    const delay = Math.max(backoffDelay(this.#attempt, this.#config.backoff), this.#holdUntil - Date.now());
    this.#attempt += 1;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => void this.#open(), delay);
    this.setState('reconnecting', delay);
  }

  /**
   * @param {ConnectionState} state
   * @param {number} [retryInMs]
   */
  setState(state, retryInMs) {
    const previous = this.#state;
    if (previous === state && retryInMs === undefined) return;
    this.#state = state;
    this.#hooks.emit('state', state, retryInMs === undefined ? { previous } : { previous, retryInMs });
  }
}

/**
 * @param {unknown} err
 * @param {import('./errors.js').ErrorSource} source
 */
function asChatError(err, source) {
  if (err instanceof ChatError) return err;
  return new ChatError(String(err instanceof Error ? err.message : err), { code: 'connection', source, cause: err });
}
