export class DataRules {
    /** @param {HttpApi} http @param {number} maxAttempts tries of one request in all */
    constructor(http: HttpApi, maxAttempts: number);
    /**
     * One page of `clientId`'s export (`GET /chat/export/{client_id}`).
     * @param {string} clientId
     * @param {{ cursor?: string | null, signal?: AbortSignal }} [options]
     * @returns {Promise<ExportPage>}
     */
    exportPage(clientId: string, options?: {
        cursor?: string | null;
        signal?: AbortSignal;
    }): Promise<ExportPage>;
    /**
     * Every page of `clientId`'s export, merged.
     * @param {string} clientId
     * @param {ExportOptions} [options]
     * @returns {Promise<ExportDocument>}
     */
    exportAll(clientId: string, options?: ExportOptions): Promise<ExportDocument>;
    /**
     * Erases `clientId`'s data (`POST /chat/erasure/{client_id}`), step after step until the
     * server answers `done`; resolves with the final progress (its `counts` are the whole
     * erasure's).
     * @param {string} clientId
     * @param {EraseOptions} [options]
     * @returns {Promise<ErasureProgress>}
     */
    erase(clientId: string, options?: EraseOptions): Promise<ErasureProgress>;
    #private;
}
export type ExportPage = import("./wire.js").ExportPage;
export type ErasureProgress = import("./wire.js").ErasureProgress;
export type ErasureCounts = import("./wire.js").ErasureCounts;
export type HttpApi = import("./http.js").HttpApi;
/**
 * A whole export: the first page's records (`profile`, `connections`, `read_state`,
 * `uploads`, `exported_at`) and every page's `messages` and `attachments`, in order (sent
 * messages first, then received ones). Each attachment's `download_url` is valid for 5 minutes
 * from its page's `exported_at`.
 */
export type ExportDocument = Omit<ExportPage, "next_cursor">;
export type ExportOptions = {
    /**
     * each page as it
     * comes (`index` 0 for the first)
     */
    onPage?: ((page: ExportPage, info: {
        index: number;
    }) => void) | undefined;
    /**
     * stops before the next page (rejects with the signal's reason)
     */
    signal?: AbortSignal | undefined;
};
export type EraseOptions = {
    /**
     * after
     * each step, with the counts so far (the last call has `done: true`)
     */
    onProgress?: ((progress: ErasureProgress, info: {
        steps: number;
    }) => void) | undefined;
    /**
     * stops before the next step (rejects with the signal's
     * reason); the server keeps the progress, so `erase()` again carries on from there
     */
    signal?: AbortSignal | undefined;
};
