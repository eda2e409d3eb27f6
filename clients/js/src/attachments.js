// Attachments (docs/attachments.md): the rules a file must meet, checked here before anything
// is sent (`checkFile`, so that a UI can refuse a file at once); the upload (ask the HTTP API
// for a presigned URL, then PUT the bytes straight to storage with exactly its headers, with
// progress); and download URLs, kept until shortly before they expire so that showing a
// conversation again does not ask for them again.

import { UploadFailedError, ValidationError, errorFor } from './errors.js';
import { sleep } from './util.js';

/** @typedef {import('./wire.js').Attachment} Attachment */
/** @typedef {import('./wire.js').Attachment['content_type']} ContentType */
/** @typedef {import('./wire.js').UploadResponse} UploadResponse */
/** @typedef {import('./wire.js').DownloadResponse} DownloadResponse */
/** @typedef {import('./http.js').HttpApi} HttpApi */

/** The largest file: 10 MiB (10,485,760 bytes). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** The most attachments one message carries. */
export const MAX_ATTACHMENTS = 4;
/** The longest file name, in characters. */
export const MAX_FILE_NAME_CHARS = 255;
/** An attachment id: a ULID the server drew. */
export const ATTACHMENT_ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** The allowed content types and the file name extensions of each (lower case, no dot).
 * Never HTML, SVG, XML or scripts: those render as active content. */
export const ATTACHMENT_TYPES = Object.freeze({
  'image/jpeg': Object.freeze(['jpg', 'jpeg']),
  'image/png': Object.freeze(['png']),
  'image/gif': Object.freeze(['gif']),
  'image/webp': Object.freeze(['webp']),
  'application/pdf': Object.freeze(['pdf']),
  'text/plain': Object.freeze(['txt']),
});

const TYPES = /** @type {ContentType[]} */ (Object.keys(ATTACHMENT_TYPES));

/** For `<input type=file accept=…>`: every allowed extension and type. */
export const ACCEPT = [...TYPES.flatMap((t) => ATTACHMENT_TYPES[t].map((e) => `.${e}`)), ...TYPES].join(',');

/** How long before its expiry a download URL is asked for again. */
const URL_MARGIN_MS = 30_000;
/** How long a download URL is valid at most (the server's 5 minutes). */
const URL_TTL_MS = 5 * 60_000;
/** Download URLs kept at most. */
const URLS_KEPT = 500;

/**
 * What `checkFile` found wrong: the code the server would answer (so a UI shows the same
 * reasons before and after an upload) and a message naming the file.
 * @typedef {{ code: 'file_too_large' | 'unsupported_file_type' | 'validation', message: string }} FileProblem
 */

/**
 * What `upload()` takes: a `Blob` or `File` (a `Blob` has no name: give `name` in the options),
 * or the parts of one: `data` as a Blob, bytes or a string.
 * @typedef {Blob | { name: string, type?: string, size?: number, data: Blob | ArrayBuffer | ArrayBufferView | string }} UploadInput
 */

/**
 * @typedef {object} UploadOptions
 * @property {(progress: { loaded: number, total: number }) => void} [onProgress] bytes sent so
 *   far: at least once with 0 and once with `total`; in between as the browser reports it
 * @property {AbortSignal} [signal] aborts the upload (the promise rejects with the signal's reason)
 * @property {string} [name] the file name (for a `Blob`, or to rename a `File`)
 * @property {string} [type] the content type (default: the file's, else its extension's)
 */

/** Whether a content type is one of the images (shown inline; anything else is a download).
 * @param {string} contentType */
export function isImage(contentType) {
  return /^image\/(jpeg|png|gif|webp)$/.test(String(contentType).split(';')[0].trim().toLowerCase());
}

/** @param {string} name */
function extensionOf(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * The allowed content type a file is uploaded as, or null: its `type` (case and parameters
 * such as `; charset=utf-8` ignored, as the server does); when `type` is empty (what browsers
 * give for an extension they do not know), the type of its name's extension.
 * @param {{ name?: string, type?: string }} file
 * @returns {ContentType | null}
 */
export function contentTypeOf(file) {
  const essence = String(file.type ?? '').split(';')[0].trim().toLowerCase();
  if (essence) return TYPES.find((t) => t === essence) ?? null;
  const ext = extensionOf(String(file.name ?? ''));
  return TYPES.find((t) => ATTACHMENT_TYPES[t].includes(ext)) ?? null;
}

/**
 * The rules of docs/attachments.md, in the server's order: the type, then the size, then the
 * name. Null when the file may be uploaded.
 * @param {{ name?: string, type?: string, size?: number }} file
 * @returns {FileProblem | null}
 */
export function checkFile(file) {
  const name = String(file.name ?? '');
  const shown = name ? `"${name}"` : 'The file';
  const type = contentTypeOf(file);
  if (!type) {
    return { code: 'unsupported_file_type', message: `${shown} is not an allowed type (JPEG, PNG, GIF, WebP, PDF or plain text)` };
  }
  const size = file.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    return { code: 'validation', message: `${shown}: its size is not a number of bytes` };
  }
  if (size === 0) return { code: 'validation', message: `${shown} is empty` };
  if (size > MAX_ATTACHMENT_BYTES) return { code: 'file_too_large', message: `${shown} is over the 10 MB limit` };
  const chars = [...name].length;
  if (chars < 1 || chars > MAX_FILE_NAME_CHARS) {
    return { code: 'validation', message: `${shown}: a file name is 1 to ${MAX_FILE_NAME_CHARS} characters` };
  }
  if (/[\u0000-\u001F\u007F-\u009F/\\]/.test(name) || name.trim() !== name || name === '.' || name === '..') {
    return { code: 'validation', message: `${shown}: a file name has no path, control characters or spaces at either end` };
  }
  const extensions = ATTACHMENT_TYPES[type];
  if (!extensions.includes(extensionOf(name))) {
    return { code: 'validation', message: `${shown}: a file of type ${type} is named ${extensions.map((e) => `.${e}`).join(' or ')}` };
  }
  return null;
}

/**
 * The file's name, declared type, size and bytes.
 * @param {UploadInput} file
 * @param {UploadOptions} options
 * @returns {{ name: string, type: string, size: number, body: Blob }}
 */
function describe(file, options) {
  if (typeof Blob === 'function' && file instanceof Blob) {
    const named = /** @type {Blob & { name?: unknown }} */ (file);
    const name = options.name ?? (typeof named.name === 'string' ? named.name : '');
    return { name, type: options.type ?? file.type, size: file.size, body: file };
  }
  if (!file || typeof file !== 'object' || !('data' in file)) {
    throw new ValidationError('upload() takes a Blob, a File or { name, type, data }', { code: 'validation', source: 'upload' });
  }
  const data = file.data;
  const body = data instanceof Blob ? data : new Blob([/** @type {BlobPart} */ (data)]);
  if (file.size !== undefined && file.size !== body.size) {
    throw new ValidationError(`"${file.name}": size ${file.size} is not the size of its data (${body.size} bytes)`, {
      code: 'validation',
      source: 'upload',
    });
  }
  return { name: options.name ?? file.name, type: options.type ?? file.type ?? body.type, size: body.size, body };
}

/**
 * Checks a file, asks for its upload, puts its bytes to storage; resolves to the attachment
 * as messages carry it (its `attachment_id` goes in a send's `attachments`).
 * @param {HttpApi} http
 * @param {UploadInput} file
 * @param {UploadOptions} [options]
 * @returns {Promise<Attachment>}
 */
export async function uploadFile(http, file, options = {}) {
  const { signal } = options;
  const f = describe(file, options);
  const problem = checkFile(f);
  if (problem) throw errorFor(problem.code, problem.message, { source: 'upload' });
  const contentType = /** @type {ContentType} */ (contentTypeOf(f));
  signal?.throwIfAborted();
  const grant = await http.requestUpload({ fileName: f.name, contentType, size: f.size });
  signal?.throwIfAborted();
  await putBytes(grant, f.body, { onProgress: options.onProgress, signal, fetch: http.fetch });
  return { attachment_id: grant.attachment_id, file_name: f.name, content_type: contentType, size: f.size };
}

/**
 * `PUT upload_url` with exactly `upload_headers`: through XMLHttpRequest where there is one
 * (browsers: it reports the upload's progress), else fetch. Rejects with `UploadFailedError`
 * when storage refuses it (its status) or cannot be reached.
 * @param {UploadResponse} grant
 * @param {Blob} body
 * @param {{ onProgress?: UploadOptions['onProgress'], signal?: AbortSignal, fetch: typeof fetch }} options
 * @returns {Promise<void>}
 */
export function putBytes(grant, body, options) {
  const total = body.size;
  /** @param {number} loaded */
  const progress = (loaded) => {
    if (!options.onProgress) return;
    try {
      options.onProgress({ loaded: Math.min(loaded, total), total });
    } catch (err) {
      console.error('ChatClient: an onProgress callback threw', err);
    }
  };
  const Xhr = globalThis.XMLHttpRequest;
  if (typeof Xhr === 'function') return putWithXhr(Xhr, grant, body, progress, options.signal);
  return putWithFetch(options.fetch, grant, body, progress, options.signal);
}

/**
 * @param {typeof XMLHttpRequest} Xhr
 * @param {UploadResponse} grant
 * @param {Blob} body
 * @param {(loaded: number) => void} progress
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<void>}
 */
function putWithXhr(Xhr, grant, body, progress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new Xhr();
    xhr.open(grant.upload_method || 'PUT', grant.upload_url);
    for (const [name, value] of Object.entries(grant.upload_headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => progress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress(body.size);
        resolve();
      } else reject(refused(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(unreachable());
    xhr.onabort = () => reject(signal?.reason ?? new DOMException('The upload was aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    progress(0);
    xhr.send(body);
  });
}

/**
 * @param {typeof fetch} fetchImpl
 * @param {UploadResponse} grant
 * @param {Blob} body
 * @param {(loaded: number) => void} progress
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<void>}
 */
async function putWithFetch(fetchImpl, grant, body, progress, signal) {
  progress(0);
  let response;
  try {
    response = await fetchImpl(grant.upload_url, {
      method: grant.upload_method || 'PUT',
      headers: grant.upload_headers,
      body,
      signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw unreachable(cause);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw refused(response.status, text);
  }
  progress(body.size);
}

/** Storage's refusal: its status, and its error code when the body has one (S3's XML).
 * @param {number} status @param {string} text */
function refused(status, text) {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(String(text || ''))?.[1];
  return new UploadFailedError(`storage refused the upload: ${status}${code ? ` ${code}` : ''}`, {
    code: 'upload_failed',
    status,
    source: 'upload',
  });
}

/** @param {unknown} [cause] */
function unreachable(cause) {
  const detail = cause === undefined ? '' : `: ${String(cause)}`;
  return new UploadFailedError(`the upload did not reach storage${detail}`, { code: 'upload_failed', source: 'upload', cause });
}

/**
 * Download URLs by attachment id, each asked for once and kept until 30 s before it expires
 * (a conversation shown again, or the same image in two places, asks for nothing). A refusal
 * with `rate_limited` is tried again after a second, up to `maxAttempts` times in all.
 */
export class DownloadUrls {
  /** @type {HttpApi} */
  #http;
  #maxAttempts;
  /** @type {Map<string, { promise: Promise<DownloadResponse>, until: number }>} */
  #urls = new Map();

  /** @param {HttpApi} http @param {number} maxAttempts */
  constructor(http, maxAttempts) {
    this.#http = http;
    this.#maxAttempts = Math.max(1, maxAttempts);
  }

  /**
   * @param {string} attachmentId
   * @param {{ fresh?: boolean }} [options] `fresh`: ask again even if one is kept (e.g. after
   *   an image failed to load)
   * @returns {Promise<DownloadResponse>}
   */
  get(attachmentId, options = {}) {
    const kept = this.#urls.get(attachmentId);
    if (kept && !options.fresh && kept.until - Date.now() > URL_MARGIN_MS) return kept.promise;
    const entry = { promise: this.#ask(attachmentId), until: Infinity };
    this.#urls.delete(attachmentId);
    this.#urls.set(attachmentId, entry);
    const asked = Date.now();
    entry.promise.then(
      (answer) => {
        const expires = Date.parse(answer.expires_at);
        // The server's clock may differ from this one: never longer than the URL's 5 minutes.
        entry.until = Math.min(Number.isNaN(expires) ? asked : expires, asked + URL_TTL_MS);
      },
      () => {
        if (this.#urls.get(attachmentId) === entry) this.#urls.delete(attachmentId);
      },
    );
    while (this.#urls.size > URLS_KEPT) this.#urls.delete(/** @type {string} */ (this.#urls.keys().next().value));
    return entry.promise;
  }

  /** @param {string} attachmentId */
  async #ask(attachmentId) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#http.attachmentUrl(attachmentId);
      } catch (err) {
        const limited = err instanceof Error && /** @type {{ code?: string }} */ (err).code === 'rate_limited';
        if (!limited || attempt >= this.#maxAttempts) throw err;
        await sleep(1000);
      }
    }
  }
}
