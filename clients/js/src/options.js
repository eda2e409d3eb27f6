// The options a ChatClient takes (their types, their check and their defaults) and the events it
// emits (client.js).

/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./wire.js').TypingFrame} TypingFrame */
/** @typedef {import('./wire.js').ReadFrame} ReadFrame */
/** @typedef {import('./errors.js').ChatError} ChatError */
/** @typedef {import('./storage.js').KeyValueStorage} KeyValueStorage */
/** @typedef {import('./messages.js').ChatMessage} ChatMessage */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./identity.js').TokenRequest} TokenRequest */

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
 * What the client runs with: the options' values, or their defaults.
 * @typedef {import('./requests.js').RequestConfig & { resyncEveryMs: number }} Settings
 */

/**
 * Checks the options a ChatClient cannot do without and fills in the defaults.
 * @param {ChatClientOptions} options
 * @returns {Settings}
 */
export function settings(options) {
  if (!options || typeof options.url !== 'string') throw new TypeError('ChatClient: `url` is required');
  if (!options.token && !options.clientId) {
    throw new TypeError('ChatClient: give `clientId` (development identity) or `token`');
  }
  return {
    backoff: { minMs: options.backoff?.minMs ?? 500, maxMs: options.backoff?.maxMs ?? 5000 },
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    resyncEveryMs: options.resyncEveryMs ?? 60_000,
    typingEveryMs: options.typingEveryMs ?? 2000,
    typingWindowMs: options.typingWindowMs ?? 250,
    maxAttempts: options.maxAttempts ?? 5,
  };
}
