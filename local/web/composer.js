// What the user does to messages: the menu on each message (quick reactions, reply, edit,
// delete), the changes it asks the library for, the composer (replying to or editing a message)
// and sending.

import {
  $,
  EDIT_WINDOW_MS,
  el,
  errorText,
  filesLabel,
  ID_RE,
  QUICK_REACTIONS,
  session,
  showBanner,
  truncate,
} from './state.js';
import { renderRow } from './messages.js';
import { failMessage, onAck } from './app.js';

// ---------------------------------------------------------------- message menu

export let openMenu = null; // { msg, node }

export function toggleMenu(s, msg) {
  const same = openMenu && openMenu.msg === msg;
  closeMenu();
  if (!same) showMenu(s, msg);
}

export function closeMenu() {
  if (openMenu) openMenu.node.remove();
  openMenu = null;
}

const canEdit = (s, msg) =>
  msg.mine && !msg.deleted && Date.now() - Date.parse(msg.timestamp) < EDIT_WINDOW_MS;
// The author deletes; an administrator deletes any message of its conversations (moderation).
// A system message is only reacted to: nobody answers, edits or deletes it.
const canDelete = (s, msg) => !msg.deleted && !msg.system && (msg.mine || s.role === 'admin');

function showMenu(s, msg) {
  if (!msg.id || msg.deleted || !msg.row) return;
  const menu = el('div', 'menu');
  menu.dataset.testid = 'message-menu';
  menu.setAttribute('role', 'menu');
  const quick = el('div', 'quick-reactions');
  for (const emoji of QUICK_REACTIONS) {
    const entry = msg.reactions.find(([e]) => e === emoji);
    const mine = Boolean(entry && entry[1].includes(s.me));
    const button = el('button', mine ? 'quick mine' : 'quick', emoji);
    button.type = 'button';
    button.dataset.testid = 'quick-reaction';
    button.dataset.emoji = emoji;
    button.title = mine ? 'Take your reaction back' : 'React';
    button.addEventListener('click', () => {
      closeMenu();
      toggleReaction(s, msg, emoji);
    });
    quick.append(button);
  }
  menu.append(quick);
  const item = (label, testid, action) => {
    const button = el('button', 'menu-item', label);
    button.type = 'button';
    button.dataset.testid = testid;
    button.setAttribute('role', 'menuitem');
    button.addEventListener('click', () => {
      closeMenu();
      action();
    });
    menu.append(button);
  };
  if (!msg.system) item('Reply', 'menu-reply', () => startComposing(s, 'reply', msg));
  if (canEdit(s, msg)) item('Edit', 'menu-edit', () => startComposing(s, 'edit', msg));
  if (canDelete(s, msg)) item('Delete', 'menu-delete', () => deleteMessage(s, msg));
  menu.addEventListener('click', (event) => event.stopPropagation());
  msg.row.append(menu);
  openMenu = { msg, node: menu };
}

// ---------------------------------------------------------------- actions

/** A shown message as the library takes it (its ids name the conversation: peer_id). */
const refOf = (msg) => ({ message_id: msg.id, sender_id: msg.sender, receiver_id: msg.receiver });

/** The change's ack comes back as an `update` event, which redraws the row. */
function changeFailed(s, what) {
  return (err) => {
    if (session === s && err.code !== 'closed') showBanner(`${what}: ${errorText(err)}`);
  };
}

export function toggleReaction(s, msg, emoji) {
  const entry = msg.reactions.find(([e]) => e === emoji);
  const mine = Boolean(entry && entry[1].includes(s.me));
  s.client.react(refOf(msg), emoji, { remove: mine }).catch(changeFailed(s, 'Reaction'));
}

function deleteMessage(s, msg) {
  s.client.deleteMessage(refOf(msg)).catch(changeFailed(s, 'Delete'));
}

export function editMessage(s, msg, text) {
  s.client.edit(refOf(msg), text).catch(changeFailed(s, 'Edit'));
}

/** The composer answers `msg` (reply) or replaces its text (edit). */
function startComposing(s, mode, msg) {
  const composer = $('composer-text');
  if (s.composing && s.composing.mode === 'edit') composer.value = '';
  s.composing = { mode, msg };
  if (mode === 'edit') composer.value = msg.text;
  renderComposing(s);
  composer.focus();
}

export function cancelComposing(s) {
  s.composing = null;
  renderComposing(s);
}

function renderComposing(s) {
  const box = $('composer-context');
  const c = s.composing;
  box.hidden = !c;
  if (!c) {
    delete box.dataset.mode;
    $('composer-send').textContent = 'Send';
    return;
  }
  box.dataset.mode = c.mode;
  const who = c.msg.sender === s.me ? 'yourself' : c.msg.sender;
  $('composer-context-label').textContent = c.mode === 'edit' ? 'Editing your message' : `Replying to ${who}`;
  $('composer-context-text').textContent = truncate(c.msg.text) || filesLabel(c.msg.attachments);
  $('composer-send').textContent = c.mode === 'edit' ? 'Save' : 'Send';
}

/** Queues a message (with `attachments`, what the library's upload() gave); false when it
 * could not go (no conversation, bad appointment or service id). */
export function sendMessage(s, text, replyTo = null, attachments = []) {
  if (!s.current) return false;
  const peer = s.current;
  const appointment = $('appointment-id').value.trim() || 'general';
  const service = $('service-id').value.trim() || 'general';
  if (!ID_RE.test(appointment) || !ID_RE.test(service)) {
    showBanner('Appointment and service ids: 1–128 letters, digits or _ - . : @ |');
    return false;
  }
  s.seq += 1;
  const msg = {
    id: null,
    clientMsgId: s.lib.uuid(),
    seq: s.seq,
    peer,
    mine: true,
    sender: s.me,
    receiver: peer,
    appointment,
    service,
    text,
    timestamp: new Date().toISOString(),
    state: 'pending',
    error: null,
    row: null,
    version: 1,
    deleted: false,
    reactions: [],
    editedAt: null,
    deletedBy: null,
    replyTo: replyTo ? replyTo.id : null,
    attachments,
    // Shown until the server's copy arrives (the ack carries no preview).
    replyPreview: replyTo
      ? { id: replyTo.id, sender: replyTo.sender, text: truncate(replyTo.text), edited: Boolean(replyTo.editedAt), deleted: false }
      : null,
  };
  s.outbox.set(msg.clientMsgId, msg);
  renderRow(s, msg);
  // The library sends it when online (one request at a time, so sends keep their order),
  // again with the same client_msg_id after a reconnect, and past a rate limit.
  s.client
    .send({
      receiver_id: peer,
      appointment_id: appointment,
      service_id: service,
      message_text: text,
      client_msg_id: msg.clientMsgId,
      ...(replyTo ? { reply_to: replyTo.id } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    })
    .then(
      (ack) => {
        if (session === s) onAck(s, msg, ack);
      },
      (err) => {
        if (session !== s || err.code === 'closed') return;
        failMessage(s, msg, err);
        showBanner(errorText(err));
      },
    );
  return true;
}
