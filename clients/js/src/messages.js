// The versions of the messages this client delivered: the rule "each message once, then each
// change once" (docs/design.md §10 with edits, deletions and reactions). A message id seen for
// the first time is a `message`; the same id again with a higher `version` is an `update`;
// the same or a lower version is a repeat (catch-up pages overlap, frames can arrive out of
// order) and is dropped. Kept in memory (bounded) and, through the stored cursor, across
// restarts.

/** @typedef {import('./wire.js').MessageFrame} MessageFrame */

/**
 * What a reply shows of the message it answers (`reply_preview`): `preview` is at most 100
 * characters then `…`, empty when that message was deleted.
 * @typedef {object} ReplyPreview
 * @property {string} message_id
 * @property {string} sender_id
 * @property {string} appointment_id
 * @property {string} service_id
 * @property {string} preview
 * @property {string} timestamp
 * @property {boolean} edited
 * @property {boolean} deleted
 */

/**
 * A message in its current state, as every frame and page carries it now: the fields of a
 * `MessageFrame` plus its change state. A deleted message (tombstone) has `message_text: ""`,
 * `deleted: true`, `reactions: {}` and no `reply_to`.
 * @typedef {object} MessageState
 * @property {number} version 1 when sent, +1 per change
 * @property {boolean} deleted
 * @property {Record<string, string[]>} reactions emoji -> client ids, in reaction order
 * @property {string} [edited_at] RFC 3339, when last edited
 * @property {string} [deleted_by] who deleted it (the author, or an administrator)
 * @property {string} [reply_to] the message id it answers
 * @property {ReplyPreview} [reply_preview]
 */

/**
 * A message as the events give it (`message`, `update`), sync pages and change acks carry it.
 * @typedef {Omit<MessageFrame, 'type' | keyof MessageState> & { type?: 'message' } & MessageState} ChatMessage
 */

/**
 * A message as it comes in: the state fields and `kind` may be missing (a server older than
 * versions or system messages).
 * @typedef {Omit<MessageFrame, 'type' | 'kind' | keyof MessageState> & { type?: 'message', kind?: 'chat' | 'system' }
 *   & Partial<Omit<MessageState, 'reply_preview'>> & { reply_preview?: object }} WireMessage
 */

/**
 * The ack of an edit, delete or react: the message's state after the change (a repeated change
 * acks with the unchanged version).
 * @typedef {object} ChangeAckFrame
 * @property {'ack'} type
 * @property {'edit' | 'delete' | 'react'} action
 * @property {string} message_id
 * @property {string} timestamp
 * @property {number} version
 * @property {ChatMessage} message
 */

/**
 * A change of a message, posted to both participants' other connections.
 * @typedef {object} UpdateFrame
 * @property {'update'} type
 * @property {ChatMessage} message
 */

/** What `apply` found: first sight, a newer version, or a repeat. */
/** @typedef {'new' | 'update' | 'repeat'} Applied */

const REQUIRED = ['message_id', 'sender_id', 'receiver_id', 'appointment_id', 'service_id', 'message_text', 'timestamp'];

/**
 * Whether `value` is a message with every field the library reads (a frame from a server that
 * predates versions counts as version 1).
 * @param {any} value
 * @returns {value is WireMessage}
 */
export function isMessage(value) {
  return value !== null && typeof value === 'object' && REQUIRED.every((f) => typeof value[f] === 'string');
}

/** The sender of system messages: what the booking backend posts (`kind: "system"`). */
export const SYSTEM_ID = 'system';

/**
 * Whether `m` is a system message from the booking backend: shown apart, never answered,
 * edited or deleted (the server refuses that; reactions are allowed).
 * @param {{ kind?: unknown, sender_id?: unknown }} m
 */
export function isSystemMessage(m) {
  return m.kind === 'system' || m.sender_id === SYSTEM_ID;
}

/** @param {{ version?: unknown }} m */
export function versionOf(m) {
  return typeof m.version === 'number' && Number.isInteger(m.version) && m.version > 0 ? m.version : 1;
}

/**
 * The message with the defaults of an older server filled in (version 1, no reactions).
 * @param {WireMessage} m
 * @returns {ChatMessage}
 */
export function normalized(m) {
  // `reply_preview` is the documents' plain object; its fields are ReplyPreview's.
  return /** @type {ChatMessage} */ ({
    ...m,
    kind: m.kind === 'system' || m.sender_id === SYSTEM_ID ? 'system' : 'chat',
    version: versionOf(m),
    deleted: m.deleted === true,
    reactions: m.reactions && typeof m.reactions === 'object' ? m.reactions : {},
  });
}

export class MessageVersions {
  /** @type {Map<string, number>} message id -> the highest version delivered */
  #versions = new Map();
  /** @type {Map<string, string>} message id -> the other participant (for `peer_id`) */
  #peers = new Map();
  #limit;

  /** @param {number} limit how many ids to remember in memory (the oldest are forgotten) */
  constructor(limit) {
    this.#limit = limit;
  }

  get size() {
    return this.#versions.size;
  }

  /** @param {string} id */
  has(id) {
    return this.#versions.has(id);
  }

  /** @param {string} id @returns {number | undefined} */
  version(id) {
    return this.#versions.get(id);
  }

  /** The other participant of a known message, for `peer_id`. @param {string} id */
  peerOf(id) {
    return this.#peers.get(id);
  }

  /**
   * Records `message` (seen by `me`) and says whether it is new, newer, or a repeat.
   * @param {WireMessage} message
   * @param {string | null} me
   * @returns {Applied}
   */
  apply(message, me) {
    const id = message.message_id;
    const version = versionOf(message);
    const known = this.#versions.get(id);
    if (me) this.#peers.set(id, message.sender_id === me ? message.receiver_id : message.sender_id);
    if (known !== undefined && known >= version) return 'repeat';
    this.#set(id, version);
    return known === undefined ? 'new' : 'update';
  }

  /**
   * An id known at `version` without an event (an ack of this client's own send, or the stored
   * cursor): a later copy is only delivered when newer.
   * @param {string} id
   * @param {number} version
   * @param {string} [peer]
   */
  remember(id, version, peer) {
    if (peer) this.#peers.set(id, peer);
    if ((this.#versions.get(id) ?? 0) < version) this.#set(id, version);
  }

  /**
   * What the stored cursor keeps: the ids after `since` (the next catch-up repeats them) and the
   * versions above 1 (changes of older messages come again too), at most `max` of those.
   * @param {string} since
   * @param {number} max
   * @returns {{ seen: string[], versions: Record<string, number> }}
   */
  persisted(since, max) {
    const seen = [...this.#versions.keys()].filter((id) => id > since).sort();
    /** @type {Record<string, number>} */
    const versions = {};
    const changed = [...this.#versions.entries()].filter(([, v]) => v > 1).sort(([a], [b]) => (a < b ? 1 : -1));
    for (const [id, v] of changed.slice(0, max)) versions[id] = v;
    return { seen, versions };
  }

  /** @param {string} id @param {number} version */
  #set(id, version) {
    this.#versions.set(id, version);
    if (this.#versions.size > this.#limit) {
      // Forget the oldest ids (they sort by time): only a frame late by hours could repeat them.
      const oldest = [...this.#versions.keys()].sort().slice(0, this.#versions.size - this.#limit);
      for (const old of oldest) {
        this.#versions.delete(old);
        this.#peers.delete(old);
      }
    }
  }
}
