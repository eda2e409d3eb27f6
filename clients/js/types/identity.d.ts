/** @typedef {import('./options.js').ChatClientOptions} ChatClientOptions */
/** @typedef {import('./http.js').HttpIdentity} HttpIdentity */
/**
 * Why the token callback is asked: before a connection attempt, or because the HTTP API
 * refused the last token (401).
 * @typedef {{ reason: 'connect' | 'unauthorized' }} TokenRequest
 */
export class Identity {
    /** @param {ChatClientOptions} options */
    constructor(options: ChatClientOptions);
    /** Who this is (null until known: with a token callback, after the first token). */
    get known(): {
        clientId: string;
        role: "user" | "admin";
    } | null;
    /** This client's id, or null while unknown. */
    get clientId(): string | null;
    /**
     * The URL with the identity: `?token=` or chat-local's `/{client_id}?role=`.
     * @param {string | null} token
     */
    socketUrl(token: string | null): string;
    /**
     * The token to use now (null: development identity). A callback is asked again each time.
     * @param {'connect' | 'unauthorized'} reason
     */
    currentToken(reason: "connect" | "unauthorized"): Promise<string | null>;
    /** What the HTTP API calls are made as. @returns {Promise<HttpIdentity>} */
    httpIdentity(): Promise<HttpIdentity>;
    #private;
}
export type ChatClientOptions = import("./options.js").ChatClientOptions;
export type HttpIdentity = import("./http.js").HttpIdentity;
/**
 * Why the token callback is asked: before a connection attempt, or because the HTTP API
 * refused the last token (401).
 */
export type TokenRequest = {
    reason: "connect" | "unauthorized";
};
