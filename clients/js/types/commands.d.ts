/** @typedef {import('./wire.js').SendFrame} SendFrame */
/** @typedef {import('./messages.js').MessageVersions} MessageVersions */
/** @typedef {import('./requests.js').Pending['frame']} SendMessageFrame */
/**
 * What `send()` takes: a send frame without `action`; `client_msg_id` is made up when absent;
 * `reply_to` makes it a reply to that message (of the same conversation, not deleted);
 * `attachments` names 1 to 4 uploads (their ids, or what `upload()` resolved to), and then
 * `message_text` may be empty or absent.
 * @typedef {Omit<SendFrame, 'action' | 'client_msg_id' | 'attachments'> & { client_msg_id?: string, reply_to?: string,
 *   attachments?: Array<string | { attachment_id: string }> }} OutgoingMessage
 */
/**
 * The message a change is about: a message as the events, sync pages or history give it (its
 * `sender_id` and `receiver_id` tell the server the conversation), or its id (the conversation
 * is then the one this client saw it in, if it did).
 * @typedef {string | { message_id: string, sender_id?: string, receiver_id?: string }} MessageRef
 */
/**
 * An edit, delete or react frame (client → server).
 * @typedef {{ action: 'edit', message_id: string, message_text: string, peer_id?: string }
 *   | { action: 'delete', message_id: string, peer_id?: string }
 *   | { action: 'react', message_id: string, emoji: string, remove?: boolean, peer_id?: string }} ChangeFrame
 */
/**
 * The send frame of `message` (only the fields a send has).
 * @param {OutgoingMessage} message
 * @param {string} clientMsgId
 * @returns {SendMessageFrame}
 */
export function sendFrame(message: OutgoingMessage, clientMsgId: string): SendMessageFrame;
/**
 * The message id and the other participant (`peer_id`, so the server reads the message
 * directly rather than through an eventually consistent index): from the message's ids, else
 * the conversation this client saw it in.
 * @param {MessageRef} message
 * @param {MessageVersions} versions
 * @param {string | null} me
 * @returns {{ message_id: string, peer_id?: string }}
 */
export function target(message: MessageRef, versions: MessageVersions, me: string | null): {
    message_id: string;
    peer_id?: string;
};
/**
 * @param {{ message_id: string, peer_id?: string }} to
 * @param {string} emoji
 * @param {{ remove?: boolean }} options
 * @returns {ChangeFrame}
 */
export function reactFrame(to: {
    message_id: string;
    peer_id?: string;
}, emoji: string, options: {
    remove?: boolean;
}): ChangeFrame;
export type SendFrame = import("./wire.js").SendFrame;
export type MessageVersions = import("./messages.js").MessageVersions;
export type SendMessageFrame = import("./requests.js").Pending["frame"];
/**
 * What `send()` takes: a send frame without `action`; `client_msg_id` is made up when absent;
 * `reply_to` makes it a reply to that message (of the same conversation, not deleted);
 * `attachments` names 1 to 4 uploads (their ids, or what `upload()` resolved to), and then
 * `message_text` may be empty or absent.
 */
export type OutgoingMessage = Omit<SendFrame, "action" | "client_msg_id" | "attachments"> & {
    client_msg_id?: string;
    reply_to?: string;
    attachments?: Array<string | {
        attachment_id: string;
    }>;
};
/**
 * The message a change is about: a message as the events, sync pages or history give it (its
 * `sender_id` and `receiver_id` tell the server the conversation), or its id (the conversation
 * is then the one this client saw it in, if it did).
 */
export type MessageRef = string | {
    message_id: string;
    sender_id?: string;
    receiver_id?: string;
};
/**
 * An edit, delete or react frame (client → server).
 */
export type ChangeFrame = {
    action: "edit";
    message_id: string;
    message_text: string;
    peer_id?: string;
} | {
    action: "delete";
    message_id: string;
    peer_id?: string;
} | {
    action: "react";
    message_id: string;
    emoji: string;
    remove?: boolean;
    peer_id?: string;
};
