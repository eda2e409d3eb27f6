// The messages of the open conversation: one row each, in message-id order (pending sends
// last), with its text or tombstone, its attachments (attachments.js), the edited marker, the
// quote of the message it answers, its reactions and ticks; jumping to a quoted message.

import { $, conversationOf, DELETED_TEXT, el, filesLabel, showBanner, truncate } from './state.js';
import { toggleMenu, toggleReaction } from './composer.js';
import { renderAttachments } from './attachments.js';

export const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const rowKey = (msg) => msg.id || `~${String(msg.seq).padStart(12, '0')}`;

export function renderRow(s, msg, follow = false) {
  if (s.current !== msg.peer) return;
  const list = $('messages');
  const scroller = $('scroller');
  // Measured before the row changes: a row that grows (a reaction, a longer edit) at the
  // bottom keeps the conversation scrolled to the bottom.
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  let row = msg.row && msg.row.parentNode === list ? msg.row : null;
  const changed = Boolean(row);
  if (!row) {
    row = el('li', `msg ${msg.mine ? 'mine' : 'theirs'}${msg.system ? ' system' : ''}`);
    row.dataset.testid = 'message';
    row.dataset.kind = msg.system ? 'system' : 'chat';
    const bubble = el('div', 'bubble');
    if (msg.system) {
      const label = el('span', 'system-label', 'Appointment update');
      label.dataset.testid = 'system-label';
      bubble.append(label);
    }
    const quote = el('button', 'quote');
    quote.type = 'button';
    quote.dataset.testid = 'quote';
    quote.hidden = true;
    quote.append(el('span', 'quote-sender'), el('span', 'quote-text'));
    quote.addEventListener('click', () => jumpTo(s, msg.peer, msg.replyTo));
    const files = el('div', 'attachments');
    files.dataset.testid = 'attachments';
    files.hidden = true;
    const text = el('p', 'text');
    text.dataset.testid = 'message-text';
    const reactions = el('div', 'reactions');
    reactions.dataset.testid = 'reactions';
    const meta = el('span', 'meta');
    const edited = el('span', 'edited', 'edited');
    edited.dataset.testid = 'edited';
    edited.hidden = true;
    meta.append(edited, el('time', 'time'));
    if (msg.mine) {
      const tick = el('span', 'tick');
      tick.dataset.testid = 'tick';
      meta.append(tick);
    }
    bubble.append(quote, files, text, reactions, meta);
    const actions = el('button', 'actions', '⋯');
    actions.type = 'button';
    actions.dataset.testid = 'message-actions';
    actions.title = 'React, reply, edit or delete';
    actions.setAttribute('aria-label', 'Message actions');
    actions.setAttribute('aria-haspopup', 'menu');
    actions.addEventListener('click', (event) => {
      event.stopPropagation();
      toggleMenu(s, msg);
    });
    row.append(bubble, actions);
    msg.row = row;
  }
  renderContent(s, msg, row);
  row.dataset.state = msg.state;
  row.dataset.sender = msg.sender;
  if (msg.id) row.dataset.messageId = msg.id;
  if (msg.clientMsgId) row.dataset.clientMsgId = msg.clientMsgId;
  row.title = `appointment ${msg.appointment} · service ${msg.service}`;
  const time = row.querySelector('time');
  if (msg.timestamp) {
    time.dateTime = msg.timestamp;
    time.textContent = new Date(msg.timestamp).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
    });
  }
  const tick = row.querySelector('.tick');
  if (tick) {
    const [symbol, label] = {
      pending: ['🕓', 'sending'],
      sent: ['✓', 'delivered'],
      read: ['✓✓', 'read'],
      failed: ['!', msg.error || 'not sent'],
    }[msg.state];
    tick.textContent = symbol;
    tick.title = label;
    tick.setAttribute('aria-label', label);
  }
  let error = row.querySelector('.send-error');
  if (msg.state === 'failed') {
    if (!error) {
      error = el('span', 'send-error');
      row.querySelector('.bubble').append(error);
    }
    error.textContent = `Not sent — ${msg.error}`;
  } else if (error) error.remove();

  const key = rowKey(msg);
  row.dataset.key = key;
  let before = null;
  for (let i = list.children.length - 1; i >= 0; i -= 1) {
    const other = list.children[i];
    if (other === row) continue;
    if (other.dataset.key <= key) break;
    before = other;
  }
  if (row.parentNode !== list || row.nextSibling !== before) list.insertBefore(row, before);
  if ((follow || changed) && atBottom) scroller.scrollTop = scroller.scrollHeight;
  else if (!follow && msg.mine && !msg.id) scroller.scrollTop = scroller.scrollHeight;
}

/** What changes in a row: text or tombstone, the edited marker, the quote, the reactions. */
function renderContent(s, msg, row) {
  row.dataset.version = String(msg.version || 1);
  row.dataset.deleted = String(Boolean(msg.deleted));
  const text = row.querySelector('.text');
  text.textContent = msg.deleted ? DELETED_TEXT : msg.text;
  text.classList.toggle('deleted', Boolean(msg.deleted));
  // A message of files only has no text to show.
  text.hidden = !msg.deleted && !msg.text && (msg.attachments || []).length > 0;
  renderAttachments(s, msg, row.querySelector('.attachments'));
  const edited = row.querySelector('.edited');
  edited.hidden = !msg.editedAt || msg.deleted;
  edited.title = msg.editedAt ? `edited ${new Date(msg.editedAt).toLocaleString()}` : '';

  const quote = row.querySelector('.quote');
  const quoted = quoteOf(s, msg);
  quote.hidden = !quoted;
  if (quoted) {
    quote.querySelector('.quote-sender').textContent = quoted.sender === s.me ? 'You' : quoted.sender;
    quote.querySelector('.quote-text').textContent = quoted.text;
    quote.classList.toggle('deleted', quoted.deleted);
    quote.title = 'Show the message this answers';
  }

  const reactions = row.querySelector('.reactions');
  reactions.replaceChildren();
  for (const [emoji, ids] of msg.deleted ? [] : msg.reactions) {
    const chip = el('button', 'reaction');
    chip.type = 'button';
    chip.dataset.testid = 'reaction';
    chip.dataset.emoji = emoji;
    const mine = ids.includes(s.me);
    chip.dataset.mine = String(mine);
    chip.classList.toggle('mine', mine);
    chip.append(el('span', 'emoji', emoji), el('span', 'count', String(ids.length)));
    chip.title = `${ids.map((id) => (id === s.me ? 'you' : id)).join(', ')} — click to ${mine ? 'take yours back' : 'react too'}`;
    chip.addEventListener('click', () => toggleReaction(s, msg, emoji));
    reactions.append(chip);
  }
  reactions.hidden = reactions.children.length === 0;
  row.querySelector('.actions').hidden = !msg.id || msg.deleted;
}

/** The quote a reply shows: the answered message as shown here when it is (a later edit or
 * deletion shows in the quote too), else the server's reply_preview. */
function quoteOf(s, msg) {
  if (!msg.replyTo) return null;
  const original = conversationOf(s, msg.peer).messages.get(msg.replyTo);
  if (original) {
    const shown = truncate(original.text) || filesLabel(original.attachments);
    return { sender: original.sender, text: original.deleted ? DELETED_TEXT : shown, deleted: original.deleted };
  }
  const p = msg.replyPreview;
  if (p) return { sender: p.sender, text: p.deleted ? DELETED_TEXT : p.text, deleted: p.deleted };
  return { sender: '', text: 'an earlier message', deleted: false };
}

/** The replies to `id` show its current state. */
export function renderQuotesOf(s, conv, id) {
  for (const other of conv.messages.values()) if (other.replyTo === id) renderRow(s, other);
  for (const other of s.outbox.values()) if (other.replyTo === id) renderRow(s, other);
}

function jumpTo(s, peer, id) {
  const target = id && conversationOf(s, peer).messages.get(id);
  if (!target || !target.row || !target.row.isConnected) {
    showBanner('The quoted message is further up: scroll up to load it.');
    return;
  }
  target.row.scrollIntoView({ block: 'center' });
  target.row.classList.add('flash');
  setTimeout(() => target.row && target.row.classList.remove('flash'), 1200);
}

export function removeRow(msg) {
  if (msg.row) msg.row.remove();
  msg.row = null;
}
