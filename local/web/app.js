// The chat's browser client: plain JavaScript, no framework, no build step, nothing fetched
// from anywhere but this origin. The connection, catch-up, sends and the HTTP API are the client
// library's (clients/js, served by chat-local at /lib/ and loaded as an ES module); the page's
// modules keep its state and render it: state.js (the session, the model of conversations and
// messages), inbox.js (conversations: the inbox, GET /chat/conversations; history), messages.js
// (messages with their changes: edits, deletions, reactions, replies, each shown in its highest
// version), composer.js (the menu on each message and the composer), attachments.js (files:
// uploads from the composer, thumbnails and download links), privacy.js (an administrator's
// export and erasure). This file handles the library's events, signs in and out, wires the page.

import {
  $,
  conversationOf,
  errorText,
  fromWire,
  ID_RE,
  isReadByPeer,
  newSession,
  previewText,
  saveStored,
  session,
  setConnection,
  setSession,
  showBanner,
  stateOf,
  TYPING_SHOW_MS,
  validWireMessage,
} from './state.js';
import {
  loadHistory,
  loadNewest,
  markRead,
  markReadSoon,
  openConversation,
  refreshInbox,
  renderBadge,
  renderList,
  touchConversation,
} from './inbox.js';
import { removeRow, renderQuotesOf, renderRow } from './messages.js';
import { cancelComposing, closeMenu, editMessage, openMenu, sendMessage } from './composer.js';
import { clearUploads, composedFiles, wireAttachments } from './attachments.js';
import { wirePrivacy } from './privacy.js';

// The library, as an ES module from this origin (imported when the page loads, not before
// this module runs: sign-in shows it when it fails to load).
const lib = import('/lib/index.js');

// ---------------------------------------------------------------- the library's events

const CONNECTION = { online: 'open', connecting: 'connecting', reconnecting: 'closed', offline: 'closed' };

function listen(s) {
  const c = s.client;
  const current = () => session === s;
  c.on('state', (state) => {
    if (current()) setConnection(CONNECTION[state]);
  });
  c.on('message', (m, { source }) => {
    if (!current()) return;
    if (source === 'sync') s.syncedIds.add(m.message_id);
    // First seen in the ack of a change of this client (a message from history): a change.
    addMessage(s, m, source === 'ack' ? 'update' : source);
  });
  // A newer version of a message (edited, deleted, reacted to), live, from a catch-up or
  // from the ack of this client's own change; the library never gives an older one.
  c.on('update', (m) => {
    if (current() && validWireMessage(m)) addMessage(s, m, 'update');
  });
  c.on('synced', () => {
    if (!current()) return;
    saveStored(s);
    refreshInbox(s);
  });
  c.on('typing', (frame) => {
    if (current()) onTyping(s, frame);
  });
  c.on('read', (frame) => {
    if (current()) noteRead(s, frame.reader_id, frame.up_to);
  });
  c.on('error', (err) => {
    if (!current()) return;
    if (err.code === 'timeout') showBanner('No answer from the server: reconnecting.');
    else showBanner(errorText(err));
    if (err.source === 'sync') syncFailed(s);
  });
}

export function onAck(s, msg, ack) {
  s.outbox.delete(msg.clientMsgId);
  const conv = conversationOf(s, msg.peer);
  if (conv.messages.has(ack.message_id)) {
    // Already here (a sync brought it before this ack): keep one row.
    removeRow(msg);
    return;
  }
  msg.id = ack.message_id;
  msg.timestamp = ack.timestamp || msg.timestamp;
  msg.version = Math.max(msg.version, 1);
  msg.state = isReadByPeer(s, msg.peer, msg.id) ? 'read' : 'sent';
  conv.messages.set(msg.id, msg);
  touchConversation(s, conv, msg);
  renderRow(s, msg);
}

/** A message from the server (live, sync, history or a change); false when already known.
 * A known message takes the state of a higher version, never of an equal or lower one. */
export function addMessage(s, m, source) {
  const msg = fromWire(s, m);
  const conv = conversationOf(s, msg.peer);
  const known = conv.messages.get(msg.id);
  if (known) {
    let changed = false;
    if (known.mine && m.read === true && known.state !== 'read') {
      known.state = 'read';
      changed = true;
    }
    if (msg.version > known.version) {
      Object.assign(known, stateOf(m));
      changed = true;
      onChanged(s, conv, known);
    }
    if (changed) renderRow(s, known);
    return false;
  }
  conv.messages.set(msg.id, msg);
  if (msg.mine && m.read === true) noteRead(s, msg.peer, msg.id);
  const open = s.current === msg.peer;
  if (open) renderRow(s, msg, source !== 'history' && source !== 'update');
  if (source !== 'history') touchConversation(s, conv, msg);
  if (open) renderQuotesOf(s, conv, msg.id);
  if (!msg.mine && source === 'live') {
    hideTyping(s, msg.peer);
    if (open && document.visibilityState === 'visible') markReadSoon(s, conv);
    else {
      conv.unread += 1;
      renderBadge(s, conv);
      // The inbox request out may answer without this one: it is asked for again after.
      if (s.inboxFetching) s.inboxStale = true;
    }
  }
  return true;
}

/** A shown message changed: its preview in the list, the quotes of it, the composer. */
function onChanged(s, conv, msg) {
  if (msg.id === conv.lastId) {
    conv.lastText = previewText(msg);
    renderList(s);
  }
  renderQuotesOf(s, conv, msg.id);
  if (s.composing && s.composing.msg === msg && msg.deleted) {
    if (s.composing.mode === 'edit') $('composer-text').value = '';
    cancelComposing(s);
    showBanner('The message you were answering or editing was deleted.');
  }
  if (openMenu && openMenu.msg === msg) closeMenu();
}

function syncFailed(s) {
  s.syncing = false;
  // Without a catch-up, at least the open conversation's newest page and the badges are fresh.
  refreshInbox(s);
  if (s.current) loadNewest(s, conversationOf(s, s.current));
}

export function failMessage(s, msg, err) {
  s.outbox.delete(msg.clientMsgId);
  conversationOf(s, msg.peer).failed.push(msg);
  msg.state = 'failed';
  msg.error = errorText(err);
  renderRow(s, msg);
}

function onTyping(s, frame) {
  if (typeof frame.sender_id !== 'string') return;
  const peer = frame.sender_id;
  if (s.current !== peer) return;
  const typing = $('typing');
  typing.textContent = `${peer} is typing…`;
  typing.hidden = false;
  typing.dataset.peer = peer;
  clearTimeout(s.typingTimer);
  s.typingTimer = setTimeout(() => hideTyping(s, peer), TYPING_SHOW_MS);
}

export function hideTyping(s, peer) {
  const typing = $('typing');
  if (peer && typing.dataset.peer !== peer) return;
  clearTimeout(s.typingTimer);
  typing.hidden = true;
  typing.textContent = '';
  delete typing.dataset.peer;
}

function onRead(s, frame) {
  if (typeof frame.reader_id !== 'string' || typeof frame.up_to !== 'string') return;
  noteRead(s, frame.reader_id, frame.up_to);
}

/** `peer` has read my messages up to `upTo`: their ticks turn to read ticks. */
function noteRead(s, peer, upTo) {
  const before = s.readUpTo.get(peer);
  if (before && before >= upTo) return;
  s.readUpTo.set(peer, upTo);
  const conv = s.conversations.get(peer);
  if (!conv) return;
  for (const msg of conv.messages.values()) {
    if (msg.mine && msg.state === 'sent' && msg.id <= upTo) {
      msg.state = 'read';
      renderRow(s, msg);
    }
  }
}
function signIn(library, me, role, token) {
  const client = new library.ChatClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    httpUrl: location.origin,
    ...(token ? { token } : { clientId: me, role }),
    maxAttempts: 20,
  });
  setSession(newSession(me, role, token, client));
  const s = session;
  s.lib = library;
  listen(s);
  try {
    localStorage.setItem('chat:last-signin', JSON.stringify({ me: token ? '' : me, role }));
  } catch (_) {
    // Not remembered.
  }
  $('signin').hidden = true;
  $('app').hidden = false;
  $('me-id').textContent = me;
  $('me-role').textContent = role === 'admin' ? 'administrator' : 'user';
  $('conversations').replaceChildren();
  $('conversation').hidden = true;
  $('no-conversation').hidden = false;
  renderList(s);
  client.connect().catch(() => {
    // Signed out before it connected.
  });
  refreshInbox(s);
}

function signOut() {
  const s = session;
  if (!s) return;
  setSession(null);
  s.client.close();
  $('app').hidden = true;
  $('signin').hidden = false;
  document.title = 'Chat';
}

// ---------------------------------------------------------------- wiring

function wire() {
  try {
    const last = JSON.parse(localStorage.getItem('chat:last-signin') || 'null');
    if (last && typeof last.me === 'string') $('signin-id').value = last.me;
    if (last && last.role === 'admin') document.querySelector('input[value=admin]').checked = true;
  } catch (_) {
    // Nothing remembered.
  }

  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('signin-error');
    error.textContent = '';
    let library;
    try {
      library = await lib;
    } catch (err) {
      error.textContent = `The client library did not load: ${err.message}`;
      return;
    }
    if (session) return; // a second click while the library loaded
    const token = $('signin-token').value.trim();
    if (token) {
      try {
        const { clientId, role } = library.tokenClaims(token);
        signIn(library, clientId, role, token);
      } catch (err) {
        error.textContent = `Token: ${err.message}`;
      }
      return;
    }
    const me = $('signin-id').value.trim();
    if (!ID_RE.test(me)) {
      error.textContent = 'Client id: 1–128 letters, digits or _ - . : @ |';
      return;
    }
    const role = document.querySelector('input[name=role]:checked').value;
    signIn(library, me, role === 'admin' ? 'admin' : 'user', null);
  });
  wireAttachments();
  wirePrivacy();

  $('signout').addEventListener('click', signOut);
  $('banner').addEventListener('click', () => {
    $('banner').hidden = true;
  });

  $('new-conversation').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('new-peer');
    const peer = input.value.trim();
    if (!session) return;
    if (!ID_RE.test(peer) || peer === session.me) {
      showBanner('Peer id: 1–128 letters, digits or _ - . : @ |, not yourself');
      return;
    }
    input.value = '';
    openConversation(session, peer);
  });

  const composer = $('composer-text');
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const s = session;
    const text = composer.value;
    const c = s && s.composing;
    // An edit changes the text only; a send takes the uploaded files (and may have no text).
    const files = !s || (c && c.mode === 'edit') ? [] : composedFiles(s);
    if (!s || files === null || (!text.trim() && files.length === 0)) return;
    if (c && c.mode === 'edit') {
      if (text !== c.msg.text) editMessage(s, c.msg, text);
    } else if (sendMessage(s, text.trim() ? text : '', c && c.mode === 'reply' ? c.msg : null, files)) {
      clearUploads(s);
    }
    cancelComposing(s);
    composer.value = '';
  });
  $('composer-context-cancel').addEventListener('click', () => {
    const s = session;
    if (!s) return;
    if (s.composing && s.composing.mode === 'edit') composer.value = '';
    cancelComposing(s);
    composer.focus();
  });
  document.addEventListener('click', closeMenu);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeMenu();
  });
  composer.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && session && session.composing) {
      if (session.composing.mode === 'edit') composer.value = '';
      cancelComposing(session);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  composer.addEventListener('input', () => {
    // The library throttles typing frames (one per peer every 2 s).
    if (session && session.current && composer.value.trim()) session.client.typing(session.current);
  });

  $('scroller').addEventListener('scroll', () => {
    const s = session;
    if (s && s.current && $('scroller').scrollTop < 60) loadHistory(s, conversationOf(s, s.current));
  });

  document.addEventListener('visibilitychange', () => {
    const s = session;
    if (!s || document.visibilityState !== 'visible' || !s.current) return;
    const conv = conversationOf(s, s.current);
    if (conv.unread > 0) markRead(s, conv);
  });
}

// Hooks for tests and for trying reconnects by hand.
window.chatDebug = {
  /** Closes the socket as a network drop would; reconnects after `holdMs` at the earliest. */
  dropConnection(holdMs = 0) {
    if (session) session.client.dropConnection({ holdMs });
  },
  /** Ends a hold set by dropConnection and reconnects now. */
  reconnectNow() {
    if (session) session.client.reconnectNow();
  },
  state() {
    const s = session;
    if (!s) return null;
    return {
      me: s.me,
      connected: s.client.state === 'online',
      nextSince: s.client.cursor,
      syncReplies: s.client.stats.syncPages,
      syncedIds: [...s.syncedIds],
      resent: s.client.stats.resent,
      connects: s.client.stats.connects,
      pending: s.client.pending,
    };
  },
};

wire();
