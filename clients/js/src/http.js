// The HTTP API (docs/openapi.yaml): mark read, history pages, unread counts, the inbox, upload and
// download URLs of attachments, a client's export pages and erasure steps. Errors become the
// typed errors of errors.js; a bearer token refused with 401 is refreshed once and retried.

import { ChatError, HttpError, errorFor } from './errors.js';

/** @typedef {import('./wire.js').MarkReadResponse} MarkReadResponse */
/** @typedef {import('./wire.js').HistoryResponse} HistoryResponse */
/** @typedef {import('./wire.js').UnreadResponse} UnreadResponse */
/** @typedef {import('./wire.js').HttpErrorBody} HttpErrorBody */
/** @typedef {import('./wire.js').UploadResponse} UploadResponse */
/** @typedef {import('./wire.js').DownloadResponse} DownloadResponse */
/** @typedef {import('./wire.js').ExportPage} ExportPage */
/** @typedef {import('./wire.js').ErasureProgress} ErasureProgress */
/** @typedef {import('./wire.js').Attachment['content_type']} ContentType */
/** @typedef {import('./messages.js').ReplyPreview} ReplyPreview */

/**
 * One conversation of the inbox: the peer, a preview of the last message (null when none),
 * how many of the peer's messages are unread, and when it last changed.
 * @typedef {object} Conversation
 * @property {string} peer_id
 * @property {ReplyPreview | null} last_message
 * @property {number} unread
 * @property {string | null} updated_at
 */

/**
 * A page of `GET /chat/conversations/{client_id}`, most recent activity first.
 * @typedef {object} ConversationsResponse
 * @property {Conversation[]} conversations
 * @property {string | null} next_cursor
 */

/**
 * @typedef {object} HttpIdentity
 * @property {string} clientId
 * @property {'user' | 'admin'} role
 * @property {(refresh: boolean) => Promise<string | null>} token the bearer token (null in
 *   chat-local's dev identity mode, where the role travels as `X-Chat-Role` and the id as
 *   `X-Chat-Client`)
 */

const enc = encodeURIComponent;

/** chat-local serves the HTTP API on the WebSocket's origin. @param {string} wsUrl */
export function httpOrigin(wsUrl) {
  const url = new URL(wsUrl);
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

export class HttpApi {
  /**
   * @param {string} baseUrl e.g. `http://127.0.0.1:8000` or the deployed `HttpApiUrl`
   * @param {() => Promise<HttpIdentity>} identity
   * @param {typeof fetch} fetchImpl
   */
  constructor(baseUrl, identity, fetchImpl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.identity = identity;
    this.fetch = fetchImpl;
  }

  /**
   * @param {string} senderId
   * @returns {Promise<MarkReadResponse>}
   */
  async markRead(senderId) {
    const me = (await this.identity()).clientId;
    return this.call('PUT', `/chat/read/${enc(me)}`, { sender_id: senderId });
  }

  /**
   * @param {string} peerId
   * @param {{ limit?: number, cursor?: string | null, appointmentId?: string }} [page]
   * @returns {Promise<HistoryResponse>}
   */
  async history(peerId, page = {}) {
    const me = (await this.identity()).clientId;
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor) query.set('cursor', page.cursor);
    if (page.appointmentId) query.set('appointment_id', page.appointmentId);
    const q = query.toString();
    return this.call('GET', `/chat/history/${enc(me)}/${enc(peerId)}${q ? `?${q}` : ''}`);
  }

  /**
   * @param {{ limit?: number, cursor?: string | null }} [page]
   * @returns {Promise<ConversationsResponse>}
   */
  async conversations(page = {}) {
    const me = (await this.identity()).clientId;
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor) query.set('cursor', page.cursor);
    const q = query.toString();
    return this.call('GET', `/chat/conversations/${enc(me)}${q ? `?${q}` : ''}`);
  }

  /** @returns {Promise<UnreadResponse>} */
  async unread() {
    const me = (await this.identity()).clientId;
    return this.call('GET', `/chat/unread/${enc(me)}`);
  }

  /**
   * Asks for an upload (`POST /chat/attachments/{me}`): where to `PUT` the bytes, and with
   * which headers.
   * @param {{ fileName: string, contentType: ContentType, size: number }} file
   * @returns {Promise<UploadResponse>}
   */
  async requestUpload(file) {
    const me = (await this.identity()).clientId;
    const body = { file_name: file.fileName, content_type: file.contentType, size: file.size };
    return this.call('POST', `/chat/attachments/${enc(me)}`, body);
  }

  /**
   * A download URL for an attachment of this client's conversations
   * (`GET /chat/attachments/{me}/{attachment_id}`), valid until `expires_at`.
   * @param {string} attachmentId
   * @returns {Promise<DownloadResponse>}
   */
  async attachmentUrl(attachmentId) {
    const me = (await this.identity()).clientId;
    return this.call('GET', `/chat/attachments/${enc(me)}/${enc(attachmentId)}`);
  }

  /**
   * One page of a client's export (`GET /chat/export/{client_id}`): this client's own, or,
   * for an administrator, anyone's.
   * @param {string} clientId
   * @param {string | null} cursor the previous page's `next_cursor` (null: the first page)
   * @returns {Promise<ExportPage>}
   */
  exportPage(clientId, cursor) {
    const q = cursor ? `?cursor=${enc(cursor)}` : '';
    return this.call('GET', `/chat/export/${enc(clientId)}${q}`);
  }

  /**
   * One step of a client's erasure (`POST /chat/erasure/{client_id}`, administrators only):
   * `done: false` (202) while work remains.
   * @param {string} clientId
   * @returns {Promise<ErasureProgress>}
   */
  eraseStep(clientId) {
    return this.call('POST', `/chat/erasure/${enc(clientId)}`);
  }

  /**
   * One request; a 401 with a token is tried once more with a refreshed token.
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @returns {Promise<any>}
   */
  async call(method, path, body) {
    try {
      return await this.once(method, path, body, false);
    } catch (err) {
      if (!(err instanceof ChatError) || err.status !== 401) throw err;
      const id = await this.identity();
      if ((await id.token(false)) === null) throw err;
      return this.once(method, path, body, true);
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {object | undefined} body
   * @param {boolean} refresh
   */
  async once(method, path, body, refresh) {
    const id = await this.identity();
    const token = await id.token(refresh);
    /** @type {Record<string, string>} */
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    else {
      // chat-local's dev identity: the role, and the caller (the path names whose data an
      // export or an erasure is, not who asks).
      headers['X-Chat-Role'] = id.role;
      headers['X-Chat-Client'] = id.clientId;
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (cause) {
      throw new HttpError(`${method} ${path}: ${String(cause)}`, { code: 'network', source: 'http', cause });
    }
    /** @type {any} */
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      // No JSON body (e.g. an HTML error page from a proxy).
    }
    if (response.ok) return data;
    /** @type {Partial<HttpErrorBody> | null} */
    const error = data;
    if (error && typeof error.code === 'string') {
      throw errorFor(error.code, error.message || error.code, { status: response.status, source: 'http' });
    }
    // API Gateway's own shape {"message"} (throttling, timeouts), or no body at all.
    const message = (data && typeof data.message === 'string' && data.message) || response.statusText;
    if (response.status === 401) {
      throw errorFor('unauthorized', message || 'Unauthorized', { status: 401, source: 'http' });
    }
    throw new HttpError(message || `HTTP ${response.status}`, {
      code: `http_${response.status}`,
      status: response.status,
      source: 'http',
    });
  }
}

/**
 * Pages one after another, from `start.cursor` (read when the first page is asked for), each
 * from the one before's `next_cursor`, until a page has none.
 * @template {{ next_cursor: string | null }} P
 * @param {(cursor: string | null) => Promise<P>} fetchPage
 * @param {{ cursor?: string | null }} start
 * @returns {AsyncGenerator<P, void, undefined>}
 */
export async function* pages(fetchPage, start) {
  /** @type {string | null} */
  let cursor = start.cursor ?? null;
  do {
    const page = await fetchPage(cursor);
    yield page;
    cursor = page.next_cursor;
  } while (cursor);
}
