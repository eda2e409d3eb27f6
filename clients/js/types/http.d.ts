/** chat-local serves the HTTP API on the WebSocket's origin. @param {string} wsUrl */
export function httpOrigin(wsUrl: string): string;
/**
 * Pages one after another, from `start.cursor` (read when the first page is asked for), each
 * from the one before's `next_cursor`, until a page has none.
 * @template {{ next_cursor: string | null }} P
 * @param {(cursor: string | null) => Promise<P>} fetchPage
 * @param {{ cursor?: string | null }} start
 * @returns {AsyncGenerator<P, void, undefined>}
 */
export function pages<P extends {
    next_cursor: string | null;
}>(fetchPage: (cursor: string | null) => Promise<P>, start: {
    cursor?: string | null;
}): AsyncGenerator<P, void, undefined>;
export class HttpApi {
    /**
     * @param {string} baseUrl e.g. `http://127.0.0.1:8000` or the deployed `HttpApiUrl`
     * @param {() => Promise<HttpIdentity>} identity
     * @param {typeof fetch} fetchImpl
     */
    constructor(baseUrl: string, identity: () => Promise<HttpIdentity>, fetchImpl: typeof fetch);
    baseUrl: string;
    identity: () => Promise<HttpIdentity>;
    fetch: typeof fetch;
    /**
     * @param {string} senderId
     * @returns {Promise<MarkReadResponse>}
     */
    markRead(senderId: string): Promise<MarkReadResponse>;
    /**
     * @param {string} peerId
     * @param {{ limit?: number, cursor?: string | null, appointmentId?: string }} [page]
     * @returns {Promise<HistoryResponse>}
     */
    history(peerId: string, page?: {
        limit?: number;
        cursor?: string | null;
        appointmentId?: string;
    }): Promise<HistoryResponse>;
    /**
     * @param {{ limit?: number, cursor?: string | null }} [page]
     * @returns {Promise<ConversationsResponse>}
     */
    conversations(page?: {
        limit?: number;
        cursor?: string | null;
    }): Promise<ConversationsResponse>;
    /** @returns {Promise<UnreadResponse>} */
    unread(): Promise<UnreadResponse>;
    /**
     * Asks for an upload (`POST /chat/attachments/{me}`): where to `PUT` the bytes, and with
     * which headers.
     * @param {{ fileName: string, contentType: ContentType, size: number }} file
     * @returns {Promise<UploadResponse>}
     */
    requestUpload(file: {
        fileName: string;
        contentType: ContentType;
        size: number;
    }): Promise<UploadResponse>;
    /**
     * A download URL for an attachment of this client's conversations
     * (`GET /chat/attachments/{me}/{attachment_id}`), valid until `expires_at`.
     * @param {string} attachmentId
     * @returns {Promise<DownloadResponse>}
     */
    attachmentUrl(attachmentId: string): Promise<DownloadResponse>;
    /**
     * One page of a client's export (`GET /chat/export/{client_id}`): this client's own, or,
     * for an administrator, anyone's.
     * @param {string} clientId
     * @param {string | null} cursor the previous page's `next_cursor` (null: the first page)
     * @returns {Promise<ExportPage>}
     */
    exportPage(clientId: string, cursor: string | null): Promise<ExportPage>;
    /**
     * One step of a client's erasure (`POST /chat/erasure/{client_id}`, administrators only):
     * `done: false` (202) while work remains.
     * @param {string} clientId
     * @returns {Promise<ErasureProgress>}
     */
    eraseStep(clientId: string): Promise<ErasureProgress>;
    /**
     * One request; a 401 with a token is tried once more with a refreshed token.
     * @param {string} method
     * @param {string} path
     * @param {object} [body]
     * @returns {Promise<any>}
     */
    call(method: string, path: string, body?: object): Promise<any>;
    /**
     * @param {string} method
     * @param {string} path
     * @param {object | undefined} body
     * @param {boolean} refresh
     */
    once(method: string, path: string, body: object | undefined, refresh: boolean): Promise<any>;
}
export type MarkReadResponse = import("./wire.js").MarkReadResponse;
export type HistoryResponse = import("./wire.js").HistoryResponse;
export type UnreadResponse = import("./wire.js").UnreadResponse;
export type HttpErrorBody = import("./wire.js").HttpErrorBody;
export type UploadResponse = import("./wire.js").UploadResponse;
export type DownloadResponse = import("./wire.js").DownloadResponse;
export type ExportPage = import("./wire.js").ExportPage;
export type ErasureProgress = import("./wire.js").ErasureProgress;
export type ContentType = import("./wire.js").Attachment["content_type"];
export type ReplyPreview = import("./messages.js").ReplyPreview;
/**
 * One conversation of the inbox: the peer, a preview of the last message (null when none),
 * how many of the peer's messages are unread, and when it last changed.
 */
export type Conversation = {
    peer_id: string;
    last_message: ReplyPreview | null;
    unread: number;
    updated_at: string | null;
};
/**
 * A page of `GET /chat/conversations/{client_id}`, most recent activity first.
 */
export type ConversationsResponse = {
    conversations: Conversation[];
    next_cursor: string | null;
};
export type HttpIdentity = {
    clientId: string;
    role: "user" | "admin";
    /**
     * the bearer token (null in
     * chat-local's dev identity mode, where the role travels as `X-Chat-Role` and the id as
     * `X-Chat-Client`)
     */
    token: (refresh: boolean) => Promise<string | null>;
};
