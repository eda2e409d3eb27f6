// Who the client is: chat-local's development identity (`clientId`, `role`) or a JWT (a string,
// or a callback asked again before each connection attempt and after a 401), and the WebSocket
// URL and HTTP identity that carry it.

import { tokenClaims } from './util.js';

/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./http.js').HttpIdentity} HttpIdentity */

/**
 * Why the token callback is asked: before a connection attempt, or because the HTTP API
 * refused the last token (401).
 * @typedef {{ reason: 'connect' | 'unauthorized' }} TokenRequest
 */

export class Identity {
  /** @type {ChatClientOptions} */
  #options;
  /** @type {{ clientId: string, role: 'user' | 'admin' } | null} */
  #identity = null;
  /** @type {string | null} */
  #token = null;

  /** @param {ChatClientOptions} options */
  constructor(options) {
    this.#options = options;
    if (typeof options.token === 'string') this.#token = options.token;
    if (options.clientId) {
      this.#identity = { clientId: options.clientId, role: options.role === 'admin' ? 'admin' : 'user' };
    }
    if (this.#token && !this.#identity) this.#identity = tokenClaims(this.#token);
  }

  /** Who this is (null until known: with a token callback, after the first token). */
  get known() {
    return this.#identity;
  }

  /** This client's id, or null while unknown. */
  get clientId() {
    return this.#identity?.clientId ?? null;
  }

  /**
   * The URL with the identity: `?token=` or chat-local's `/{client_id}?role=`.
   * @param {string | null} token
   */
  socketUrl(token) {
    const base = this.#options.url.replace(/\/+$/, '');
    if (token) return `${base}${base.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    const id = /** @type {{ clientId: string, role: string }} */ (this.#identity);
    return `${base}/${encodeURIComponent(id.clientId)}?role=${encodeURIComponent(id.role)}`;
  }

  /**
   * The token to use now (null: development identity). A callback is asked again each time.
   * @param {'connect' | 'unauthorized'} reason
   */
  async currentToken(reason) {
    const source = this.#options.token;
    if (typeof source !== 'function') return source ?? null;
    const token = await source({ reason });
    if (typeof token !== 'string' || token === '') throw new TypeError('the token callback gave no token');
    this.#token = token;
    if (!this.#identity) this.#identity = tokenClaims(token);
    return token;
  }

  /** What the HTTP API calls are made as. @returns {Promise<HttpIdentity>} */
  async httpIdentity() {
    if (!this.#identity) await this.currentToken('connect');
    const id = /** @type {{ clientId: string, role: 'user' | 'admin' }} */ (this.#identity);
    return {
      ...id,
      /** @param {boolean} refresh */
      token: async (refresh) => {
        if (!this.#options.token) return null;
        if (refresh || !this.#token) return this.currentToken(refresh ? 'unauthorized' : 'connect');
        return this.#token;
      },
    };
  }
}
