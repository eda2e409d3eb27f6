/** @typedef {import('./options.js').ChatEvents} ChatEvents */
export class Listeners {
    /**
     * Listens to an event; returns the function that stops listening.
     * @template {keyof ChatEvents} K
     * @param {K} type
     * @param {(...args: ChatEvents[K]) => void} listener
     * @returns {() => void}
     */
    on<K extends keyof ChatEvents>(type: K, listener: (...args: ChatEvents[K]) => void): () => void;
    /**
     * @template {keyof ChatEvents} K
     * @param {K} type
     * @param {ChatEvents[K]} args
     */
    emit<K extends keyof ChatEvents>(type: K, ...args: ChatEvents[K]): void;
    #private;
}
export type ChatEvents = import("./options.js").ChatEvents;
