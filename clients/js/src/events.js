// The client's events and their listeners (`client.on(type, listener)`): each listener called
// in turn, one that throws reported and the others still called.

/** @typedef {import('./options.js').ChatEvents} ChatEvents */

export class Listeners {
  /** @type {Map<keyof ChatEvents, Set<(...args: any[]) => void>>} */
  #byType = new Map();

  /**
   * Listens to an event; returns the function that stops listening.
   * @template {keyof ChatEvents} K
   * @param {K} type
   * @param {(...args: ChatEvents[K]) => void} listener
   * @returns {() => void}
   */
  on(type, listener) {
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * @template {keyof ChatEvents} K
   * @param {K} type
   * @param {ChatEvents[K]} args
   */
  emit(type, ...args) {
    for (const listener of this.#byType.get(type) ?? []) {
      try {
        listener(...args);
      } catch (err) {
        // A listener's bug must not break the connection; it still gets reported.
        console.error(`ChatClient: a '${type}' listener threw`, err);
      }
    }
  }
}
