// Attachments (docs/attachments.md) in the browser client: files chosen with the attach button
// or dropped onto the conversation are checked with the library's checkFile (a refused file is
// named in the alert under the composer, with the reason) and uploaded at once, each with its
// progress bar; the send takes the uploaded ones. Messages show their attachments: images as
// thumbnails, anything else as a download link, both with a URL the library asks the HTTP API
// for when the message is shown (and keeps until shortly before it expires). File names come
// from the network: they only ever go into the page as text (textContent, attributes).

import { $, el, errorText, session, showBanner, SYSTEM_ID } from './state.js';

const MAX_FILES = 4;

/** `12 KB`, `3.4 MB`: sizes as people read them. */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- the composer's uploads

let uploadSeq = 0;
/** The session whose uploads the tray shows (signing out ends them). */
let traySession = null;

/** The refusals of the files just chosen (empty: the alert goes away). */
function showProblems(problems) {
  const alert = $('attach-error');
  alert.textContent = problems.join('\n');
  alert.hidden = problems.length === 0;
}

/** Files chosen or dropped: each is checked, and uploaded at once when it may be. */
export function addFiles(s, files) {
  if (!s || !s.current || s.current === SYSTEM_ID) return;
  const problems = [];
  for (const file of files) {
    const problem = s.lib.checkFile(file);
    if (problem) problems.push(problem.message);
    else if (s.uploads.length >= MAX_FILES) problems.push(`"${file.name}": a message carries at most ${MAX_FILES} files`);
    else startUpload(s, file);
  }
  showProblems(problems);
}

function startUpload(s, file) {
  traySession = s;
  uploadSeq += 1;
  const item = {
    key: uploadSeq,
    name: file.name,
    size: file.size,
    state: 'uploading', // uploading | ready | failed
    loaded: 0,
    attachment: null,
    error: null,
    controller: new AbortController(),
    node: null,
  };
  s.uploads.push(item);
  renderUpload(s, item);
  s.client
    .upload(file, {
      signal: item.controller.signal,
      onProgress: ({ loaded }) => {
        item.loaded = loaded;
        renderUpload(s, item);
      },
    })
    .then(
      (attachment) => {
        item.state = 'ready';
        item.loaded = item.size;
        item.attachment = attachment;
        renderUpload(s, item);
      },
      (err) => {
        if (item.controller.signal.aborted || session !== s) return;
        item.state = 'failed';
        item.error = errorText(err);
        renderUpload(s, item);
        showProblems([`"${item.name}" was not uploaded: ${err.message}`]);
      },
    );
}

function removeUpload(s, item) {
  item.controller.abort();
  s.uploads = s.uploads.filter((u) => u !== item);
  if (item.node) item.node.remove();
  $('attach-tray').hidden = s.uploads.length === 0;
}

/** One entry of the tray: name, size, progress bar, and a button that takes it back. */
function renderUpload(s, item) {
  // A progress event may come after the file was taken back.
  if (session !== s || !s.uploads.includes(item)) return;
  const tray = $('attach-tray');
  if (!item.node) {
    const node = el('li', 'upload');
    node.dataset.testid = 'upload';
    const name = el('span', 'upload-name', item.name);
    name.dataset.testid = 'upload-name';
    const progress = el('progress', 'upload-progress');
    progress.dataset.testid = 'upload-progress';
    progress.max = item.size;
    progress.setAttribute('aria-label', `Uploading ${item.name}`);
    const remove = el('button', 'upload-remove', '✕');
    remove.type = 'button';
    remove.dataset.testid = 'upload-remove';
    remove.title = 'Remove';
    remove.setAttribute('aria-label', `Remove ${item.name}`);
    remove.addEventListener('click', () => removeUpload(s, item));
    node.append(name, el('span', 'upload-size', formatSize(item.size)), progress, remove);
    item.node = node;
    tray.append(node);
  }
  item.node.dataset.state = item.state;
  item.node.title = item.error || '';
  item.node.querySelector('progress').value = item.loaded;
  tray.hidden = false;
}

/** What the send takes: the uploaded files; null (and a banner) while some still upload. */
export function composedFiles(s) {
  if (s.uploads.some((u) => u.state === 'uploading')) {
    showBanner('Wait until the files are uploaded, then send.');
    return null;
  }
  return s.uploads.filter((u) => u.state === 'ready').map((u) => u.attachment);
}

/** The files went out with a message (or the session ended): the tray empties. */
export function clearUploads(s) {
  for (const item of s.uploads) item.controller.abort();
  s.uploads = [];
  $('attach-tray').replaceChildren();
  $('attach-tray').hidden = true;
  showProblems([]);
}

// ---------------------------------------------------------------- attachments of messages

/** The attachments of a row: rebuilt only when they change (not on a reaction or a tick),
 * so an image is not asked for again. Before the send is stored (no id yet, or refused) they
 * show as names only: there is no URL for a file that is not attached. */
export function renderAttachments(s, msg, box) {
  const files = msg.deleted ? [] : msg.attachments || [];
  const key = `${msg.id || ''}|${files.map((a) => a.attachment_id).join(',')}`;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren();
  box.hidden = files.length === 0;
  for (const a of files) {
    if (!msg.id) box.append(pending(a));
    else box.append(s.lib.isImage(a.content_type) ? image(s, a) : link(s, a));
  }
}

/** A file of a message not stored (yet, or refused): its name and size. */
function pending(a) {
  const node = el('span', 'attachment attachment-pending');
  node.dataset.testid = 'attachment-pending';
  node.append(el('span', 'attachment-name', a.file_name), el('span', 'attachment-size', formatSize(a.size)));
  return node;
}

/** A thumbnail, opening the image at full size. */
function image(s, a) {
  const open = el('a', 'attachment attachment-open');
  open.dataset.testid = 'attachment-open';
  open.target = '_blank';
  open.rel = 'noopener noreferrer';
  open.title = `${a.file_name} (${formatSize(a.size)})`;
  const img = el('img', 'attachment-image');
  img.dataset.testid = 'attachment-image';
  img.dataset.attachmentId = a.attachment_id;
  img.alt = a.file_name;
  img.decoding = 'async';
  open.append(img);
  let retried = false;
  img.addEventListener('load', () => keepAtBottom(img));
  img.addEventListener('error', () => {
    // An expired URL (a page left open): ask for a new one, once.
    if (retried || !img.getAttribute('src')) return;
    retried = true;
    show(s, a, { fresh: true }, (d) => {
      img.src = d.url;
      open.href = d.url;
    });
  });
  show(s, a, {}, (d) => {
    img.src = d.url;
    open.href = d.url;
  });
  return open;
}

/** A download link with the file's name and size. Its URL is asked for when the message is
 * shown, so a click downloads at once (an `<a download href>` needs its href when clicked);
 * a click on a URL that expired meanwhile asks for a fresh one first. */
function link(s, a) {
  const node = el('a', 'attachment attachment-link');
  node.dataset.testid = 'attachment-link';
  node.dataset.attachmentId = a.attachment_id;
  node.download = a.file_name;
  node.rel = 'noopener noreferrer';
  const kind = a.content_type === 'application/pdf' ? 'pdf' : 'txt';
  const icon = el('span', 'attachment-icon', kind.toUpperCase());
  icon.dataset.kind = kind;
  node.append(icon, el('span', 'attachment-name', a.file_name), el('span', 'attachment-size', formatSize(a.size)));
  let expiresAt = 0;
  let refreshed = false;
  const set = (d) => {
    node.href = d.url;
    expiresAt = Date.parse(d.expires_at) || Date.now() + 60_000;
  };
  show(s, a, {}, set);
  node.addEventListener('click', (event) => {
    // The click made after a fresh URL came goes through whatever the clocks say.
    if (refreshed || (node.href && Date.now() < expiresAt - 10_000)) {
      refreshed = false;
      return;
    }
    event.preventDefault();
    show(s, a, { fresh: true }, (d) => {
      set(d);
      refreshed = true;
      node.click();
    });
  });
  return node;
}

/** The download URL of `a`, handed to `use`; a refusal shows on the banner. */
function show(s, a, options, use) {
  s.client.download(a.attachment_id, options).then(
    (d) => {
      if (session === s) use(d);
    },
    (err) => {
      if (session === s) showBanner(`${a.file_name}: ${errorText(err)}`);
    },
  );
}

/** An image that loaded grew its row: a conversation scrolled to the bottom stays there. */
function keepAtBottom(img) {
  const scroller = $('scroller');
  const gap = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  if (gap < 40 + img.offsetHeight) scroller.scrollTop = scroller.scrollHeight;
}

// ---------------------------------------------------------------- wiring

export function wireAttachments() {
  const input = $('attach-input');
  $('attach-button').addEventListener('click', () => {
    if (session && session.lib) input.accept = session.lib.ACCEPT;
    input.click();
  });
  input.addEventListener('change', () => {
    addFiles(session, [...input.files]);
    input.value = '';
  });
  const pane = $('conversation');
  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  pane.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = session && session.current !== SYSTEM_ID ? 'copy' : 'none';
    pane.classList.add('dropping');
  });
  pane.addEventListener('dragleave', (event) => {
    if (!pane.contains(event.relatedTarget)) pane.classList.remove('dropping');
  });
  pane.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    pane.classList.remove('dropping');
    addFiles(session, [...event.dataTransfer.files]);
  });
  $('signout').addEventListener('click', () => {
    if (traySession) clearUploads(traySession);
    traySession = null;
  });
}
