// The frames of the client's commands: a send (with its attachments), and the changes of a
// message (edit, delete, react) aimed at its conversation.

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
export function sendFrame(message, clientMsgId) {
  /** @type {SendMessageFrame} */
  const frame = {
    action: 'sendmessage',
    receiver_id: message.receiver_id,
    appointment_id: message.appointment_id,
    service_id: message.service_id,
    message_text: message.message_text ?? '',
    client_msg_id: clientMsgId,
  };
  if (message.reply_to !== undefined) frame.reply_to = message.reply_to;
  if (message.attachments && message.attachments.length > 0) {
    frame.attachments = message.attachments.map((a) => (typeof a === 'string' ? a : a.attachment_id));
  }
  return frame;
}

/**
 * The message id and the other participant (`peer_id`, so the server reads the message
 * directly rather than through an eventually consistent index): from the message's ids, else
 * the conversation this client saw it in.
 * @param {MessageRef} message
 * @param {MessageVersions} versions
 * @param {string | null} me
 * @returns {{ message_id: string, peer_id?: string }}
 */
export function target(message, versions, me) {
  if (typeof message === 'string') {
    const peer = versions.peerOf(message);
    return peer ? { message_id: message, peer_id: peer } : { message_id: message };
  }
  const id = message.message_id;
  let peer = versions.peerOf(id);
  if (me && message.sender_id && message.receiver_id) {
    peer = message.sender_id === me ? message.receiver_id : message.sender_id;
  }
  return peer ? { message_id: id, peer_id: peer } : { message_id: id };
}

/**
 * @param {{ message_id: string, peer_id?: string }} to
 * @param {string} emoji
 * @param {{ remove?: boolean }} options
 * @returns {ChangeFrame}
 */
export function reactFrame(to, emoji, options) {
  /** @type {ChangeFrame} */
  const frame = { action: 'react', ...to, emoji };
  if (options.remove !== undefined) frame.remove = options.remove;
  return frame;
}
