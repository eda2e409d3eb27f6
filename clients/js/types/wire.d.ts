/** The WebSocket error codes (asyncapi `ErrorCode`). @typedef {'invalid_json' | 'unknown_action' | 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'attachment_not_found' | 'attachment_in_use' | 'attachment_mismatch' | 'rate_limited' | 'internal'} WsErrorCode */
/** The HTTP error codes (openapi `ErrorCode`). @typedef {'invalid_json' | 'invalid_request' | 'unknown_action' | 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed' | 'conflict' | 'file_too_large' | 'unsupported_file_type' | 'attachment_not_found' | 'attachment_gone' | 'attachments_unavailable' | 'rate_limited' | 'internal'} HttpErrorCode */
/** Every stable error code of either API. @typedef {WsErrorCode | HttpErrorCode} ErrorCode */
/**
 * A send frame (client → server).
 * @typedef {object} SendFrame
 * @property {'sendmessage' | 'message' | null} [action]
 * @property {string} receiver_id
 * @property {string} appointment_id
 * @property {string} service_id
 * @property {string | string | null} [message_text]
 * @property {Array<string> | null} [attachments]
 * @property {string | null} [client_msg_id]
 * @property {string | null} [reply_to]
 */
/**
 * A catch-up request (client → server).
 * @typedef {object} SyncRequestFrame
 * @property {'sync'} action
 * @property {string | '' | null} [since]
 * @property {string | null} [peer_id]
 */
/**
 * A typing frame (client → server).
 * @typedef {object} TypingRequestFrame
 * @property {'typing'} action
 * @property {string} receiver_id
 */
/**
 * A message, live or in a sync page (server → client).
 * @typedef {object} MessageFrame
 * @property {'message'} type
 * @property {string} message_id
 * @property {'chat' | 'system'} kind
 * @property {string} sender_id
 * @property {string} receiver_id
 * @property {string} appointment_id
 * @property {string} service_id
 * @property {string | ''} message_text
 * @property {string} timestamp
 * @property {number} version
 * @property {string} [edited_at]
 * @property {boolean} deleted
 * @property {string} [deleted_by]
 * @property {Record<string, Array<string>>} reactions
 * @property {string} [reply_to]
 * @property {object} [reply_preview]
 * @property {Array<Attachment>} [attachments]
 */
/**
 * The ack of a stored send (server → sender).
 * @typedef {object} AckFrame
 * @property {'ack'} type
 * @property {string} message_id
 * @property {string} [client_msg_id]
 * @property {string} timestamp
 * @property {Array<Attachment>} [attachments]
 */
/**
 * One page of catch-up (server → client).
 * @typedef {object} SyncFrame
 * @property {'sync'} type
 * @property {Array<MessageFrame>} messages
 * @property {boolean} has_more
 * @property {string} next_since
 */
/**
 * A peer is typing (server → client).
 * @typedef {object} TypingFrame
 * @property {'typing'} type
 * @property {string} sender_id
 */
/**
 * A read receipt (server → sender).
 * @typedef {object} ReadFrame
 * @property {'read'} type
 * @property {string} reader_id
 * @property {string} up_to
 * @property {string} read_at
 */
/**
 * A refused frame (server → client).
 * @typedef {object} ErrorFrame
 * @property {'error'} type
 * @property {WsErrorCode} code
 * @property {string} message
 */
/**
 * A file a message carries (docs/attachments.md).
 * @typedef {object} Attachment
 * @property {string} attachment_id
 * @property {string} file_name
 * @property {'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain'} content_type
 * @property {number} size
 */
/**
 * The body of PUT /chat/read/{reader_id}.
 * @typedef {object} MarkReadRequest
 * @property {string} sender_id
 */
/**
 * The answer of PUT /chat/read/{reader_id}.
 * @typedef {object} MarkReadResponse
 * @property {'Messages marked as read successfully'} message
 * @property {number} updated_count
 */
/**
 * A message in a history page.
 * @typedef {object} HistoryMessage
 * @property {string} message_id
 * @property {'chat' | 'system'} kind
 * @property {string} sender_id
 * @property {string} receiver_id
 * @property {string} appointment_id
 * @property {string} service_id
 * @property {string | ''} message_text
 * @property {string} timestamp
 * @property {number} version
 * @property {string} [edited_at]
 * @property {boolean} deleted
 * @property {string} [deleted_by]
 * @property {Record<string, Array<string>>} reactions
 * @property {string} [reply_to]
 * @property {object} [reply_preview]
 * @property {Array<Attachment>} [attachments]
 * @property {boolean} read
 */
/**
 * A page of GET /chat/history/{client_id}/{peer_id}.
 * @typedef {object} HistoryResponse
 * @property {Array<HistoryMessage>} messages
 * @property {string | null} next_cursor
 */
/**
 * The answer of GET /chat/unread/{reader_id}.
 * @typedef {object} UnreadResponse
 * @property {number} total
 * @property {Record<string, number>} by_sender
 */
/**
 * The body of POST /chat/attachments/{client_id}.
 * @typedef {object} UploadRequest
 * @property {string} file_name
 * @property {'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain'} content_type
 * @property {number} size
 */
/**
 * The answer of POST /chat/attachments/{client_id}: where to PUT the bytes.
 * @typedef {object} UploadResponse
 * @property {string} attachment_id
 * @property {string} upload_url
 * @property {'PUT'} upload_method
 * @property {Record<string, string>} upload_headers
 * @property {string} expires_at
 */
/**
 * The answer of GET /chat/attachments/{client_id}/{attachment_id}.
 * @typedef {object} DownloadResponse
 * @property {string} attachment_id
 * @property {string} file_name
 * @property {'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain'} content_type
 * @property {number} size
 * @property {'inline' | 'attachment'} disposition
 * @property {string} url
 * @property {string} expires_at
 */
/**
 * A message in an export page (a history message without `read`).
 * @typedef {object} ExportMessage
 * @property {string} message_id
 * @property {'chat' | 'system'} kind
 * @property {string} sender_id
 * @property {string} receiver_id
 * @property {string} appointment_id
 * @property {string} service_id
 * @property {string | ''} message_text
 * @property {string} timestamp
 * @property {number} version
 * @property {string} [edited_at]
 * @property {boolean} deleted
 * @property {string} [deleted_by]
 * @property {Record<string, Array<string>>} reactions
 * @property {string} [reply_to]
 * @property {object} [reply_preview]
 * @property {Array<Attachment>} [attachments]
 */
/**
 * What an export holds of the client itself.
 * @typedef {object} ExportProfile
 * @property {'user' | 'admin'} role
 */
/**
 * A connection in an export page.
 * @typedef {object} ExportConnection
 * @property {string} connection_id
 * @property {string} connected_at
 */
/**
 * One of the client's own inbox entries, in an export page.
 * @typedef {object} ExportReadState
 * @property {string} peer_id
 * @property {number} unread
 * @property {string | null} last_message_id
 * @property {string | null} read_up_to
 * @property {string | null} read_at
 */
/**
 * An upload no message carries, in an export page.
 * @typedef {object} ExportUpload
 * @property {string} attachment_id
 * @property {string} file_name
 * @property {'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain'} content_type
 * @property {number} size
 * @property {'pending' | 'attached'} state
 * @property {string | null} message_id
 * @property {string} uploaded_at
 */
/**
 * A file of an export page's messages, with a download URL.
 * @typedef {object} ExportedFile
 * @property {string} message_id
 * @property {string} attachment_id
 * @property {string} file_name
 * @property {'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | 'application/pdf' | 'text/plain'} content_type
 * @property {number} size
 * @property {string} download_url
 * @property {string} url_expires_at
 */
/**
 * A page of GET /chat/export/{client_id}.
 * @typedef {object} ExportPage
 * @property {'chat-export/1'} format
 * @property {string} client_id
 * @property {string} exported_at
 * @property {ExportProfile | null} profile
 * @property {Array<ExportConnection>} connections
 * @property {Array<ExportReadState>} read_state
 * @property {Array<ExportUpload>} uploads
 * @property {Array<ExportMessage>} messages
 * @property {Array<ExportedFile>} attachments
 * @property {string | null} next_cursor
 */
/**
 * What an erasure did, added up over its calls.
 * @typedef {object} ErasureCounts
 * @property {number} messages
 * @property {number} attachments
 * @property {number} connections
 * @property {number} read_state
 * @property {number} peer_entries
 * @property {number} claims
 * @property {number} rate_limits
 * @property {number} profile
 */
/**
 * The answer of POST /chat/erasure/{client_id} (202 while not done, 200 when done).
 * @typedef {object} ErasureProgress
 * @property {string} client_id
 * @property {boolean} done
 * @property {ErasureCounts} counts
 */
/**
 * An HTTP error body.
 * @typedef {object} HttpErrorBody
 * @property {HttpErrorCode} code
 * @property {string} message
 */
/** Required and optional fields of each frame and body, as the documents have them. */
export const FIELDS: Readonly<{
    SendFrame: {
        required: string[];
        optional: string[];
    };
    SyncRequestFrame: {
        required: string[];
        optional: string[];
    };
    TypingRequestFrame: {
        required: string[];
        optional: never[];
    };
    MessageFrame: {
        required: string[];
        optional: string[];
    };
    AckFrame: {
        required: string[];
        optional: string[];
    };
    SyncFrame: {
        required: string[];
        optional: never[];
    };
    TypingFrame: {
        required: string[];
        optional: never[];
    };
    ReadFrame: {
        required: string[];
        optional: never[];
    };
    ErrorFrame: {
        required: string[];
        optional: never[];
    };
    Attachment: {
        required: string[];
        optional: never[];
    };
    MarkReadRequest: {
        required: string[];
        optional: never[];
    };
    MarkReadResponse: {
        required: string[];
        optional: never[];
    };
    HistoryMessage: {
        required: string[];
        optional: string[];
    };
    HistoryResponse: {
        required: string[];
        optional: never[];
    };
    UnreadResponse: {
        required: string[];
        optional: never[];
    };
    UploadRequest: {
        required: string[];
        optional: never[];
    };
    UploadResponse: {
        required: string[];
        optional: never[];
    };
    DownloadResponse: {
        required: string[];
        optional: never[];
    };
    ExportMessage: {
        required: string[];
        optional: string[];
    };
    ExportProfile: {
        required: string[];
        optional: never[];
    };
    ExportConnection: {
        required: string[];
        optional: never[];
    };
    ExportReadState: {
        required: string[];
        optional: never[];
    };
    ExportUpload: {
        required: string[];
        optional: never[];
    };
    ExportedFile: {
        required: string[];
        optional: never[];
    };
    ExportPage: {
        required: string[];
        optional: never[];
    };
    ErasureCounts: {
        required: string[];
        optional: never[];
    };
    ErasureProgress: {
        required: string[];
        optional: never[];
    };
    HttpErrorBody: {
        required: string[];
        optional: never[];
    };
}>;
/** @type {readonly WsErrorCode[]} */
export const WS_ERROR_CODES: readonly WsErrorCode[];
/** @type {readonly HttpErrorCode[]} */
export const HTTP_ERROR_CODES: readonly HttpErrorCode[];
/** @type {readonly ErrorCode[]} */
export const ERROR_CODES: readonly ErrorCode[];
/**
 * The WebSocket error codes (asyncapi `ErrorCode`).
 */
export type WsErrorCode = "invalid_json" | "unknown_action" | "validation" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "attachment_not_found" | "attachment_in_use" | "attachment_mismatch" | "rate_limited" | "internal";
/**
 * The HTTP error codes (openapi `ErrorCode`).
 */
export type HttpErrorCode = "invalid_json" | "invalid_request" | "unknown_action" | "validation" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "file_too_large" | "unsupported_file_type" | "attachment_not_found" | "attachment_gone" | "attachments_unavailable" | "rate_limited" | "internal";
/**
 * Every stable error code of either API.
 */
export type ErrorCode = WsErrorCode | HttpErrorCode;
/**
 * A send frame (client → server).
 */
export type SendFrame = {
    action?: "sendmessage" | "message" | null | undefined;
    receiver_id: string;
    appointment_id: string;
    service_id: string;
    message_text?: string | null | undefined;
    attachments?: string[] | null | undefined;
    client_msg_id?: string | null | undefined;
    reply_to?: string | null | undefined;
};
/**
 * A catch-up request (client → server).
 */
export type SyncRequestFrame = {
    action: "sync";
    since?: string | null | undefined;
    peer_id?: string | null | undefined;
};
/**
 * A typing frame (client → server).
 */
export type TypingRequestFrame = {
    action: "typing";
    receiver_id: string;
};
/**
 * A message, live or in a sync page (server → client).
 */
export type MessageFrame = {
    type: "message";
    message_id: string;
    kind: "chat" | "system";
    sender_id: string;
    receiver_id: string;
    appointment_id: string;
    service_id: string;
    message_text: string | "";
    timestamp: string;
    version: number;
    edited_at?: string | undefined;
    deleted: boolean;
    deleted_by?: string | undefined;
    reactions: Record<string, Array<string>>;
    reply_to?: string | undefined;
    reply_preview?: object | undefined;
    attachments?: Attachment[] | undefined;
};
/**
 * The ack of a stored send (server → sender).
 */
export type AckFrame = {
    type: "ack";
    message_id: string;
    client_msg_id?: string | undefined;
    timestamp: string;
    attachments?: Attachment[] | undefined;
};
/**
 * One page of catch-up (server → client).
 */
export type SyncFrame = {
    type: "sync";
    messages: Array<MessageFrame>;
    has_more: boolean;
    next_since: string;
};
/**
 * A peer is typing (server → client).
 */
export type TypingFrame = {
    type: "typing";
    sender_id: string;
};
/**
 * A read receipt (server → sender).
 */
export type ReadFrame = {
    type: "read";
    reader_id: string;
    up_to: string;
    read_at: string;
};
/**
 * A refused frame (server → client).
 */
export type ErrorFrame = {
    type: "error";
    code: WsErrorCode;
    message: string;
};
/**
 * A file a message carries (docs/attachments.md).
 */
export type Attachment = {
    attachment_id: string;
    file_name: string;
    content_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "application/pdf" | "text/plain";
    size: number;
};
/**
 * The body of PUT /chat/read/{reader_id}.
 */
export type MarkReadRequest = {
    sender_id: string;
};
/**
 * The answer of PUT /chat/read/{reader_id}.
 */
export type MarkReadResponse = {
    message: "Messages marked as read successfully";
    updated_count: number;
};
/**
 * A message in a history page.
 */
export type HistoryMessage = {
    message_id: string;
    kind: "chat" | "system";
    sender_id: string;
    receiver_id: string;
    appointment_id: string;
    service_id: string;
    message_text: string | "";
    timestamp: string;
    version: number;
    edited_at?: string | undefined;
    deleted: boolean;
    deleted_by?: string | undefined;
    reactions: Record<string, Array<string>>;
    reply_to?: string | undefined;
    reply_preview?: object | undefined;
    attachments?: Attachment[] | undefined;
    read: boolean;
};
/**
 * A page of GET /chat/history/{client_id}/{peer_id}.
 */
export type HistoryResponse = {
    messages: Array<HistoryMessage>;
    next_cursor: string | null;
};
/**
 * The answer of GET /chat/unread/{reader_id}.
 */
export type UnreadResponse = {
    total: number;
    by_sender: Record<string, number>;
};
/**
 * The body of POST /chat/attachments/{client_id}.
 */
export type UploadRequest = {
    file_name: string;
    content_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "application/pdf" | "text/plain";
    size: number;
};
/**
 * The answer of POST /chat/attachments/{client_id}: where to PUT the bytes.
 */
export type UploadResponse = {
    attachment_id: string;
    upload_url: string;
    upload_method: "PUT";
    upload_headers: Record<string, string>;
    expires_at: string;
};
/**
 * The answer of GET /chat/attachments/{client_id}/{attachment_id}.
 */
export type DownloadResponse = {
    attachment_id: string;
    file_name: string;
    content_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "application/pdf" | "text/plain";
    size: number;
    disposition: "inline" | "attachment";
    url: string;
    expires_at: string;
};
/**
 * A message in an export page (a history message without `read`).
 */
export type ExportMessage = {
    message_id: string;
    kind: "chat" | "system";
    sender_id: string;
    receiver_id: string;
    appointment_id: string;
    service_id: string;
    message_text: string | "";
    timestamp: string;
    version: number;
    edited_at?: string | undefined;
    deleted: boolean;
    deleted_by?: string | undefined;
    reactions: Record<string, Array<string>>;
    reply_to?: string | undefined;
    reply_preview?: object | undefined;
    attachments?: Attachment[] | undefined;
};
/**
 * What an export holds of the client itself.
 */
export type ExportProfile = {
    role: "user" | "admin";
};
/**
 * A connection in an export page.
 */
export type ExportConnection = {
    connection_id: string;
    connected_at: string;
};
/**
 * One of the client's own inbox entries, in an export page.
 */
export type ExportReadState = {
    peer_id: string;
    unread: number;
    last_message_id: string | null;
    read_up_to: string | null;
    read_at: string | null;
};
/**
 * An upload no message carries, in an export page.
 */
export type ExportUpload = {
    attachment_id: string;
    file_name: string;
    content_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "application/pdf" | "text/plain";
    size: number;
    state: "pending" | "attached";
    message_id: string | null;
    uploaded_at: string;
};
/**
 * A file of an export page's messages, with a download URL.
 */
export type ExportedFile = {
    message_id: string;
    attachment_id: string;
    file_name: string;
    content_type: "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "application/pdf" | "text/plain";
    size: number;
    download_url: string;
    url_expires_at: string;
};
/**
 * A page of GET /chat/export/{client_id}.
 */
export type ExportPage = {
    format: "chat-export/1";
    client_id: string;
    exported_at: string;
    profile: ExportProfile | null;
    connections: Array<ExportConnection>;
    read_state: Array<ExportReadState>;
    uploads: Array<ExportUpload>;
    messages: Array<ExportMessage>;
    attachments: Array<ExportedFile>;
    next_cursor: string | null;
};
/**
 * What an erasure did, added up over its calls.
 */
export type ErasureCounts = {
    messages: number;
    attachments: number;
    connections: number;
    read_state: number;
    peer_entries: number;
    claims: number;
    rate_limits: number;
    profile: number;
};
/**
 * The answer of POST /chat/erasure/{client_id} (202 while not done, 200 when done).
 */
export type ErasureProgress = {
    client_id: string;
    done: boolean;
    counts: ErasureCounts;
};
/**
 * An HTTP error body.
 */
export type HttpErrorBody = {
    code: HttpErrorCode;
    message: string;
};
