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
export function isImage(contentType: string): boolean;
/**
 * The allowed content type a file is uploaded as, or null: its `type` (case and parameters
 * such as `; charset=utf-8` ignored, as the server does); when `type` is empty (what browsers
 * give for an extension they do not know), the type of its name's extension.
 * @param {{ name?: string, type?: string }} file
 * @returns {ContentType | null}
 */
export function contentTypeOf(file: {
    name?: string;
    type?: string;
}): ContentType | null;
/**
 * The rules of docs/attachments.md, in the server's order: the type, then the size, then the
 * name. Null when the file may be uploaded.
 * @param {{ name?: string, type?: string, size?: number }} file
 * @returns {FileProblem | null}
 */
export function checkFile(file: {
    name?: string;
    type?: string;
    size?: number;
}): FileProblem | null;
/**
 * Checks a file, asks for its upload, puts its bytes to storage; resolves to the attachment
 * as messages carry it (its `attachment_id` goes in a send's `attachments`).
 * @param {HttpApi} http
 * @param {UploadInput} file
 * @param {UploadOptions} [options]
 * @returns {Promise<Attachment>}
 */
export function uploadFile(http: HttpApi, file: UploadInput, options?: UploadOptions): Promise<Attachment>;
/**
 * `PUT upload_url` with exactly `upload_headers`: through XMLHttpRequest where there is one
 * (browsers: it reports the upload's progress), else fetch. Rejects with `UploadFailedError`
 * when storage refuses it (its status) or cannot be reached.
 * @param {UploadResponse} grant
 * @param {Blob} body
 * @param {{ onProgress?: UploadOptions['onProgress'], signal?: AbortSignal, fetch: typeof fetch }} options
 * @returns {Promise<void>}
 */
export function putBytes(grant: UploadResponse, body: Blob, options: {
    onProgress?: UploadOptions["onProgress"];
    signal?: AbortSignal;
    fetch: typeof fetch;
}): Promise<void>;
/** @typedef {import('./wire.js').Attachment} Attachment */
/** @typedef {import('./wire.js').Attachment['content_type']} ContentType */
/** @typedef {import('./wire.js').UploadResponse} UploadResponse */
/** @typedef {import('./wire.js').DownloadResponse} DownloadResponse */
/** @typedef {import('./http.js').HttpApi} HttpApi */
/** The largest file: 10 MiB (10,485,760 bytes). */
export const MAX_ATTACHMENT_BYTES: number;
/** The most attachments one message carries. */
export const MAX_ATTACHMENTS: 4;
/** The longest file name, in characters. */
export const MAX_FILE_NAME_CHARS: 255;
/** An attachment id: a ULID the server drew. */
export const ATTACHMENT_ID_PATTERN: RegExp;
/** The allowed content types and the file name extensions of each (lower case, no dot).
 * Never HTML, SVG, XML or scripts: those render as active content. */
export const ATTACHMENT_TYPES: Readonly<{
    'image/jpeg': readonly string[];
    'image/png': readonly string[];
    'image/gif': readonly string[];
    'image/webp': readonly string[];
    'application/pdf': readonly string[];
    'text/plain': readonly string[];
}>;
/** For `<input type=file accept=…>`: every allowed extension and type. */
export const ACCEPT: string;
/**
 * Download URLs by attachment id, each asked for once and kept until 30 s before it expires
 * (a conversation shown again, or the same image in two places, asks for nothing). A refusal
 * with `rate_limited` is tried again after a second, up to `maxAttempts` times in all.
 */
export class DownloadUrls {
    /** @param {HttpApi} http @param {number} maxAttempts */
    constructor(http: HttpApi, maxAttempts: number);
    /**
     * @param {string} attachmentId
     * @param {{ fresh?: boolean }} [options] `fresh`: ask again even if one is kept (e.g. after
     *   an image failed to load)
     * @returns {Promise<DownloadResponse>}
     */
    get(attachmentId: string, options?: {
        fresh?: boolean;
    }): Promise<DownloadResponse>;
    #private;
}
/**
 * What `checkFile` found wrong: the code the server would answer (so a UI shows the same
 * reasons before and after an upload) and a message naming the file.
 */
export type FileProblem = {
    code: "file_too_large" | "unsupported_file_type" | "validation";
    message: string;
};
/**
 * What `upload()` takes: a `Blob` or `File` (a `Blob` has no name: give `name` in the options),
 * or the parts of one: `data` as a Blob, bytes or a string.
 */
export type UploadInput = Blob | {
    name: string;
    type?: string;
    size?: number;
    data: Blob | ArrayBuffer | ArrayBufferView | string;
};
export type UploadOptions = {
    /**
     * bytes sent so
     * far: at least once with 0 and once with `total`; in between as the browser reports it
     */
    onProgress?: ((progress: {
        loaded: number;
        total: number;
    }) => void) | undefined;
    /**
     * aborts the upload (the promise rejects with the signal's reason)
     */
    signal?: AbortSignal | undefined;
    /**
     * the file name (for a `Blob`, or to rename a `File`)
     */
    name?: string | undefined;
    /**
     * the content type (default: the file's, else its extension's)
     */
    type?: string | undefined;
};
export type Attachment = import("./wire.js").Attachment;
export type ContentType = import("./wire.js").Attachment["content_type"];
export type UploadResponse = import("./wire.js").UploadResponse;
export type DownloadResponse = import("./wire.js").DownloadResponse;
export type HttpApi = import("./http.js").HttpApi;
