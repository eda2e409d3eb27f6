// The conversation list (the inbox, GET /chat/conversations: last messages, unread badges,
// order by activity), marking read, a conversation's history pages and opening a conversation.

import {
  $,
  conversationOf,
  DELETED_TEXT,
  el,
  HISTORY_PAGE,
  ID_RE,
  idFor,
  INBOX_MAX_PAGES,
  INBOX_PAGE,
  maxKey,
  previewText,
  session,
  showBanner,
  SYSTEM_ID,
  validWireMessage,
} from './state.js';
import { byId, renderRow } from './messages.js';
import { cancelComposing, closeMenu } from './composer.js';
import { showDataActions } from './privacy.js';
import { addMessage, hideTyping } from './app.js';

// ---------------------------------------------------------------- HTTP-backed state

/** The inbox (GET /chat/conversations): the server's conversations, last messages and
 * unread counts replace the live ones. A message that arrives while the request is out may or
 * may not be in its answer, so then the inbox is asked for again. */
export async function refreshInbox(s) {
  if (s.inboxFetching) {
    s.inboxStale = true;
    return;
  }
  s.inboxFetching = true;
  s.inboxStale = false;
  const entries = [];
  try {
    let pages = 0;
    for await (const page of s.client.conversations({ limit: INBOX_PAGE })) {
      if (page && Array.isArray(page.conversations)) entries.push(...page.conversations);
      pages += 1;
      if (pages >= INBOX_MAX_PAGES) break;
    }
  } catch (err) {
    if (session === s) showBanner(`Conversations: ${err.message}`);
    return;
  } finally {
    s.inboxFetching = false;
    if (s.inboxStale && session === s) setTimeout(() => refreshInbox(s), 100);
  }
  if (session !== s) return;
  for (const conv of s.conversations.values()) conv.unread = 0;
  for (const entry of entries) {
    if (!entry || typeof entry.peer_id !== 'string' || !ID_RE.test(entry.peer_id)) continue;
    const conv = conversationOf(s, entry.peer_id);
    if (Number.isInteger(entry.unread) && entry.unread >= 0) conv.unread = entry.unread;
    const last = entry.last_message;
    if (last && typeof last.message_id === 'string' && last.message_id >= conv.lastId) {
      // The shown copy when there is one (it may be newer than the server's answer).
      const shown = conv.messages.get(last.message_id);
      conv.lastId = last.message_id;
      conv.lastText = shown ? previewText(shown) : last.deleted === true ? DELETED_TEXT : String(last.preview ?? '');
    }
    const at = typeof entry.updated_at === 'string' ? Date.parse(entry.updated_at) : NaN;
    if (!Number.isNaN(at)) conv.activity = maxKey(conv.activity, idFor(at));
  }
  renderList(s);
  const open = s.current && s.conversations.get(s.current);
  if (open && open.unread > 0 && document.visibilityState === 'visible') markRead(s, open);
}

let markReadTimer = null;
export function markReadSoon(s, conv) {
  clearTimeout(markReadTimer);
  markReadTimer = setTimeout(() => markRead(s, conv), 150);
}

export async function markRead(s, conv) {
  conv.unread = 0;
  renderBadge(s, conv);
  try {
    await s.client.markRead(conv.peer);
  } catch (err) {
    // 404: nothing exchanged yet, so nothing to mark.
    if (err.status !== 404 && session === s) showBanner(`Marking read: ${err.message}`);
  }
}

export async function loadHistory(s, conv) {
  if (conv.loading || conv.history === 'done') return;
  conv.loading = true;
  const first = conv.history === 'none';
  const status = $('history-status');
  if (s.current === conv.peer) status.textContent = 'Loading…';
  // The library's pages, one per call; after a failure, again from the last cursor.
  if (!conv.pages) {
    const from = first ? {} : { cursor: conv.cursor };
    conv.pages = s.client.history(conv.peer, { limit: HISTORY_PAGE, ...from });
  }
  let data;
  try {
    const next = await conv.pages.next();
    data = next.done ? { messages: [], next_cursor: null } : next.value;
  } catch (err) {
    conv.pages = null;
    conv.loading = false;
    if (session !== s) return;
    if (err.status === 404) conv.history = 'done';
    else showBanner(`History: ${err.message}`);
    if (s.current === conv.peer) status.textContent = '';
    return;
  }
  if (session !== s) return;
  const scroller = $('scroller');
  const open = s.current === conv.peer;
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  for (const m of (data && data.messages) || []) {
    if (validWireMessage(m)) addMessage(s, m, 'history');
  }
  conv.cursor = data && typeof data.next_cursor === 'string' ? data.next_cursor : null;
  conv.history = conv.cursor ? 'more' : 'done';
  conv.loading = false;
  if (!conv.lastText) {
    const newest = [...conv.messages.values()].sort(byId).pop();
    if (newest) touchConversation(s, conv, newest);
  }
  if (!open) return;
  status.textContent = conv.history === 'done' ? 'Beginning of the conversation' : '';
  if (first) scroller.scrollTop = scroller.scrollHeight;
  else scroller.scrollTop = scroller.scrollHeight - fromBottom;
  // Too few to scroll, or still at the top (the page held only messages already shown):
  // fetch the next page now, since no scroll event will ask for it.
  const tooShort = scroller.scrollHeight <= scroller.clientHeight + 40;
  if (conv.history === 'more' && (tooShort || (!first && scroller.scrollTop < 60))) {
    loadHistory(s, conv);
  }
}

/** The newest page again (after a failed catch-up), merged by message_id. */
export async function loadNewest(s, conv) {
  try {
    const newest = await s.client.history(conv.peer, { limit: HISTORY_PAGE }).next();
    const data = newest.done ? null : newest.value;
    if (session !== s) return;
    for (const m of (data && data.messages) || []) {
      if (validWireMessage(m)) addMessage(s, m, 'sync-fallback');
    }
  } catch (_) {
    // Shown by the next attempt.
  }
}

export function touchConversation(s, conv, msg) {
  if (msg.id && msg.id >= conv.lastId) {
    conv.lastId = msg.id;
    conv.lastText = previewText(msg);
  }
  renderList(s);
}

export function renderList(s) {
  const list = $('conversations');
  const sortKey = (c) => maxKey(c.lastId, c.activity);
  const ordered = [...s.conversations.values()].sort((a, b) =>
    sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0,
  );
  ordered.forEach((conv, i) => {
    if (!conv.li) buildListItem(s, conv);
    conv.li.querySelector('.preview').textContent = conv.lastText;
    conv.li.classList.toggle('active', conv.peer === s.current);
    renderBadge(s, conv);
    if (list.children[i] !== conv.li) list.insertBefore(conv.li, list.children[i] || null);
  });
  $('no-conversations').hidden = ordered.length > 0;
  const total = ordered.reduce((n, c) => n + c.unread, 0);
  document.title = total > 0 ? `(${total}) Chat — ${s.me}` : `Chat — ${s.me}`;
}

function buildListItem(s, conv) {
  const li = el('li', 'conversation-item');
  li.dataset.testid = 'conversation';
  li.dataset.peer = conv.peer;
  const button = el('button');
  button.type = 'button';
  const top = el('span', 'line');
  top.append(el('span', 'peer', conv.peer));
  const badge = el('span', 'badge');
  badge.dataset.testid = 'unread-badge';
  badge.hidden = true;
  top.append(badge);
  button.append(top, el('span', 'preview'));
  button.addEventListener('click', () => openConversation(s, conv.peer));
  li.append(button);
  conv.li = li;
}

export function renderBadge(s, conv) {
  if (!conv.li) return;
  const badge = conv.li.querySelector('.badge');
  badge.textContent = conv.unread > 99 ? '99+' : String(conv.unread);
  badge.hidden = conv.unread === 0;
  conv.li.dataset.unread = String(conv.unread);
}

export function openConversation(s, peer) {
  const conv = conversationOf(s, peer);
  if (s.current !== peer && s.composing) {
    if (s.composing.mode === 'edit') $('composer-text').value = '';
    cancelComposing(s);
  }
  closeMenu();
  s.current = peer;
  hideTyping(s);
  $('no-conversation').hidden = true;
  $('conversation').hidden = false;
  $('peer-name').textContent = peer === SYSTEM_ID ? 'Appointment updates' : peer;
  // The system's messages cannot be answered: no composer there.
  const system = peer === SYSTEM_ID;
  $('composer-text').disabled = system;
  $('composer-send').disabled = system;
  $('attach-button').disabled = system;
  $('composer-text').placeholder = system ? 'Appointment updates cannot be answered' : 'Write a message';
  showDataActions(s, peer);
  $('history-status').textContent = '';
  const list = $('messages');
  list.replaceChildren();
  for (const msg of [...conv.messages.values()].sort(byId)) renderRow(s, msg);
  for (const msg of s.outbox.values()) if (msg.peer === peer) renderRow(s, msg);
  for (const msg of conv.failed) renderRow(s, msg);
  const scroller = $('scroller');
  scroller.scrollTop = scroller.scrollHeight;
  renderList(s);
  if (conv.history === 'none') loadHistory(s, conv);
  else if (conv.history === 'done') $('history-status').textContent = 'Beginning of the conversation';
  if (conv.unread > 0 && document.visibilityState === 'visible') markRead(s, conv);
  if (!system) $('composer-text').focus();
}

/** Sort key of a row: the message id; pending messages after every stored one. */
