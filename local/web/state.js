// The browser client's state and its small helpers: the constants, the DOM helpers, the
// signed-in session (`session`, set with `setSession`), the conversation list kept in
// localStorage, the model of conversations and messages (messages taken from the wire, each in
// its highest version), the connection indicator and the error banner. Text that comes from the
// network is only ever put into the page with textContent / createTextNode, never parsed as
// HTML, so a message is always shown as the text it is.

export const ID_RE = /^[A-Za-z0-9_.:@|-]{1,128}$/;
export const HISTORY_PAGE = 20;
export const TYPING_SHOW_MS = 3000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'];
export const EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DELETED_TEXT = 'This message was deleted';

/** The sender of system messages (the booking backend's), a conversation of its own. */
export const SYSTEM_ID = 'system';
const PREVIEW_CHARS = 100;
export const INBOX_PAGE = 50;
export const INBOX_MAX_PAGES = 20;

export const $ = (id) => document.getElementById(id);
export const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/** The signed-in client; null when signed out. */
export let session = null;

/** @param {object | null} s */
export function setSession(s) {
  session = s;
}

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

export function saveStored(s) {
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
export function idFor(ms = Date.now()) {
  let t = ms;
  let out = '';
  for (let i = 0; i < 10; i += 1) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

export const errorText = (err) => `${err.code || 'error'}: ${err.message}`;
export const maxKey = (a, b) => (a > b ? a : b);

/** At most PREVIEW_CHARS characters then `…`, as the server's reply previews. */
export function truncate(text) {
  const chars = Array.from(text || '');
  return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS).join('')}…` : chars.join('');
}

export const previewText = (msg) => (msg.deleted ? DELETED_TEXT : msg.text || filesLabel(msg.attachments));

/** The attachments of a message from the wire, with anything malformed left out. */
export function attachmentsOf(value) {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (a) =>
      a &&
      typeof a.attachment_id === 'string' &&
      typeof a.file_name === 'string' &&
      typeof a.content_type === 'string' &&
      Number.isInteger(a.size),
  );
}

/** What the conversation list shows of a message without text: its files. */
export function filesLabel(attachments) {
  if (!attachments || attachments.length === 0) return '';
  return attachments.length === 1 ? `File: ${attachments[0].file_name}` : `${attachments.length} files`;
}

// ---------------------------------------------------------------- model

export function newSession(me, role, token, client) {
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
    uploads: [], // the composer's files: uploading, uploaded (sent with the next message) or failed
    syncedIds: new Set(),
    dataJobs: new Map(), // peer -> 'export' | 'erase' running (privacy.js)
    dataStatus: new Map(), // peer -> the last export's or erasure's status line
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

export function conversationOf(s, peer) {
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

export function fromWire(s, m) {
  const mine = m.sender_id === s.me;
  const peer = mine ? m.receiver_id : m.sender_id;
  return {
    id: m.message_id,
    clientMsgId: null,
    peer,
    mine,
    sender: m.sender_id,
    receiver: m.receiver_id,
    // From the booking backend (`kind: "system"`): shown apart, never answered or changed.
    system: m.kind === 'system' || m.sender_id === SYSTEM_ID,
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
export function stateOf(m) {
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
    attachments: deleted ? [] : attachmentsOf(m.attachments),
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

export function isReadByPeer(s, peer, id) {
  const upTo = s.readUpTo.get(peer);
  return Boolean(upTo && id && id <= upTo);
}

export function validWireMessage(m) {
  return (
    m &&
    typeof m.message_id === 'string' &&
    typeof m.sender_id === 'string' &&
    typeof m.receiver_id === 'string' &&
    typeof m.message_text === 'string'
  );
}

export function setConnection(state) {
  const node = $('connection');
  node.dataset.state = state;
  node.textContent = { open: 'online', connecting: 'connecting…', closed: 'offline' }[state];
}

let bannerTimer = null;
export function showBanner(text) {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = false;
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => {
    banner.hidden = true;
  }, 8000);
}
