/**
 * Whether `value` is a message with every field the library reads (a frame from a server that
 * predates versions counts as version 1).
 * @param {any} value
 * @returns {value is WireMessage}
 */
export function isMessage(value: any): value is WireMessage;
/**
 * Whether `m` is a system message from the booking backend: shown apart, never answered,
 * edited or deleted (the server refuses that; reactions are allowed).
 * @param {{ kind?: unknown, sender_id?: unknown }} m
 */
export function isSystemMessage(m: {
    kind?: unknown;
    sender_id?: unknown;
}): boolean;
/** @param {{ version?: unknown }} m */
export function versionOf(m: {
    version?: unknown;
}): number;
/**
 * The message with the defaults of an older server filled in (version 1, no reactions).
 * @param {WireMessage} m
 * @returns {ChatMessage}
 */
export function normalized(m: WireMessage): ChatMessage;
/** The sender of system messages: what the booking backend posts (`kind: "system"`). */
export const SYSTEM_ID: "system";
export class MessageVersions {
    /** @param {number} limit how many ids to remember in memory (the oldest are forgotten) */
    constructor(limit: number);
    get size(): number;
    /** @param {string} id */
    has(id: string): boolean;
    /** @param {string} id @returns {number | undefined} */
    version(id: string): number | undefined;
    /** The other participant of a known message, for `peer_id`. @param {string} id */
    peerOf(id: string): string | undefined;
    /**
     * Records `message` (seen by `me`) and says whether it is new, newer, or a repeat.
     * @param {WireMessage} message
     * @param {string | null} me
     * @returns {Applied}
     */
    apply(message: WireMessage, me: string | null): Applied;
    /**
     * An id known at `version` without an event (an ack of this client's own send, or the stored
     * cursor): a later copy is only delivered when newer.
     * @param {string} id
     * @param {number} version
     * @param {string} [peer]
     */
    remember(id: string, version: number, peer?: string): void;
    /**
     * What the stored cursor keeps: the ids after `since` (the next catch-up repeats them) and the
     * versions above 1 (changes of older messages come again too), at most `max` of those.
     * @param {string} since
     * @param {number} max
     * @returns {{ seen: string[], versions: Record<string, number> }}
     */
    persisted(since: string, max: number): {
        seen: string[];
        versions: Record<string, number>;
    };
    #private;
}
export type MessageFrame = import("./wire.js").MessageFrame;
/**
 * What a reply shows of the message it answers (`reply_preview`): `preview` is at most 100
 * characters then `…`, empty when that message was deleted.
 */
export type ReplyPreview = {
    message_id: string;
    sender_id: string;
    appointment_id: string;
    service_id: string;
    preview: string;
    timestamp: string;
    edited: boolean;
    deleted: boolean;
};
/**
 * A message in its current state, as every frame and page carries it now: the fields of a
 * `MessageFrame` plus its change state. A deleted message (tombstone) has `message_text: ""`,
 * `deleted: true`, `reactions: {}` and no `reply_to`.
 */
export type MessageState = {
    /**
     * 1 when sent, +1 per change
     */
    version: number;
    deleted: boolean;
    /**
     * emoji -> client ids, in reaction order
     */
    reactions: Record<string, string[]>;
    /**
     * RFC 3339, when last edited
     */
    edited_at?: string | undefined;
    /**
     * who deleted it (the author, or an administrator)
     */
    deleted_by?: string | undefined;
    /**
     * the message id it answers
     */
    reply_to?: string | undefined;
    reply_preview?: ReplyPreview | undefined;
};
/**
 * A message as the events give it (`message`, `update`), sync pages and change acks carry it.
 */
export type ChatMessage = Omit<MessageFrame, "type" | keyof MessageState> & {
    type?: "message";
} & MessageState;
/**
 * A message as it comes in: the state fields and `kind` may be missing (a server older than
 * versions or system messages).
 */
export type WireMessage = Omit<MessageFrame, "type" | "kind" | keyof MessageState> & {
    type?: "message";
    kind?: "chat" | "system";
} & Partial<Omit<MessageState, "reply_preview">> & {
    reply_preview?: object;
};
/**
 * The ack of an edit, delete or react: the message's state after the change (a repeated change
 * acks with the unchanged version).
 */
export type ChangeAckFrame = {
    type: "ack";
    action: "edit" | "delete" | "react";
    message_id: string;
    timestamp: string;
    version: number;
    message: ChatMessage;
};
/**
 * A change of a message, posted to both participants' other connections.
 */
export type UpdateFrame = {
    type: "update";
    message: ChatMessage;
};
export type Applied = "new" | "update" | "repeat";
