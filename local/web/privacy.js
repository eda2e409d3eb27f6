// Data rules (docs/data-rules.md) for administrators: the conversation header's Export and
// Erase for the open conversation's client. Export asks the library for every page of the
// client's export and saves the merged document as a JSON file (a Blob behind an
// <a download>). Erase asks first, in a dialog where the administrator types the client's id
// (Cancel, Escape or a wrong id do nothing), then runs the erasure step by step with its
// progress, shows the final counts, and catches up so that the conversation shows the
// tombstones. The server decides who may; its refusals show on the banner.

import { $, conversationOf, el, errorText, session, showBanner, SYSTEM_ID } from './state.js';
import { loadNewest } from './inbox.js';

/** What each count of an erasure names, in the order shown. */
const COUNTS = [
  ['messages', 'message', 'messages'],
  ['attachments', 'file', 'files'],
  ['connections', 'connection', 'connections'],
  ['read_state', 'inbox entry', 'inbox entries'],
  ['peer_entries', "other party's preview", "other parties' previews"],
  ['claims', 'send key', 'send keys'],
  ['rate_limits', 'rate-limit record', 'rate-limit records'],
  ['profile', 'profile record', 'profile records'],
];

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** A file name for `peer`'s export: the characters file systems take, and the date. */
function fileName(peer, exportedAt) {
  const safe = peer.replace(/[^A-Za-z0-9_.-]/g, '_');
  const day = String(exportedAt || new Date().toISOString()).slice(0, 10);
  return `chat-export-${safe}-${day}.json`;
}

/** The job running for `peer` in this session (`export` or `erase`), if any. */
const jobOf = (s, peer) => s.dataJobs.get(peer) || null;

// ---------------------------------------------------------------- the header and the status

/** The conversation with `peer` is shown: the actions for an administrator (not for the
 * system's conversation), and the status of this peer's last job. */
export function showDataActions(s, peer) {
  const admin = s.role === 'admin' && peer !== SYSTEM_ID;
  $('data-actions').hidden = !admin;
  const busy = Boolean(jobOf(s, peer));
  $('export-client').disabled = busy;
  $('erase-client').disabled = busy;
  const status = $('data-status');
  const last = s.dataStatus.get(peer);
  status.hidden = !admin || !last;
  if (admin && last) renderStatus(last);
}

/** The status line under the header: `state` (exporting, exported, erasing, erased, failed),
 * a text, and an erasure's counts. Kept per peer, shown while that conversation is open. */
function setStatus(s, peer, state, text, counts = null) {
  const status = { peer, state, text, counts };
  s.dataStatus.set(peer, status);
  if (session === s && s.current === peer) {
    renderStatus(status);
    $('data-status').hidden = false;
  }
}

function renderStatus({ peer, state, text, counts }) {
  const node = $('data-status');
  node.dataset.state = state;
  node.dataset.peer = peer;
  const body = el('span', 'data-status-text', text);
  body.dataset.testid = 'data-status-text';
  const parts = [body];
  if (counts) {
    const list = el('ul', 'data-counts');
    list.dataset.testid = 'data-counts';
    for (const [key, one, many] of COUNTS) {
      const n = Number.isInteger(counts[key]) ? counts[key] : 0;
      const item = el('li', 'data-count', plural(n, one, many));
      item.dataset.count = key;
      item.dataset.value = String(n);
      list.append(item);
    }
    parts.push(list);
  }
  node.replaceChildren(...parts);
}

/** Runs `job` for `peer` (one at a time per peer), with the buttons disabled meanwhile. */
async function running(s, peer, kind, job) {
  if (jobOf(s, peer)) return;
  s.dataJobs.set(peer, kind);
  if (s.current === peer) showDataActions(s, peer);
  try {
    await job();
  } finally {
    s.dataJobs.delete(peer);
    if (session === s && s.current === peer) showDataActions(s, peer);
  }
}

// ---------------------------------------------------------------- export

/** Every page of `peer`'s export, merged by the library, saved as a JSON file. */
function exportClient(s, peer) {
  return running(s, peer, 'export', async () => {
    setStatus(s, peer, 'exporting', `Exporting ${peer}…`);
    let doc;
    try {
      doc = await s.client.exportAll(peer, {
        onPage: (page, { index }) => setStatus(s, peer, 'exporting', `Exporting ${peer}… page ${index + 1}`),
      });
    } catch (err) {
      if (session !== s) return;
      setStatus(s, peer, 'failed', `Export of ${peer} failed: ${errorText(err)}`);
      showBanner(`Export: ${errorText(err)}`);
      return;
    }
    if (session !== s) return;
    const name = fileName(peer, doc.exported_at);
    save(name, JSON.stringify(doc, null, 2));
    const files = doc.attachments.length;
    const summary = `${plural(doc.messages.length, 'message', 'messages')}${files ? `, ${plural(files, 'file', 'files')} (links valid 5 minutes)` : ''}`;
    setStatus(s, peer, 'exported', `Exported ${peer}: ${summary}, saved as ${name}`);
  });
}

/** Offers `text` as a download named `name`. */
function save(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = el('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers read the Blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------------------------------------------------------------- erasure

/** The confirmation dialog, for `peer`: erasing waits until its id is typed. */
function askToErase(s, peer) {
  if (jobOf(s, peer)) return;
  const dialog = $('erase-dialog');
  dialog.dataset.peer = peer;
  $('erase-subject').textContent = peer;
  $('erase-expected').textContent = peer;
  $('erase-confirm').value = '';
  $('erase-submit').disabled = true;
  dialog.showModal();
  $('erase-confirm').focus();
}

/** The dialog was confirmed with the right id: the erasure, step by step, then the tombstones. */
function erase(s, peer) {
  return running(s, peer, 'erase', async () => {
    setStatus(s, peer, 'erasing', `Erasing ${peer}…`);
    let done;
    try {
      done = await s.client.erase(peer, {
        onProgress: (p, { steps }) => {
          if (!p.done) setStatus(s, peer, 'erasing', `Erasing ${peer}… step ${steps}`, p.counts);
        },
      });
    } catch (err) {
      if (session !== s) return;
      setStatus(s, peer, 'failed', `Erasure of ${peer} stopped: ${errorText(err)} (Erase again resumes it)`);
      showBanner(`Erase: ${errorText(err)}`);
      return;
    }
    if (session !== s) return;
    setStatus(s, peer, 'erased', `Erased ${peer}'s data`, done.counts);
    // The tombstones come as changes: a catch-up brings them to every message shown, the
    // newest page again covers a catch-up that failed.
    await s.client.sync().catch(() => {});
    if (session === s) await loadNewest(s, conversationOf(s, peer));
  });
}

// ---------------------------------------------------------------- wiring

export function wirePrivacy() {
  $('export-client').addEventListener('click', () => {
    const s = session;
    if (s && s.current && s.role === 'admin') exportClient(s, s.current);
  });
  $('erase-client').addEventListener('click', () => {
    const s = session;
    if (s && s.current && s.role === 'admin') askToErase(s, s.current);
  });
  const dialog = $('erase-dialog');
  const input = $('erase-confirm');
  const matches = () => input.value === dialog.dataset.peer;
  input.addEventListener('input', () => {
    $('erase-submit').disabled = !matches();
  });
  $('erase-cancel').addEventListener('click', () => dialog.close('cancel'));
  $('erase-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const s = session;
    const peer = dialog.dataset.peer;
    if (!s || !matches()) return;
    dialog.close('erase');
    erase(s, peer);
  });
  dialog.addEventListener('close', () => {
    input.value = '';
    $('erase-submit').disabled = true;
  });
  $('signout').addEventListener('click', () => {
    if (dialog.open) dialog.close('cancel');
  });
}
