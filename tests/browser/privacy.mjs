// An administrator's export and erasure of a client (docs/data-rules.md) in the browser client,
// in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
// tools/node_modules), against a running chat-local — set up as tests/browser/chat.mjs is:
//
//   node tests/browser/privacy.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Against chat-local's development identity (the default); with CHAT_BROWSER_USER_TOKEN and
// CHAT_BROWSER_ADMIN_TOKEN set (chat-local --auth jwt), the two sign in with those tokens.
//
// A user and an administrator chat; the user's page has no Export or Erase, the
// administrator's has both in the conversation's header. Export downloads one JSON file with
// the conversation's messages, both directions. Erase asks first: Cancel, Escape and a wrong
// id erase nothing (no request is made); typing the client's id erases it, the progress ends
// in the counts, and the conversation shows every message as deleted. (The erased user's
// connection is closed by the server; only the administrator's side is checked.)
//
// Every check runs even when an earlier one failed (each waits at most CHECK_MS); the last line
// says how many passed and failed, and the exit code is 1 when any failed. Screenshots go to
// screenshot-dir (default target/browser) as privacy-{user,admin}.png.

import { readFile } from 'node:fs/promises';
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

const { base, shots } = commandLine('privacy.mjs', 120_000);

const userToken = process.env.CHAT_BROWSER_USER_TOKEN;
const adminToken = process.env.CHAT_BROWSER_ADMIN_TOKEN;
const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
const USER = userToken ? subOf(userToken) : 'user-privacy';
const ADMIN = adminToken ? subOf(adminToken) : 'admin-privacy';
const TEXTS = {
  question: 'Please send me everything you hold about me.',
  again: 'And then erase it, please.',
  answer: 'Of course: here is your export.',
};
const DELETED_TEXT = 'This message was deleted';

const browser = await launch();

/** A page of its own (downloads accepted), with its export and erasure requests recorded. */
async function openPage(label) {
  const side = await openRecordedPage(browser, label, {
    contextOptions: { acceptDownloads: true },
    onRequest: (req, record) => {
      if (/\/chat\/(export|erasure)\//.test(req.url())) record.dataRequests.push(`${req.method()} ${req.url()}`);
    },
  });
  side.record.dataRequests = [];
  return side;
}

async function signIn(page, id, role, token) {
  await page.goto(base);
  await signInOpen(page, id, role, token);
}

/** Sends `text` from the open conversation and waits for its ack. */
async function send(page, text) {
  await page.fill('[data-testid=composer-text]', text);
  await page.press('[data-testid=composer-text]', 'Enter');
  await page.waitForFunction((t) => {
    const rows = [...document.querySelectorAll('[data-testid=message]')];
    return rows.some((r) => r.textContent.includes(t) && ['sent', 'read'].includes(r.dataset.state));
  }, text);
}

/** The rows of the open conversation: their texts and whether each is deleted. */
const rows = (page) =>
  page.$$eval('[data-testid=message]', (list) =>
    list.map((r) => ({
      id: r.dataset.messageId,
      text: r.querySelector('[data-testid=message-text]').textContent,
      deleted: r.dataset.deleted === 'true',
    })),
  );

/** The status line under the header, once its state is `state`. */
async function statusOnce(page, state) {
  await page.waitForSelector(`[data-testid=data-status][data-state=${state}]`);
  return page.textContent('[data-testid=data-status]');
}

const dialogOpen = (page) => page.$eval('[data-testid=erase-dialog]', (d) => d.open);

async function privacyScenario() {
  const user = await openPage('user');
  const admin = await openPage('admin');
  try {
    await check('a user and an administrator chat', async () => {
      await signIn(user.page, USER, 'user', userToken);
      await signIn(admin.page, ADMIN, 'admin', adminToken);
      await openConversationWith(user.page, ADMIN);
      await send(user.page, TEXTS.question);
      await send(user.page, TEXTS.again);
      await item(admin.page, USER).locator('button').click();
      await admin.page.waitForFunction(
        (t) => [...document.querySelectorAll('[data-testid=message]')].some((r) => r.textContent.includes(t)),
        TEXTS.again,
      );
      await send(admin.page, TEXTS.answer);
    });

    await check('the user has no Export or Erase; the administrator has both', async () => {
      assert(await user.page.isHidden('[data-testid=data-actions]'), "the user's header has no data actions");
      assert(await admin.page.isVisible('[data-testid=export-client]'), 'Export');
      assert(await admin.page.isVisible('[data-testid=erase-client]'), 'Erase');
      assert(await admin.page.isHidden('[data-testid=data-status]'), 'no status yet');
    });

    await check('Export downloads one JSON file with the messages of both directions', async () => {
      const [download] = await Promise.all([
        admin.page.waitForEvent('download'),
        admin.page.click('[data-testid=export-client]'),
      ]);
      assert(download.suggestedFilename().startsWith(`chat-export-${USER}-`), `file ${download.suggestedFilename()}`);
      assert(download.suggestedFilename().endsWith('.json'), `file ${download.suggestedFilename()}`);
      const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
      assert(exported.format === 'chat-export/1', `format ${exported.format}`);
      assert(exported.client_id === USER, `client_id ${exported.client_id}`);
      assert(!('next_cursor' in exported), 'one merged document');
      assert(exported.profile && exported.profile.role === 'user', `profile ${JSON.stringify(exported.profile)}`);
      const texts = exported.messages.map((m) => `${m.sender_id}: ${m.message_text}`);
      const expected = [`${USER}: ${TEXTS.question}`, `${USER}: ${TEXTS.again}`, `${ADMIN}: ${TEXTS.answer}`];
      assert(JSON.stringify(texts) === JSON.stringify(expected), `messages: ${JSON.stringify(texts)}`);
      const status = await statusOnce(admin.page, 'exported');
      assert(status.includes('3 messages'), `status: ${status}`);
      assert(admin.record.dataRequests.every((r) => r.startsWith('GET ') && r.includes(`/chat/export/${USER}`)), `${admin.record.dataRequests}`);
    });

    await check('Erase asks first: Cancel, Escape and a wrong id erase nothing', async () => {
      const before = await rows(admin.page);
      await admin.page.click('[data-testid=erase-client]');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'visible' });
      assert((await admin.page.textContent('[data-testid=erase-subject]')) === USER, 'the dialog names the client');
      assert(await admin.page.isDisabled('[data-testid=erase-submit]'), 'Erase is disabled until the id is typed');
      await admin.page.fill('[data-testid=erase-confirm]', `${USER}x`);
      assert(await admin.page.isDisabled('[data-testid=erase-submit]'), 'a wrong id keeps it disabled');
      await admin.page.press('[data-testid=erase-confirm]', 'Enter');
      assert(await dialogOpen(admin.page), 'Enter with a wrong id does not erase');
      await admin.page.click('[data-testid=erase-cancel]');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'hidden' });
      await admin.page.click('[data-testid=erase-client]');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'visible' });
      assert((await admin.page.inputValue('[data-testid=erase-confirm]')) === '', 'the dialog starts empty');
      await admin.page.keyboard.press('Escape');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'hidden' });
      await admin.page.waitForTimeout(300); // what a click on Cancel could have started
      assert(!admin.record.dataRequests.some((r) => r.includes('/chat/erasure/')), `requests: ${admin.record.dataRequests}`);
      assert(JSON.stringify(await rows(admin.page)) === JSON.stringify(before), 'the conversation is unchanged');
      assert((await admin.page.getAttribute('[data-testid=data-status]', 'data-state')) === 'exported', 'the status is unchanged');
    });

    await check("Erase with the client's id: the progress ends in the counts", async () => {
      await admin.page.click('[data-testid=erase-client]');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'visible' });
      await admin.page.fill('[data-testid=erase-confirm]', USER);
      assert(await admin.page.isEnabled('[data-testid=erase-submit]'), 'Erase is enabled');
      await admin.page.click('[data-testid=erase-submit]');
      await admin.page.waitForSelector('[data-testid=erase-dialog]', { state: 'hidden' });
      const status = await statusOnce(admin.page, 'erased');
      assert(status.includes(USER), `status: ${status}`);
      const messages = await admin.page.getAttribute('[data-testid=data-counts] [data-count=messages]', 'data-value');
      assert(messages === '3', `messages erased: ${messages}`);
      const steps = admin.record.dataRequests.filter((r) => r.startsWith('POST ') && r.endsWith(`/chat/erasure/${USER}`));
      assert(steps.length >= 1, `requests: ${admin.record.dataRequests}`);
    });

    await check('the conversation then shows every message as deleted', async () => {
      await admin.page.waitForFunction(() => {
        const list = [...document.querySelectorAll('[data-testid=message]')];
        return list.length === 3 && list.every((r) => r.dataset.deleted === 'true');
      });
      const shown = await rows(admin.page);
      assert(shown.every((r) => r.text === DELETED_TEXT), `rows: ${JSON.stringify(shown)}`);
      assert(!(await admin.page.textContent('[data-testid=messages]')).includes(TEXTS.question), 'no text is left');
      await admin.page.waitForFunction(
        ([peer, text]) => document.querySelector(`[data-testid=conversation][data-peer="${peer}"] .preview`)?.textContent === text,
        [USER, DELETED_TEXT],
      );
    });

    await checkClean([user, admin]);
  } finally {
    await screenshots(shots, [user, admin], 'privacy-');
  }
}

try {
  await privacyScenario();
} finally {
  await browser.close();
}

finish();
