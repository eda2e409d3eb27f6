// The chat's browser client: plain JavaScript, no framework, no build step, nothing fetched
// from anywhere but this origin. The connection, catch-up, sends and the HTTP API are the client
// library's (clients/js, served by chat-local at /lib/ and loaded as an ES module); this file
// keeps the page's state and renders it: conversations (the inbox, GET /chat/conversations),
// messages with their changes (edits, deletions, reactions, replies: each message is shown in
// its highest version), a menu on each message and the composer. Text that comes from the network is only ever put into
// the page with textContent / createTextNode, never parsed as HTML, so a message is always shown
// as the text it is.
'use strict';

(() => {
  const ID_RE = /^[A-Za-z0-9_.:@|-]{1,128}$/;
  const HISTORY_PAGE = 20;
  const TYPING_SHOW_MS = 3000;
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'];
  const EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;
  const DELETED_TEXT = 'This message was deleted';
  const PREVIEW_CHARS = 100;
  const INBOX_PAGE = 50;
  const INBOX_MAX_PAGES = 20;
  // The library, as an ES module from this origin (this script stays a classic one).
  const lib = import('/lib/index.js');

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  /** The signed-in client; null when signed out. */
  let session = null;

  // ---------------------------------------------------------------- stored conversation list

  // The library keeps the catch-up cursor (`chat-client:{id}`); the page keeps its list here.
  const storageKey = (me) => `chat:${me}`;

  function loadStored(me) {
    try {
      const stored = JSON.parse(localStorage.getItem(storageKey(me)) || 'null');
      if (stored && Array.isArray(stored.peers)) return stored;
    } catch (_) {
      // Unreadable storage: the list comes back from the catch-up.
    }
    return null;
  }

  function saveStored(s) {
    const peers = [...s.conversations.values()]
      .filter((c) => c.lastId)
      .map((c) => ({ peer: c.peer, last_id: c.lastId }));
    try {
      localStorage.setItem(storageKey(s.me), JSON.stringify({ peers }));
    } catch (_) {
      // Storage full or disabled: the list comes back from the next catch-up.
    }
  }

  /** A time (now by default) as the time prefix of a message id, so conversations sort by
   * activity among message ids. */
  function idFor(ms = Date.now()) {
    let t = ms;
    let out = '';
    for (let i = 0; i < 10; i += 1) {
      out = CROCKFORD[t % 32] + out;
      t = Math.floor(t / 32);
    }
    return out;
  }

  const errorText = (err) => `${err.code || 'error'}: ${err.message}`;
  const maxKey = (a, b) => (a > b ? a : b);

  /** At most PREVIEW_CHARS characters then `…`, as the server's reply previews. */
  function truncate(text) {
    const chars = Array.from(text || '');
    return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS).join('')}…` : chars.join('');
  }

  const previewText = (msg) => (msg.deleted ? DELETED_TEXT : msg.text);

  // ---------------------------------------------------------------- model

  function newSession(me, role, token, client) {
    const stored = loadStored(me);
    const s = {
      me,
      role,
      token,
      client,
      conversations: new Map(), // peer -> conversation
      current: null,
      outbox: new Map(), // client_msg_id -> my message not acknowledged yet
      readUpTo: new Map(), // peer -> newest of my message ids that peer has read
      typingTimer: null,
      seq: 0,
      inboxFetching: false,
      inboxStale: false,
      composing: null, // { mode: 'reply' | 'edit', msg } while the composer answers or edits
      syncedIds: new Set(),
    };
    if (stored) {
      for (const p of stored.peers) {
        if (typeof p.peer === 'string' && ID_RE.test(p.peer)) {
          conversationOf(s, p.peer).lastId = typeof p.last_id === 'string' ? p.last_id : '';
        }
      }
    }
    return s;
  }

  function conversationOf(s, peer) {
    let conv = s.conversations.get(peer);
    if (!conv) {
      conv = {
        peer,
        messages: new Map(), // message_id -> message
        failed: [], // my messages the server refused
        unread: 0,
        lastId: '',
        lastText: '',
        activity: idFor(), // sort key: the newest of its message ids and the server's updated_at
        history: 'none', // none | more | done
        pages: null, // the library's history iterator
        loading: false,
        li: null,
      };
      s.conversations.set(peer, conv);
    }
    return conv;
  }

  function fromWire(s, m) {
    const mine = m.sender_id === s.me;
    const peer = mine ? m.receiver_id : m.sender_id;
    return {
      id: m.message_id,
      clientMsgId: null,
      peer,
      mine,
      sender: m.sender_id,
      receiver: m.receiver_id,
      appointment: m.appointment_id,
      service: m.service_id,
      timestamp: m.timestamp,
      state: mine ? (m.read || isReadByPeer(s, peer, m.message_id) ? 'read' : 'sent') : 'received',
      error: null,
      row: null,
      ...stateOf(m),
    };
  }

  /** What changes of a message: its version and what the versions carry. */
  function stateOf(m) {
    const deleted = m.deleted === true;
    return {
      version: Number.isInteger(m.version) && m.version > 0 ? m.version : 1,
      deleted,
      text: deleted ? '' : m.message_text,
      reactions: reactionsOf(m.reactions),
      editedAt: typeof m.edited_at === 'string' ? m.edited_at : null,
      deletedBy: typeof m.deleted_by === 'string' ? m.deleted_by : null,
      replyTo: !deleted && typeof m.reply_to === 'string' ? m.reply_to : null,
      replyPreview: previewOf(m.reply_preview),
    };
  }

  /** `{emoji: [client ids]}` as `[[emoji, ids], …]`, in the server's order; junk dropped. */
  function reactionsOf(value) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value)
      .map(([emoji, ids]) => [emoji, Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : []])
      .filter(([, ids]) => ids.length > 0);
  }

  function previewOf(p) {
    if (!p || typeof p !== 'object' || typeof p.message_id !== 'string') return null;
    return {
      id: p.message_id,
      sender: typeof p.sender_id === 'string' ? p.sender_id : '',
      text: typeof p.preview === 'string' ? p.preview : '',
      edited: p.edited === true,
      deleted: p.deleted === true,
    };
  }

  function isReadByPeer(s, peer, id) {
    const upTo = s.readUpTo.get(peer);
    return Boolean(upTo && id && id <= upTo);
  }

  function validWireMessage(m) {
    return (
      m &&
      typeof m.message_id === 'string' &&
      typeof m.sender_id === 'string' &&
      typeof m.receiver_id === 'string' &&
      typeof m.message_text === 'string'
    );
  }

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

  function onAck(s, msg, ack) {
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
  function addMessage(s, m, source) {
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
        if (s.unreadFetching) s.unreadStale = true;
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

  function failMessage(s, msg, err) {
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

  function hideTyping(s, peer) {
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
  // ---------------------------------------------------------------- HTTP-backed state

  /** The inbox (GET /chat/conversations): the server's conversations, last messages and
   * unread counts replace the live ones. A message that arrives while the request is out may or
   * may not be in its answer, so then the inbox is asked for again. */
  async function refreshInbox(s) {
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
  function markReadSoon(s, conv) {
    clearTimeout(markReadTimer);
    markReadTimer = setTimeout(() => markRead(s, conv), 150);
  }

  async function markRead(s, conv) {
    conv.unread = 0;
    renderBadge(s, conv);
    try {
      await s.client.markRead(conv.peer);
    } catch (err) {
      // 404: nothing exchanged yet, so nothing to mark.
      if (err.status !== 404 && session === s) showBanner(`Marking read: ${err.message}`);
    }
  }

  async function loadHistory(s, conv) {
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
  async function loadNewest(s, conv) {
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

  // ---------------------------------------------------------------- rendering

  const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  function setConnection(state) {
    const node = $('connection');
    node.dataset.state = state;
    node.textContent = { open: 'online', connecting: 'connecting…', closed: 'offline' }[state];
  }

  let bannerTimer = null;
  function showBanner(text) {
    const banner = $('banner');
    banner.textContent = text;
    banner.hidden = false;
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(() => {
      banner.hidden = true;
    }, 8000);
  }

  function touchConversation(s, conv, msg) {
    if (msg.id && msg.id >= conv.lastId) {
      conv.lastId = msg.id;
      conv.lastText = previewText(msg);
    }
    renderList(s);
  }

  function renderList(s) {
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

  function renderBadge(s, conv) {
    if (!conv.li) return;
    const badge = conv.li.querySelector('.badge');
    badge.textContent = conv.unread > 99 ? '99+' : String(conv.unread);
    badge.hidden = conv.unread === 0;
    conv.li.dataset.unread = String(conv.unread);
  }

  function openConversation(s, peer) {
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
    $('peer-name').textContent = peer;
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
    $('composer-text').focus();
  }

  /** Sort key of a row: the message id; pending messages after every stored one. */
  const rowKey = (msg) => msg.id || `~${String(msg.seq).padStart(12, '0')}`;

  function renderRow(s, msg, follow = false) {
    if (s.current !== msg.peer) return;
    const list = $('messages');
    const scroller = $('scroller');
    // Measured before the row changes: a row that grows (a reaction, a longer edit) at the
    // bottom keeps the conversation scrolled to the bottom.
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    let row = msg.row && msg.row.parentNode === list ? msg.row : null;
    const changed = Boolean(row);
    if (!row) {
      row = el('li', `msg ${msg.mine ? 'mine' : 'theirs'}`);
      row.dataset.testid = 'message';
      const bubble = el('div', 'bubble');
      const quote = el('button', 'quote');
      quote.type = 'button';
      quote.dataset.testid = 'quote';
      quote.hidden = true;
      quote.append(el('span', 'quote-sender'), el('span', 'quote-text'));
      quote.addEventListener('click', () => jumpTo(s, msg.peer, msg.replyTo));
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
      bubble.append(quote, text, reactions, meta);
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
      return { sender: original.sender, text: original.deleted ? DELETED_TEXT : truncate(original.text), deleted: original.deleted };
    }
    const p = msg.replyPreview;
    if (p) return { sender: p.sender, text: p.deleted ? DELETED_TEXT : p.text, deleted: p.deleted };
    return { sender: '', text: 'an earlier message', deleted: false };
  }

  /** The replies to `id` show its current state. */
  function renderQuotesOf(s, conv, id) {
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

  // ---------------------------------------------------------------- message menu

  let openMenu = null; // { msg, node }

  function toggleMenu(s, msg) {
    const same = openMenu && openMenu.msg === msg;
    closeMenu();
    if (!same) showMenu(s, msg);
  }

  function closeMenu() {
    if (openMenu) openMenu.node.remove();
    openMenu = null;
  }

  const canEdit = (s, msg) =>
    msg.mine && !msg.deleted && Date.now() - Date.parse(msg.timestamp) < EDIT_WINDOW_MS;
  // The author deletes; an administrator deletes any message of its conversations (moderation).
  const canDelete = (s, msg) => !msg.deleted && (msg.mine || s.role === 'admin');

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
    item('Reply', 'menu-reply', () => startComposing(s, 'reply', msg));
    if (canEdit(s, msg)) item('Edit', 'menu-edit', () => startComposing(s, 'edit', msg));
    if (canDelete(s, msg)) item('Delete', 'menu-delete', () => deleteMessage(s, msg));
    menu.addEventListener('click', (event) => event.stopPropagation());
    msg.row.append(menu);
    openMenu = { msg, node: menu };
  }

  function removeRow(msg) {
    if (msg.row) msg.row.remove();
    msg.row = null;
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

  function toggleReaction(s, msg, emoji) {
    const entry = msg.reactions.find(([e]) => e === emoji);
    const mine = Boolean(entry && entry[1].includes(s.me));
    s.client.react(refOf(msg), emoji, { remove: mine }).catch(changeFailed(s, 'Reaction'));
  }

  function deleteMessage(s, msg) {
    s.client.deleteMessage(refOf(msg)).catch(changeFailed(s, 'Delete'));
  }

  function editMessage(s, msg, text) {
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

  function cancelComposing(s) {
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
    $('composer-context-text').textContent = truncate(c.msg.text);
    $('composer-send').textContent = c.mode === 'edit' ? 'Save' : 'Send';
  }

  function sendMessage(s, text, replyTo = null) {
    if (!s.current) return;
    const peer = s.current;
    const appointment = $('appointment-id').value.trim() || 'general';
    const service = $('service-id').value.trim() || 'general';
    if (!ID_RE.test(appointment) || !ID_RE.test(service)) {
      showBanner('Appointment and service ids: 1–128 letters, digits or _ - . : @ |');
      return;
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
  }

  function signIn(library, me, role, token) {
    const client = new library.ChatClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
      httpUrl: location.origin,
      ...(token ? { token } : { clientId: me, role }),
      maxAttempts: 20,
    });
    session = newSession(me, role, token, client);
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
    session = null;
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
      if (!s || !text.trim()) return;
      const c = s.composing;
      if (c && c.mode === 'edit') {
        if (text !== c.msg.text) editMessage(s, c.msg, text);
      } else {
        sendMessage(s, text, c && c.mode === 'reply' ? c.msg : null);
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
})();
