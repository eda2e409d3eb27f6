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
    /** @returns {Promise<UnreadResponse>} */
    unread(): Promise<UnreadResponse>;
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
export type HttpIdentity = {
    clientId: string;
    role: "user" | "admin";
    /**
     * the bearer token (null in
     * chat-local's dev identity mode, where the role travels as `X-Chat-Role`)
     */
    token: (refresh: boolean) => Promise<string | null>;
};
