/**
 * The typed error for a server code (a `ChatError` for a code this version does not know).
 * @param {string} code
 * @param {string} message
 * @param {{ status?: number, source?: ErrorSource }} [details]
 * @returns {ChatError}
 */
export function errorFor(code: string, message: string, details?: {
    status?: number;
    source?: ErrorSource;
}): ChatError;
/** @typedef {import('./wire.js').ErrorCode} ErrorCode */
/** What the library did when a server error arrived, for error events. */
/** @typedef {'send' | 'change' | 'sync' | 'typing' | 'request' | 'http' | 'connection' | 'upload'} ErrorSource */
/** The base class: `code` is the server's stable code, or one of the library's own. */
export class ChatError extends Error {
    /**
     * @param {string} message
     * @param {{ code?: string, status?: number, source?: ErrorSource, cause?: unknown }} [details]
     */
    constructor(message: string, details?: {
        code?: string;
        status?: number;
        source?: ErrorSource;
        cause?: unknown;
    });
    /** The stable code (`forbidden`, `rate_limited`, …) or the library's (`timeout`, `closed`, `http_503`). */
    code: string;
    /** The HTTP status, for HTTP API errors. */
    status: number | undefined;
    /** What the error answered: a send, a change (edit, delete, react), a sync, a typing frame, a raw request, an HTTP call, an upload. */
    source: ErrorSource | undefined;
}
/** The frame or body is not a JSON object. */
export class InvalidJsonError extends ChatError {
}
/** `action` is not one the server knows. */
export class UnknownActionError extends ChatError {
}
/** A field is missing, of the wrong type or breaks its rule (the message names it). */
export class ValidationError extends ChatError {
}
/** No verified identity (a missing, expired or forged token). */
export class UnauthorizedError extends ChatError {
}
/** The caller may not do this (a user writing to a client that is not an administrator; editing
 * another's message or after 24 h; a user deleting an administrator's message). */
export class ForbiddenError extends ChatError {
}
/** A `client_msg_id` reused for a different message; a change of a deleted message; a 21st emoji. */
export class ConflictError extends ChatError {
}
/** The sender's message budget is spent. */
export class RateLimitedError extends ChatError {
}
/** A store failure on the server; trying again is safe. */
export class InternalError extends ChatError {
}
/** A request line the HTTP API cannot carry. */
export class InvalidRequestError extends ChatError {
}
/** Never exchanged a message (mark read), no such message in your conversations (edit, delete,
 * react, reply), or not a route. */
export class NotFoundError extends ChatError {
}
/** A method the HTTP route does not have. */
export class MethodNotAllowedError extends ChatError {
}
/** The upload names no upload of the sender's that can still be attached (or a download asks
 * for one that is not in the caller's conversations). */
export class AttachmentNotFoundError extends ChatError {
}
/** The upload is already attached to a message. */
export class AttachmentInUseError extends ChatError {
}
/** What storage holds is not what was declared (size, type or content). */
export class AttachmentMismatchError extends ChatError {
}
/** The attachment's message was deleted. */
export class AttachmentGoneError extends ChatError {
}
/** No attachment storage is configured. */
export class AttachmentsUnavailableError extends ChatError {
}
/** The file is over the 10 MiB limit. */
export class FileTooLargeError extends ChatError {
}
/** The file's type is not allowed (JPEG, PNG, GIF, WebP, PDF or plain text). */
export class UnsupportedFileTypeError extends ChatError {
}
/** No answer within the request timeout (the connection is then replaced). */
export class TimeoutError extends ChatError {
}
/** The client was closed before the request was answered. */
export class ClosedError extends ChatError {
}
/** An HTTP failure without a stable code (API Gateway's own answers: 429, 500, 503). */
export class HttpError extends ChatError {
}
/** Storage refused an upload's `PUT` (`status` is its answer, e.g. 403 `SignatureDoesNotMatch`
 * for a body of another size or type, or an expired URL), or the `PUT` did not reach it
 * (`status` undefined). Code `upload_failed`. */
export class UploadFailedError extends ChatError {
}
/** The class of each code (for callers that map codes themselves). */
export const ERROR_CLASSES: Readonly<Record<import("./wire.js").ErrorCode, typeof ChatError>>;
export type ErrorCode = import("./wire.js").ErrorCode;
export type ErrorSource = "send" | "change" | "sync" | "typing" | "request" | "http" | "connection" | "upload";
