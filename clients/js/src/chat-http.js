// The half of ChatClient (client.js) that speaks the HTTP API: read marks, unread counts,
// history and conversations one page at a time (http.js), attachments (attachments.js), a
// client's export and erasure (privacy.js). ChatClient extends it with the WebSocket side.

import { DownloadUrls, uploadFile } from './attachments.js';
import { pages } from './http.js';
import { DataRules } from './privacy.js';

/** @typedef {import('./http.js').HttpApi} HttpApi */
/** @typedef {import('./wire.js').HistoryResponse} HistoryResponse */
/** @typedef {import('./wire.js').UnreadResponse} UnreadResponse */
/** @typedef {import('./wire.js').MarkReadResponse} MarkReadResponse */
/** @typedef {import('./http.js').ConversationsResponse} ConversationsResponse */
/** @typedef {import('./wire.js').Attachment} Attachment */
/** @typedef {import('./wire.js').DownloadResponse} DownloadResponse */
/** @typedef {import('./attachments.js').UploadInput} UploadInput */
/** @typedef {import('./attachments.js').UploadOptions} UploadOptions */
/** @typedef {import('./wire.js').ExportPage} ExportPage */
/** @typedef {import('./wire.js').ErasureProgress} ErasureProgress */
/** @typedef {import('./privacy.js').ExportDocument} ExportDocument */
/** @typedef {import('./privacy.js').ExportOptions} ExportOptions */
/** @typedef {import('./privacy.js').EraseOptions} EraseOptions */

export class ChatHttp {
  /** @type {HttpApi} */
  #http;
  /** @type {DownloadUrls} */
  #downloads;
  /** @type {DataRules} */
  #dataRules;

  /**
   * @param {HttpApi} http
   * @param {number} maxAttempts how many times in all a request refused with `rate_limited` is made
   */
  constructor(http, maxAttempts) {
    this.#http = http;
    this.#downloads = new DownloadUrls(http, maxAttempts);
    this.#dataRules = new DataRules(http, maxAttempts);
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
  history(peerId, options = {}) {
    return pages((cursor) => this.#http.history(peerId, { ...options, cursor }), options);
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
  conversations(options = {}) {
    return pages((cursor) => this.#http.conversations({ ...options, cursor }), options);
  }

  /**
   * Uploads a file for a message (docs/attachments.md): checks it with `checkFile` (rejecting
   * with `FileTooLargeError`, `UnsupportedFileTypeError` or `ValidationError` before any
   * request), asks for the upload, puts the bytes straight to storage (`onProgress`; rejects
   * with `UploadFailedError` and storage's status when it refuses them). Resolves to the
   * attachment: send it with `send({ …, attachments: [it] })`.
   * @param {UploadInput} file
   * @param {UploadOptions} [options]
   * @returns {Promise<Attachment>}
   */
  upload(file, options = {}) {
    return uploadFile(this.#http, file, options);
  }

  /**
   * A download URL for an attachment of this client's conversations, valid for 5 minutes
   * (kept and given again until shortly before then; `fresh` asks anew):
   * `GET /chat/attachments/{me}/{attachment_id}`. `AttachmentNotFoundError`, `AttachmentGoneError`.
   * @param {string} attachmentId
   * @param {{ fresh?: boolean }} [options]
   * @returns {Promise<DownloadResponse>}
   */
  download(attachmentId, options = {}) {
    return this.#downloads.get(attachmentId, options);
  }

  /**
   * One page of a client's export (`GET /chat/export/{client_id}`): this client's own, or
   * any client's for an administrator (`ForbiddenError` otherwise). Pass the page's
   * `next_cursor` back as `cursor` until it is null; `exportAll` does that for you.
   * @param {string} clientId
   * @param {{ cursor?: string | null, signal?: AbortSignal }} [options]
   * @returns {Promise<ExportPage>}
   */
  exportClient(clientId, options = {}) {
    return this.#dataRules.exportPage(clientId, options);
  }

  /**
   * Every page of a client's export, merged into one document: the first page's records,
   * every page's messages and attachments (`onPage` sees each page as it comes).
   * @param {string} clientId
   * @param {ExportOptions} [options]
   * @returns {Promise<ExportDocument>}
   */
  exportAll(clientId, options = {}) {
    return this.#dataRules.exportAll(clientId, options);
  }

  /**
   * Erases a client's data, irreversibly (`POST /chat/erasure/{client_id}`, administrators
   * only, never of themselves: `ForbiddenError`): one bounded step per request until the
   * server says `done`; resolves with the final progress, `counts` for the whole erasure.
   * `onProgress` sees each step's.
   * @param {string} clientId
   * @param {EraseOptions} [options]
   * @returns {Promise<ErasureProgress>}
   */
  erase(clientId, options = {}) {
    return this.#dataRules.erase(clientId, options);
  }
}
