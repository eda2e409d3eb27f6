// Attachments in the browser client (docs/attachments.md), in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core from tools/node_modules), against a running
// chat-local with its local S3 — set up as tests/browser/chat.mjs is:
//
//   node tests/browser/attachments.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Against chat-local's development identity (the default); with CHAT_BROWSER_USER_TOKEN and
// CHAT_BROWSER_ADMIN_TOKEN set (chat-local --auth jwt), the two sign in with those tokens.
//
// A file over 10 MiB and an HTML page are refused in the composer with a visible alert, before
// any request; the user attaches a photo (a PNG made here) and a PDF through the file input,
// both upload with a progress bar, and sends them without text; the administrator sees the
// thumbnail (the image loads) and the PDF's link, and downloads the PDF byte for byte; an HTML
// page named photo.png uploads but its send is refused with attachment_mismatch.
//
// Every check runs even when an earlier one failed (each waits at most CHECK_MS); the last line
// says how many passed and failed, and the exit code is 1 when any failed. Screenshots go to
// screenshot-dir (default target/browser) as attachments-{user,admin}.png.

import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import {
  assert,
  check,
  checkClean,
  commandLine,
  finish,
  item,
  launch,
  openConversationWith,
  openPage as openRecordedPage,
  screenshots,
  signIn as signInOpen,
} from './harness.mjs';

const { base, shots } = commandLine('attachments.mjs', 180_000);

const MAX_BYTES = 10 * 1024 * 1024;
const userToken = process.env.CHAT_BROWSER_USER_TOKEN;
const adminToken = process.env.CHAT_BROWSER_ADMIN_TOKEN;
const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
const USER = userToken ? subOf(userToken) : 'user-files';
const ADMIN = adminToken ? subOf(adminToken) : 'admin-files';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid PNG: `size`×`size` pixels, a diagonal gradient (RGB, 8 bits). */
function png(size = 24) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < size; y += 1) {
    const row = [0];
    for (let x = 0; x < size; x += 1) row.push(37 + x * 6, 99, 235 - y * 6);
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid one-page PDF 1.4, with its cross-reference table. */
function pdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const PHOTO = { name: 'rash.png', mimeType: 'image/png', buffer: png() };
const LETTER = { name: 'referral.pdf', mimeType: 'application/pdf', buffer: pdf() };
const HUGE = { name: 'huge-scan.png', mimeType: 'image/png', buffer: Buffer.alloc(MAX_BYTES + 1) };
const PAGE = { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<p>hi</p>') };
const DISGUISED = {
  name: 'photo.png',
  mimeType: 'image/png',
  buffer: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
};

// ---------------------------------------------------------------------------- the pages

const browser = await launch();

/** A page of its own (downloads accepted), with its upload requests recorded: to the HTTP
 * API's attachment routes, and PUTs to storage. */
async function openPage(label) {
  const side = await openRecordedPage(browser, label, {
    contextOptions: { acceptDownloads: true },
    onRequest: (req, record) => {
      const toStorage = req.method() === 'PUT' && !req.url().startsWith(base);
      if (req.url().includes('/chat/attachments/') || toStorage) record.uploadRequests.push(`${req.method()} ${req.url()}`);
    },
  });
  side.record.uploadRequests = [];
  return side;
}

async function signIn(page, id, role, token) {
  await page.goto(base);
  await signInOpen(page, id, role, token);
}

/** The alert under the composer, once it says `what`. */
async function alertSays(page, what) {
  await page.waitForFunction((w) => {
    const a = document.querySelector('[data-testid=attach-error][role=alert]');
    return a && !a.hidden && a.textContent.includes(w);
  }, what);
  return page.textContent('[data-testid=attach-error]');
}

/** Waits until the tray holds `n` uploads, all uploaded with full progress bars. */
async function uploadsReady(page, n) {
  await page.waitForFunction((n) => {
    const items = [...document.querySelectorAll('[data-testid=upload]')];
    return (
      items.length === n &&
      items.every((i) => {
        const bar = i.querySelector('[data-testid=upload-progress]');
        return i.dataset.state === 'ready' && bar && bar.max > 0 && bar.value === bar.max;
      })
    );
  }, n);
}

/** The newest message row (of `state`s) with attachments; returns its message id. */
async function newestRowWithFiles(page, states) {
  const handle = await page.waitForFunction((states) => {
    const rows = [...document.querySelectorAll('[data-testid=message]')].filter(
      (r) => r.querySelector('[data-testid=attachments]:not([hidden])') && states.includes(r.dataset.state),
    );
    const last = rows[rows.length - 1];
    return last ? last.dataset.messageId || 'pending' : null;
  }, states);
  return handle.jsonValue();
}


const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

async function attachmentsScenario() {
  const user = await openPage('user');
  const admin = await openPage('admin');
  let sentId = null;
  try {
    await check('both sign in and the user opens the conversation', async () => {
      await signIn(admin.page, ADMIN, 'admin', adminToken);
      await signIn(user.page, USER, 'user', userToken);
      await openConversationWith(user.page, ADMIN);
      assert(await user.page.isVisible('[data-testid=attach-button]'), 'the attach button');
      assert(await user.page.isHidden('[data-testid=attach-error]'), 'no alert yet');
    });

    await check('a file over 10 MB is refused with a visible alert, before any request', async () => {
      await user.page.setInputFiles('[data-testid=attach-input]', HUGE);
      const text = await alertSays(user.page, HUGE.name);
      assert(text.includes('is over the 10 MB limit'), `alert: ${text}`);
      assert((await user.page.locator('[data-testid=upload]').count()) === 0, 'nothing in the tray');
      assert(user.record.uploadRequests.length === 0, `requests: ${user.record.uploadRequests}`);
    });

    await check('an HTML page is refused with a visible alert, before any request', async () => {
      await user.page.setInputFiles('[data-testid=attach-input]', PAGE);
      const text = await alertSays(user.page, PAGE.name);
      assert(text.includes('is not an allowed type'), `alert: ${text}`);
      assert((await user.page.locator('[data-testid=upload]').count()) === 0, 'nothing in the tray');
      assert(user.record.uploadRequests.length === 0, `requests: ${user.record.uploadRequests}`);
    });

    await check('a photo and a PDF upload at once, each with its progress bar, and go without text', async () => {
      await user.page.setInputFiles('[data-testid=attach-input]', [PHOTO, LETTER]);
      assert(await user.page.isHidden('[data-testid=attach-error]'), 'the alert went away');
      await uploadsReady(user.page, 2);
      const names = await user.page.$$eval('[data-testid=upload-name]', (n) => n.map((x) => x.textContent));
      assert(JSON.stringify(names) === JSON.stringify([PHOTO.name, LETTER.name]), `tray: ${names}`);
      assert(user.record.uploadRequests.filter((r) => r.startsWith('PUT ')).length === 2, `requests: ${user.record.uploadRequests}`);
      await user.page.click('[data-testid=composer-send]');
      sentId = await newestRowWithFiles(user.page, ['sent', 'read']);
      assert(/^[0-9A-Z]{26}$/.test(sentId), `message id ${sentId}`);
      await user.page.waitForSelector('[data-testid=attach-tray]', { state: 'hidden' });
      const own = user.page.locator(`[data-testid=message][data-message-id="${sentId}"]`);
      await own.locator('[data-testid=attachment-image]').waitFor();
      await own.locator('[data-testid=attachment-link]', { hasText: LETTER.name }).waitFor();
    });

    const theirs = () => admin.page.locator(`[data-testid=message][data-message-id="${sentId}"]`);

    await check('the administrator sees the thumbnail, loaded from storage', async () => {
      await item(admin.page, USER).locator('button').click();
      await theirs().waitFor();
      await admin.page.waitForFunction((id) => {
        const img = document.querySelector(`[data-message-id="${id}"] [data-testid=attachment-image]`);
        return img && img.complete && img.naturalWidth > 0;
      }, sentId);
      const img = theirs().locator('[data-testid=attachment-image]');
      assert((await img.getAttribute('alt')) === PHOTO.name, 'the file name is its alt text');
      const src = await img.getAttribute('src');
      assert(!src.startsWith(base), `the image comes from storage, not the chat: ${src}`);
      const response = await fetch(src);
      assert(response.ok, `GET the thumbnail: ${response.status}`);
      assert(same(await response.arrayBuffer(), PHOTO.buffer), 'the same bytes as uploaded');
    });

    await check("the administrator sees the PDF's link with its name and size, and its bytes are the same", async () => {
      const link = theirs().locator('[data-testid=attachment-link]');
      await link.waitFor();
      const text = await link.textContent();
      assert(text.includes(LETTER.name) && /\d+ (B|KB)/.test(text), `link: ${text}`);
      assert((await link.getAttribute('download')) === LETTER.name, 'download attribute');
      await admin.page.waitForFunction(
        (id) => document.querySelector(`[data-message-id="${id}"] [data-testid=attachment-link]`)?.href,
        sentId,
      );
      const response = await fetch(await link.getAttribute('href'));
      assert(response.ok, `GET the link: ${response.status}`);
      assert(/^attachment/.test(response.headers.get('content-disposition') || ''), 'served as a download');
      assert(same(await response.arrayBuffer(), LETTER.buffer), 'the same bytes as uploaded');
    });

    await check('a click on the link downloads the PDF', async () => {
      const [download] = await Promise.all([
        admin.page.waitForEvent('download'),
        theirs().locator('[data-testid=attachment-link]').click(),
      ]);
      const file = await download.path();
      assert(same(await readFile(file), LETTER.buffer), 'the downloaded file is the uploaded one');
    });

    await check('an HTML page named photo.png uploads, but its send is refused (attachment_mismatch)', async () => {
      await user.page.setInputFiles('[data-testid=attach-input]', DISGUISED);
      await uploadsReady(user.page, 1);
      await user.page.fill('[data-testid=composer-text]', 'is this a photo?');
      await user.page.press('[data-testid=composer-text]', 'Enter');
      await user.page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid=message][data-state=failed]')];
        return rows.some((r) => r.textContent.includes('attachment_mismatch'));
      });
      await user.page.waitForFunction(() =>
        document.querySelector('[data-testid=error]')?.textContent.startsWith('attachment_mismatch:'),
      );
    });

    await checkClean([user, admin]);
  } finally {
    await screenshots(shots, [user, admin], 'attachments-');
  }
}

try {
  await attachmentsScenario();
} finally {
  await browser.close();
}

finish();
