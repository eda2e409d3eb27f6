// Data rules (docs/data-rules.md): one client's export, a page at a time or every page merged
// into one document, and its erasure, one bounded step per request until the server says it
// is done. Who may do what is the server's to decide (a client exports itself, an
// administrator exports anyone and erases anyone but itself); its refusals arrive as the
// typed errors of errors.js. Both are safe to repeat, so a request refused for a passing
// reason (`rate_limited`, `internal`, API Gateway's 429/5xx, no network) is made again.

import { HttpError, ValidationError } from './errors.js';
import { backoffDelay, ID_PATTERN } from './util.js';

/** @typedef {import('./wire.js').ExportPage} ExportPage */
/** @typedef {import('./wire.js').ErasureProgress} ErasureProgress */
/** @typedef {import('./wire.js').ErasureCounts} ErasureCounts */
/** @typedef {import('./http.js').HttpApi} HttpApi */

/**
 * A whole export: the first page's records (`profile`, `connections`, `read_state`,
 * `uploads`, `exported_at`) and every page's `messages` and `attachments`, in order (sent
 * messages first, then received ones). Each attachment's `download_url` is valid for 5 minutes
 * from its page's `exported_at`.
 * @typedef {Omit<ExportPage, 'next_cursor'>} ExportDocument
 */

/**
 * @typedef {object} ExportOptions
 * @property {(page: ExportPage, info: { index: number }) => void} [onPage] each page as it
 *   comes (`index` 0 for the first)
 * @property {AbortSignal} [signal] stops before the next page (rejects with the signal's reason)
 */

/**
 * @typedef {object} EraseOptions
 * @property {(progress: ErasureProgress, info: { steps: number }) => void} [onProgress] after
 *   each step, with the counts so far (the last call has `done: true`)
 * @property {AbortSignal} [signal] stops before the next step (rejects with the signal's
 *   reason); the server keeps the progress, so `erase()` again carries on from there
 */

/** Server refusals worth making the same request again for. @param {unknown} err */
function passing(err) {
  const e = /** @type {{ code?: string, status?: number }} */ (err);
  if (e.code === 'rate_limited' || e.code === 'internal' || e.code === 'network') return true;
  return err instanceof HttpError && [429, 500, 502, 503, 504].includes(e.status ?? 0);
}

/** @param {number} ms @param {AbortSignal | undefined} signal */
function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', stop);
      resolve(undefined);
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** @param {string} clientId */
function checkId(clientId) {
  if (typeof clientId !== 'string' || !ID_PATTERN.test(clientId)) {
    throw new ValidationError('client_id must be 1 to 128 letters, digits or _ - . : @ |', { code: 'validation', source: 'http' });
  }
}

export class DataRules {
  /** @type {HttpApi} */
  #http;
  #maxAttempts;

  /** @param {HttpApi} http @param {number} maxAttempts tries of one request in all */
  constructor(http, maxAttempts) {
    this.#http = http;
    this.#maxAttempts = Math.max(1, maxAttempts);
  }

  /**
   * One request, made again after a passing refusal (a second after `rate_limited`, else
   * 0.5 s doubling), at most `maxAttempts` times in all.
   * @template T
   * @param {() => Promise<T>} request
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<T>}
   */
  async #retrying(request, signal) {
    for (let attempt = 1; ; attempt += 1) {
      signal?.throwIfAborted();
      try {
        return await request();
      } catch (err) {
        if (!passing(err) || attempt >= this.#maxAttempts) throw err;
        const limited = /** @type {{ code?: string }} */ (err).code === 'rate_limited';
        await pause(limited ? 1000 : backoffDelay(attempt - 1, { minMs: 500, maxMs: 5000 }), signal);
      }
    }
  }

  /**
   * One page of `clientId`'s export (`GET /chat/export/{client_id}`).
   * @param {string} clientId
   * @param {{ cursor?: string | null, signal?: AbortSignal }} [options]
   * @returns {Promise<ExportPage>}
   */
  async exportPage(clientId, options = {}) {
    checkId(clientId);
    return this.#retrying(() => this.#http.exportPage(clientId, options.cursor ?? null), options.signal);
  }

  /**
   * Every page of `clientId`'s export, merged.
   * @param {string} clientId
   * @param {ExportOptions} [options]
   * @returns {Promise<ExportDocument>}
   */
  async exportAll(clientId, options = {}) {
    const first = await this.exportPage(clientId, { signal: options.signal });
    options.onPage?.(first, { index: 0 });
    const { next_cursor: _, ...document } = first;
    document.messages = [...first.messages];
    document.attachments = [...first.attachments];
    let cursor = first.next_cursor;
    for (let index = 1; cursor; index += 1) {
      const page = await this.exportPage(clientId, { cursor, signal: options.signal });
      options.onPage?.(page, { index });
      document.messages.push(...page.messages);
      document.attachments.push(...page.attachments);
      // A page that points at itself would never end.
      if (page.next_cursor === cursor) throw new HttpError('the export repeated its cursor', { code: 'http_loop', source: 'http' });
      cursor = page.next_cursor;
    }
    return document;
  }

  /**
   * Erases `clientId`'s data (`POST /chat/erasure/{client_id}`), step after step until the
   * server answers `done`; resolves with the final progress (its `counts` are the whole
   * erasure's).
   * @param {string} clientId
   * @param {EraseOptions} [options]
   * @returns {Promise<ErasureProgress>}
   */
  async erase(clientId, options = {}) {
    checkId(clientId);
    for (let steps = 1; ; steps += 1) {
      const progress = await this.#retrying(() => this.#http.eraseStep(clientId), options.signal);
      if (!progress || typeof progress.done !== 'boolean' || !progress.counts) {
        throw new HttpError('the erasure answered without its progress', { code: 'http_body', source: 'http' });
      }
      options.onProgress?.(progress, { steps });
      if (progress.done) return progress;
    }
  }
}
