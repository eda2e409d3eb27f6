// The chat's client library: `ChatClient` and what comes with it. See README.md.
export { ChatClient } from './client.js';
export * from './errors.js';
export { memoryStorage, defaultStorage } from './storage.js';
export { tokenClaims, uuid, backoffDelay, ID_PATTERN } from './util.js';
export { isSystemMessage, SYSTEM_ID } from './messages.js';
export { FIELDS, ERROR_CODES, WS_ERROR_CODES, HTTP_ERROR_CODES } from './wire.js';
export {
  checkFile,
  contentTypeOf,
  isImage,
  ACCEPT,
  ATTACHMENT_ID_PATTERN,
  ATTACHMENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  MAX_FILE_NAME_CHARS,
} from './attachments.js';

/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./options.js').ChatEvents} ChatEvents */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./commands.js').OutgoingMessage} OutgoingMessage */
/** @typedef {import('./identity.js').TokenRequest} TokenRequest */
/** @typedef {import('./storage.js').KeyValueStorage} KeyValueStorage */
/** @typedef {import('./wire.js').MessageFrame} MessageFrame */
/** @typedef {import('./wire.js').AckFrame} AckFrame */
/** @typedef {import('./wire.js').ReadFrame} ReadFrame */
/** @typedef {import('./wire.js').TypingFrame} TypingFrame */
/** @typedef {import('./wire.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./wire.js').SyncFrame} SyncFrame */
/** @typedef {import('./wire.js').SendFrame} SendFrame */
/** @typedef {import('./wire.js').HistoryResponse} HistoryResponse */
/** @typedef {import('./wire.js').HistoryMessage} HistoryMessage */
/** @typedef {import('./wire.js').UnreadResponse} UnreadResponse */
/** @typedef {import('./wire.js').MarkReadResponse} MarkReadResponse */
/** @typedef {import('./wire.js').ErrorCode} ErrorCode */
/** @typedef {import('./commands.js').MessageRef} MessageRef */
/** @typedef {import('./messages.js').ChatMessage} ChatMessage */
/** @typedef {import('./messages.js').MessageState} MessageState */
/** @typedef {import('./messages.js').ReplyPreview} ReplyPreview */
/** @typedef {import('./messages.js').ChangeAckFrame} ChangeAckFrame */
/** @typedef {import('./messages.js').UpdateFrame} UpdateFrame */
/** @typedef {import('./http.js').Conversation} Conversation */
/** @typedef {import('./http.js').ConversationsResponse} ConversationsResponse */
/** @typedef {import('./wire.js').Attachment} Attachment */
/** @typedef {import('./wire.js').UploadResponse} UploadResponse */
/** @typedef {import('./wire.js').DownloadResponse} DownloadResponse */
/** @typedef {import('./attachments.js').FileProblem} FileProblem */
/** @typedef {import('./attachments.js').UploadInput} UploadInput */
/** @typedef {import('./attachments.js').UploadOptions} UploadOptions */
/** @typedef {import('./wire.js').ExportPage} ExportPage */
/** @typedef {import('./wire.js').ExportMessage} ExportMessage */
/** @typedef {import('./wire.js').ExportedFile} ExportedFile */
/** @typedef {import('./wire.js').ErasureProgress} ErasureProgress */
/** @typedef {import('./wire.js').ErasureCounts} ErasureCounts */
/** @typedef {import('./privacy.js').ExportDocument} ExportDocument */
/** @typedef {import('./privacy.js').ExportOptions} ExportOptions */
/** @typedef {import('./privacy.js').EraseOptions} EraseOptions */
