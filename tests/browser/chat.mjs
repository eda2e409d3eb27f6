// The browser client end to end, in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tools/node_modules): a user and an administrator in two browser contexts
// chat through a running chat-local.
//
//   node tests/browser/chat.mjs http://127.0.0.1:PORT [screenshot-dir]
//
// Against chat-local's development identity (the default). With CHAT_BROWSER_USER_TOKEN and
// CHAT_BROWSER_ADMIN_TOKEN set (chat-local --auth jwt), the token scenario runs instead: sign-in
// with a token, the WebSocket's ?token= and the HTTP API's Authorization: Bearer.
//
// Then the changes: the user edits a message and deletes one, both react, the administrator
// replies with a quote, and a second device of the user that was offline meanwhile shows the
// same conversation once it reconnects (texts, tombstone, reactions, quote).
//
// Then a system message (posted by tests/tests/browser.rs as the booking backend, before the
// browser starts) in its own conversation: marked as an appointment update, no reply, edit or
// delete in its menu, and no composer there.
//
// Every check runs even when an earlier one failed (each waits at most CHECK_MS); the last line
// says how many passed and failed, and the exit code is 1 when any failed. Screenshots of both
// views go to screenshot-dir (default target/browser); with CHAT_BROWSER_DOCS=1 they are also
// copied to docs/img/browser-{user,admin}.png.

import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CHECK_MS,
  assert,
  check,
  commandLine,
  finish,
  item,
  launch,
  openConversationWith,
  openPage as openRecordedPage,
  root,
  screenshots as takeScreenshots,
  signIn,
} from './harness.mjs';

const { base, shots } = commandLine('chat.mjs', 240_000);

const USER = 'user-bob';
const ADMIN = 'admin-ana';
const HISTORY_ADMIN = 'admin-history';
const HISTORY_COUNT = 45;
const XSS = '<img src=x onerror=alert(1)>';

const browser = await launch();

/** A page of its own, with its history requests recorded too. */
async function openPage(label) {
  const side = await openRecordedPage(browser, label, {
    onRequest: (req, record) => {
      if (req.url().includes('/chat/history/')) record.historyRequests.push(req.url());
    },
  });
  side.record.historyRequests = [];
  return side;
}

const row = (page, text) =>
  page.locator('[data-testid=message]', {
    has: page.locator('[data-testid=message-text]', { hasText: text }),
  });
const badge = (page, peer) => item(page, peer).locator('[data-testid=unread-badge]');

async function send(page, text) {
  await page.fill('[data-testid=composer-text]', text);
  await page.press('[data-testid=composer-text]', 'Enter');
}

/** Waits until the newest row with exactly `text` has one of `states`; returns its message id. */
async function waitForState(page, text, states) {
  const handle = await page.waitForFunction(
    ([t, s]) => {
      const rows = [...document.querySelectorAll('[data-testid=message]')].filter(
        (r) => r.querySelector('[data-testid=message-text]')?.textContent === t,
      );
      const last = rows[rows.length - 1];
      return last && s.includes(last.dataset.state) ? last.dataset.messageId || 'pending' : null;
    },
    [text, states],
  );
  return handle.jsonValue();
}

const rowsWithText = (page, text) =>
  page.evaluate(
    (t) =>
      [...document.querySelectorAll('[data-testid=message-text]')].filter((n) => n.textContent === t)
        .length,
    text,
  );

/** A raw WebSocket from `page` (same origin, so the CSP allows it) sending `texts` as
 * `from`, one at a time, each waiting for its ack (past the rate limit's burst, it waits and
 * sends again). */
function writeAs(page, from, role, to, texts) {
  return page.evaluate(
    async ([from, role, to, texts]) => {
      const ws = new WebSocket(`ws://${location.host}/ws/${from}?role=${role}`);
      await new Promise((ok, fail) => {
        ws.onopen = ok;
        ws.onerror = () => fail(new Error('the WebSocket did not open'));
      });
      for (let i = 0; i < texts.length; ) {
        const reply = new Promise((ok) => {
          ws.onmessage = (e) => ok(JSON.parse(e.data));
        });
        ws.send(
          JSON.stringify({
            receiver_id: to,
            appointment_id: 'appointment789',
            service_id: 'service123',
            message_text: texts[i],
          }),
        );
        const frame = await reply;
        if (frame.type === 'ack') i += 1;
        else if (frame.code === 'rate_limited') await new Promise((ok) => setTimeout(ok, 150));
        else throw new Error(`writing as ${from}: ${JSON.stringify(frame)}`);
      }
      ws.close();
    },
    [from, role, to, texts],
  );
}

const DELETED_TEXT = 'This message was deleted';

/** What a message row shows: text, tombstone, edited marker, reactions, quote. */
const rowState = (page, id) =>
  page.evaluate((id) => {
    const r = document.querySelector(`[data-testid=message][data-message-id="${id}"]`);
    if (!r) return null;
    const quote = r.querySelector('[data-testid=quote]');
    return {
      text: r.querySelector('[data-testid=message-text]').textContent,
      deleted: r.dataset.deleted === 'true',
      edited: !r.querySelector('[data-testid=edited]').hidden,
      // Sorted: the order of the emoji is the server's, not part of the check.
      reactions: [...r.querySelectorAll('[data-testid=reaction]')]
        .map((c) => `${c.dataset.emoji}${c.querySelector('.count').textContent}`)
        .sort(),
      quote: quote.hidden ? null : quote.querySelector('.quote-text').textContent,
      actions: !r.querySelector('[data-testid=message-actions]').hidden,
    };
  }, id);

/** Waits until the row of `id` shows every field of `want`; fails with what it shows. */
async function waitForRow(page, id, want) {
  const deadline = Date.now() + CHECK_MS;
  let state = null;
  for (;;) {
    state = await rowState(page, id);
    if (state && Object.entries(want).every(([k, v]) => JSON.stringify(state[k]) === JSON.stringify(v))) return state;
    if (Date.now() > deadline) {
      throw new Error(`row ${id}: wanted ${JSON.stringify(want)}, shows ${JSON.stringify(state)}`);
    }
    await page.waitForTimeout(50);
  }
}

/** Opens the menu of message `id`; returns the menu's locator. */
async function openMenu(page, id) {
  const r = page.locator(`[data-testid=message][data-message-id="${id}"]`);
  await r.locator('[data-testid=message-actions]').click();
  const menu = r.locator('[data-testid=message-menu]');
  await menu.waitFor();
  return menu;
}

const menuItems = (menu) =>
  menu.locator('[role=menuitem]').evaluateAll((nodes) => nodes.map((n) => n.dataset.testid));

async function react(page, id, emoji) {
  const menu = await openMenu(page, id);
  await menu.locator(`[data-testid=quick-reaction][data-emoji="${emoji}"]`).click();
}

async function screenshots(sides) {
  const files = await takeScreenshots(shots, sides);
  if (process.env.CHAT_BROWSER_DOCS !== '1') return;
  for (const [i, side] of sides.entries()) {
    const docs = path.join(root, 'docs/img', `browser-${side.record.label}.png`);
    await copyFile(files[i], docs);
    console.log(`copied to ${docs}`);
  }
}

async function conversationScenario() {
  const user = await openPage('user');
  const admin = await openPage('admin');

  try {
    await check('the page is served with its Content-Security-Policy and security headers', async () => {
      for (const { page } of [admin, user]) {
        const response = await page.goto(base);
        const headers = response.headers();
        assert(response.status() === 200, `GET / answered ${response.status()}`);
        assert(
          headers['content-security-policy']?.includes("script-src 'self'"),
          `CSP: ${headers['content-security-policy']}`,
        );
        assert(headers['x-content-type-options'] === 'nosniff', 'X-Content-Type-Options');
        assert(headers['referrer-policy'] === 'no-referrer', 'Referrer-Policy');
        await page.waitForSelector('[data-testid=signin]');
      }
    });

    await check('both sign in with the development identity and connect', async () => {
      await signIn(admin.page, ADMIN, 'admin');
      await signIn(user.page, USER, 'user');
      assert((await admin.page.textContent('[data-testid=me]')) === ADMIN, 'admin name shown');
    });

    await check(`${HISTORY_COUNT} messages from another administrator count up one unread badge`, async () => {
      const texts = Array.from({ length: HISTORY_COUNT }, (_, i) => `history ${i + 1}`);
      await writeAs(admin.page, HISTORY_ADMIN, 'admin', USER, texts);
      // The user signed in before these were written: they arrive live, one increment each.
      await badge(user.page, HISTORY_ADMIN).waitFor({ state: 'visible' });
      await user.page.waitForFunction(
        ([peer, n]) =>
          document.querySelector(`[data-testid=conversation][data-peer="${peer}"] [data-testid=unread-badge]`)
            ?.textContent === String(n),
        [HISTORY_ADMIN, HISTORY_COUNT],
      );
    });

    let hello = null;
    const HELLO = 'Hello, I need help with my appointment';
    await check('a user starts a conversation, sends, and the ack gives one tick', async () => {
      await openConversationWith(user.page, ADMIN);
      await send(user.page, HELLO);
      hello = await waitForState(user.page, HELLO, ['sent', 'read']);
      assert(/^[0-9A-Z]{26}$/.test(hello), `message id ${hello}`);
    });

    await check("the unread badge appears on the administrator's conversation list", async () => {
      await badge(admin.page, USER).waitFor({ state: 'visible' });
      assert((await badge(admin.page, USER).textContent()) === '1', 'badge says 1');
    });

    await check('opening the conversation clears the badge and shows the message', async () => {
      await item(admin.page, USER).locator('button').click();
      await row(admin.page, HELLO).waitFor({ state: 'visible' });
      await badge(admin.page, USER).waitFor({ state: 'hidden' });
    });

    await check("the read tick appears on the sender's side", async () => {
      await user.page.waitForSelector(`[data-testid=message][data-message-id="${hello}"][data-state=read]`);
    });

    await check('the typing indicator shows while the administrator types', async () => {
      await admin.page.click('[data-testid=composer-text]');
      await admin.page.keyboard.type('On it, one moment', { delay: 20 });
      await user.page.waitForFunction(
        (who) => {
          const t = document.querySelector('[data-testid=typing]');
          return t && !t.hidden && t.textContent.includes(`${who} is typing`);
        },
        ADMIN,
      );
    });

    await check('the reply arrives live in the open conversation', async () => {
      await admin.page.press('[data-testid=composer-text]', 'Enter');
      await row(user.page, 'On it, one moment').waitFor({ state: 'visible' });
      await user.page.waitForSelector('[data-testid=typing]', { state: 'hidden' });
    });

    await check('read where it arrived, the reply gets its read tick at the administrator', async () => {
      await waitForState(admin.page, 'On it, one moment', ['read']);
    });

    await check('a message made of HTML shows as literal text and runs nothing', async () => {
      await send(user.page, XSS);
      await waitForState(user.page, XSS, ['sent', 'read']);
      await row(admin.page, XSS).waitFor({ state: 'visible' });
      await admin.page.waitForTimeout(500); // an onerror handler would have run by now
      for (const side of [user, admin]) {
        const texts = await side.page.$$eval('[data-testid=message-text]', (nodes) =>
          nodes.map((n) => n.textContent),
        );
        assert(texts.includes(XSS), `${side.record.label}: the literal text is shown`);
        const images = await side.page.evaluate(() => document.querySelectorAll('img').length);
        assert(images === 0, `${side.record.label}: ${images} <img> element(s) in the page`);
        assert(side.record.dialogs.length === 0, `${side.record.label}: dialogs ${side.record.dialogs}`);
      }
      const preview = await item(admin.page, USER).locator('.preview').textContent();
      assert(preview === XSS, `the list preview is the literal text too: ${preview}`);
    });

    await check("a user's message to someone who is not an administrator is refused and says why", async () => {
      await openConversationWith(user.page, 'user-dave');
      await send(user.page, 'users may only write to administrators');
      await waitForState(user.page, 'users may only write to administrators', ['failed']);
      const failedRow = await row(user.page, 'users may only write to administrators').textContent();
      assert(failedRow.includes('Not sent — forbidden'), `row: ${failedRow}`);
      await user.page.waitForFunction(() =>
        document.querySelector('[data-testid=error]')?.textContent.startsWith('forbidden:'),
      );
      await user.page.click('[data-testid=error]');
      await user.page.waitForSelector('[data-testid=error]', { state: 'hidden' });
    });

    await check("a second device gets the list from sync and the badges from the unread counts", async () => {
      const second = await openPage('second device');
      try {
        await second.page.goto(base);
        await signIn(second.page, USER, 'user');
        await item(second.page, ADMIN).waitFor();
        await second.page.waitForFunction(
          ([peer, n]) =>
            document.querySelector(`[data-testid=conversation][data-peer="${peer}"] [data-testid=unread-badge]`)
              ?.textContent === String(n),
          [HISTORY_ADMIN, HISTORY_COUNT],
        );
        assert(await badge(second.page, ADMIN).isHidden(), 'everything from the administrator is read');
        const preview = await item(second.page, ADMIN).locator('.preview').textContent();
        assert(preview === XSS, `the newest message is the preview: ${preview}`);
        const state = await second.page.evaluate(() => window.chatDebug.state());
        assert(state.syncReplies >= 1 && /^[0-9A-Z]{26}$/.test(state.nextSince), JSON.stringify(state));
        assert(second.record.pageErrors.length === 0, `${second.record.pageErrors}`);
      } finally {
        await second.context.close();
      }
    });

    await check('history loads page by page as the conversation scrolls up', async () => {
      const before = user.record.historyRequests.length;
      await item(user.page, HISTORY_ADMIN).locator('button').click();
      await badge(user.page, HISTORY_ADMIN).waitFor({ state: 'hidden' });
      await row(user.page, `history ${HISTORY_COUNT}`).waitFor({ state: 'visible' });
      const deadline = Date.now() + CHECK_MS;
      for (;;) {
        const status = await user.page.textContent('[data-testid=history-status]');
        if (status === 'Beginning of the conversation') break;
        assert(Date.now() < deadline, `history did not reach the beginning (status "${status}")`);
        await user.page.$eval('[data-testid=scroller]', (s) => {
          s.scrollTop = 0;
        });
        await user.page.waitForTimeout(150);
      }
      const texts = await user.page.$$eval('[data-testid=message-text]', (nodes) =>
        nodes.map((n) => n.textContent),
      );
      const expected = Array.from({ length: HISTORY_COUNT }, (_, i) => `history ${i + 1}`);
      assert(JSON.stringify(texts) === JSON.stringify(expected), `rows: ${texts.length}, ${texts.slice(0, 3)}…`);
      const pages = user.record.historyRequests.slice(before);
      assert(pages.length >= 3, `history requests: ${pages.length}`);
      assert(pages.every((u) => u.includes('limit=20')), 'pages of 20');
      assert(pages.slice(1).every((u) => u.includes('cursor=')), 'older pages use the cursor');
    });

    await check('a message written while offline is sent after the reconnect, once', async () => {
      await item(user.page, ADMIN).locator('button').click();
      await user.page.evaluate(() => window.chatDebug.dropConnection(60_000));
      await user.page.waitForSelector('[data-testid=connection][data-state=closed]');
      await send(user.page, 'written while offline');
      await waitForState(user.page, 'written while offline', ['pending']);
      await user.page.evaluate(() => window.chatDebug.reconnectNow());
      await waitForState(user.page, 'written while offline', ['sent', 'read']);
      await row(admin.page, 'written while offline').waitFor({ state: 'visible' });
      await admin.page.waitForTimeout(300);
      assert((await rowsWithText(admin.page, 'written while offline')) === 1, 'once at the receiver');
      assert((await rowsWithText(user.page, 'written while offline')) === 1, 'once at the sender');
    });

    await check('after a forced reconnect the missed messages appear, once, from the catch-up', async () => {
      await admin.page.evaluate(() => window.chatDebug.dropConnection(60_000));
      await admin.page.waitForSelector('[data-testid=connection][data-state=closed]');
      await send(user.page, 'missed one');
      const first = await waitForState(user.page, 'missed one', ['sent', 'read']);
      await send(user.page, 'missed two');
      const second = await waitForState(user.page, 'missed two', ['sent', 'read']);
      assert((await rowsWithText(admin.page, 'missed one')) === 0, 'not delivered while offline');
      await admin.page.evaluate(() => window.chatDebug.reconnectNow());
      await admin.page.waitForSelector('[data-testid=connection][data-state=open]');
      await row(admin.page, 'missed two').waitFor({ state: 'visible' });
      await row(admin.page, 'missed one').waitFor({ state: 'visible' });
      await admin.page.waitForTimeout(500);
      assert((await rowsWithText(admin.page, 'missed one')) === 1, 'missed one: once');
      assert((await rowsWithText(admin.page, 'missed two')) === 1, 'missed two: once');
      const ids = await admin.page.$$eval('[data-testid=message]', (rows) => rows.map((r) => r.dataset.messageId));
      assert(ids.includes(first) && ids.includes(second), 'rows carry the sent message ids');
      const state = await admin.page.evaluate(() => window.chatDebug.state());
      assert(
        state.syncedIds.includes(first) && state.syncedIds.includes(second),
        `the sync frame brought them (sync replies: ${state.syncReplies}, synced ids: ${state.syncedIds.length})`,
      );
    });

    await changesScenario(user, admin);

    await check('no script errors and no Content-Security-Policy violations', async () => {
      for (const side of [user, admin]) {
        assert(side.record.pageErrors.length === 0, `${side.record.label}: ${side.record.pageErrors}`);
        assert(side.record.cspViolations.length === 0, `${side.record.label}: ${side.record.cspViolations}`);
      }
    });

    // The scene for the screenshots: another user waiting in the administrator's list, and the
    // administrator typing a reply to the user.
    await writeAs(user.page, 'user-carol', 'user', ADMIN, ['Can I move my appointment to Friday?'])
      .then(() => badge(admin.page, 'user-carol').waitFor({ state: 'visible' }))
      // Typing frames go at most once per 2 s per peer, and the administrator just typed a reply.
      .then(() => admin.page.waitForTimeout(2100))
      .then(() => admin.page.click('[data-testid=composer-text]'))
      .then(() => admin.page.keyboard.type('Your appointment is confirmed', { delay: 10 }))
      .then(() => user.page.waitForSelector('[data-testid=typing]', { state: 'visible' }))
      .catch((e) => console.log(`(screenshot scene incomplete: ${String(e.message).split('\n')[0]})`));
  } finally {
    await screenshots([user, admin]);
  }
}

/** Edits, deletions, reactions and a reply in the open conversation of `user` and `admin`,
 * while a second device of the user is offline; then that device catches up. */
async function changesScenario(user, admin) {
  const EDIT_ME = 'Can we move it to Tuesdya?';
  const EDITED = 'Can we move it to Tuesday?';
  const DELETE_ME = 'sent to the wrong conversation';
  const REPLY = 'Tuesday works, see you then';
  let editId = null;
  let deleteId = null;
  let replyId = null;
  const phone = await openPage('second device of the user');
  try {
    await check('the user sends two more messages; a second device shows them, then goes offline', async () => {
      await send(user.page, EDIT_ME);
      editId = await waitForState(user.page, EDIT_ME, ['sent', 'read']);
      await send(user.page, DELETE_ME);
      deleteId = await waitForState(user.page, DELETE_ME, ['sent', 'read']);
      await waitForRow(admin.page, deleteId, { text: DELETE_ME });
      await phone.page.goto(base);
      await signIn(phone.page, USER, 'user');
      await item(phone.page, ADMIN).locator('button').click();
      await waitForRow(phone.page, editId, { text: EDIT_ME, edited: false });
      await waitForRow(phone.page, deleteId, { text: DELETE_ME, deleted: false });
      await phone.page.evaluate(() => window.chatDebug.dropConnection(60_000));
      await phone.page.waitForSelector('[data-testid=connection][data-state=closed]');
    });

    await check('the user edits a message from its menu: the new text and "edited" show on both sides', async () => {
      const menu = await openMenu(user.page, editId);
      const items = await menuItems(menu);
      assert(JSON.stringify(items) === JSON.stringify(['menu-reply', 'menu-edit', 'menu-delete']), `own message menu: ${items}`);
      await menu.locator('[data-testid=menu-edit]').click();
      await user.page.waitForSelector('[data-testid=composer-context][data-mode=edit]');
      const draft = await user.page.inputValue('[data-testid=composer-text]');
      assert(draft === EDIT_ME, `the composer holds the text to edit: ${draft}`);
      await user.page.fill('[data-testid=composer-text]', EDITED);
      await user.page.press('[data-testid=composer-text]', 'Enter');
      await waitForRow(user.page, editId, { text: EDITED, edited: true });
      await waitForRow(admin.page, editId, { text: EDITED, edited: true });
      assert(await user.page.isHidden('[data-testid=composer-context]'), 'the composer is back to sending');
      assert((await rowsWithText(user.page, EDITED)) === 1, 'one row, edited in place');
    });

    await check('the user deletes a message: "This message was deleted" on both sides', async () => {
      const menu = await openMenu(user.page, deleteId);
      await menu.locator('[data-testid=menu-delete]').click();
      await waitForRow(user.page, deleteId, { text: DELETED_TEXT, deleted: true, actions: false });
      await waitForRow(admin.page, deleteId, { text: DELETED_TEXT, deleted: true, actions: false });
      assert((await rowsWithText(admin.page, DELETE_ME)) === 0, 'the text is gone at the administrator');
    });

    await check('both react; the counts and who reacted show; a click on a reaction takes it back', async () => {
      await react(user.page, editId, '👍');
      await waitForRow(admin.page, editId, { reactions: ['👍1'] });
      await react(admin.page, editId, '👍');
      await react(admin.page, editId, '❤️');
      await waitForRow(user.page, editId, { reactions: ['❤️1', '👍2'].sort() });
      await waitForRow(admin.page, editId, { reactions: ['❤️1', '👍2'].sort() });
      const chip = user.page.locator(`[data-message-id="${editId}"] [data-testid=reaction][data-emoji="👍"]`);
      const title = await chip.getAttribute('title');
      assert(title.includes('you') && title.includes(ADMIN), `who reacted: ${title}`);
      assert((await chip.getAttribute('data-mine')) === 'true', 'the user reacted');
      await admin.page.click(`[data-message-id="${editId}"] [data-testid=reaction][data-emoji="❤️"]`);
      await waitForRow(admin.page, editId, { reactions: ['👍2'] });
      await waitForRow(user.page, editId, { reactions: ['👍2'] });
    });

    await check("menus: the administrator may delete the user's message; the user only replies to the administrator's", async () => {
      const adminMenu = await openMenu(admin.page, editId);
      const adminItems = await menuItems(adminMenu);
      assert(JSON.stringify(adminItems) === JSON.stringify(['menu-reply', 'menu-delete']), `administrator: ${adminItems}`);
      await admin.page.keyboard.press('Escape');
      await adminMenu.waitFor({ state: 'detached' });
      const theirs = await row(user.page, 'On it, one moment').first().getAttribute('data-message-id');
      const userMenu = await openMenu(user.page, theirs);
      const userItems = await menuItems(userMenu);
      assert(JSON.stringify(userItems) === JSON.stringify(['menu-reply']), `user on the administrator's message: ${userItems}`);
      await user.page.click('[data-testid=peer-name]'); // a click elsewhere closes it
      await userMenu.waitFor({ state: 'detached' });
    });

    await check('the administrator replies with a quote of the edited message', async () => {
      const menu = await openMenu(admin.page, editId);
      await menu.locator('[data-testid=menu-reply]').click();
      await admin.page.waitForSelector('[data-testid=composer-context][data-mode=reply]');
      const label = await admin.page.textContent('[data-testid=composer-context-label]');
      const quoted = await admin.page.textContent('[data-testid=composer-context-text]');
      assert(label === `Replying to ${USER}` && quoted === EDITED, `composer: ${label} / ${quoted}`);
      await admin.page.fill('[data-testid=composer-text]', REPLY);
      await admin.page.press('[data-testid=composer-text]', 'Enter');
      replyId = await waitForState(admin.page, REPLY, ['sent', 'read']);
      await waitForRow(admin.page, replyId, { text: REPLY, quote: EDITED });
      await waitForRow(user.page, replyId, { text: REPLY, quote: EDITED });
      assert(await admin.page.isHidden('[data-testid=composer-context]'), 'the composer is back to sending');
      const preview = await item(user.page, ADMIN).locator('.preview').textContent();
      assert(preview === REPLY, `the list shows the newest message: ${preview}`);
    });

    await check('the offline device reconnects and shows the same conversation: texts, tombstone, reactions, quote', async () => {
      assert((await rowState(phone.page, editId)).text === EDIT_ME, 'nothing changed while it was offline');
      await phone.page.evaluate(() => window.chatDebug.reconnectNow());
      await phone.page.waitForSelector('[data-testid=connection][data-state=open]');
      await waitForRow(phone.page, editId, { text: EDITED, edited: true, reactions: ['👍2'] });
      await waitForRow(phone.page, deleteId, { text: DELETED_TEXT, deleted: true, actions: false });
      await waitForRow(phone.page, replyId, { text: REPLY, quote: EDITED });
      for (const id of [editId, deleteId, replyId]) {
        const [mine, there] = [await rowState(user.page, id), await rowState(phone.page, id)];
        assert(JSON.stringify(mine) === JSON.stringify(there), `${id}: ${JSON.stringify(mine)} vs ${JSON.stringify(there)}`);
      }
      assert((await rowsWithText(phone.page, EDITED)) === 1, 'the edited message once');
      const peers = await phone.page.$$eval('[data-testid=conversation]', (items) => items.map((i) => i.dataset.peer));
      assert(peers[0] === ADMIN && peers.includes(HISTORY_ADMIN), `the inbox, most recent first: ${peers}`);
      const preview = await item(phone.page, ADMIN).locator('.preview').textContent();
      assert(preview === REPLY, `the list preview: ${preview}`);
      assert(phone.record.pageErrors.length === 0, `${phone.record.pageErrors}`);
      assert(phone.record.cspViolations.length === 0, `${phone.record.cspViolations}`);
    });
  } finally {
    await phone.context.close();
  }
}

async function tokenScenario(userToken, adminToken) {
  const user = await openPage('user');
  const admin = await openPage('admin');
  const tokenSignIn = async (page, token) => {
    await page.goto(base);
    await page.fill('[data-testid=signin-token]', token);
    await page.click('[data-testid=signin-submit]');
  };
  const who = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
  const [userId, adminId] = [who(userToken), who(adminToken)];

  await check('a token that is not a JWT is refused at sign-in', async () => {
    await tokenSignIn(user.page, 'not-a-token');
    await user.page.waitForFunction(() =>
      document.querySelector('[data-testid=signin-error]')?.textContent.includes('not a JWT'),
    );
  });

  await check('a token with a forged signature never connects', async () => {
    const [header, , signature] = adminToken.split('.');
    const claims = Buffer.from(JSON.stringify({ sub: 'mallory', role: 'admin', exp: 4102444800 }));
    await tokenSignIn(admin.page, `${header}.${claims.toString('base64url')}.${signature}`);
    await admin.page.waitForSelector('[data-testid=connection][data-state=closed]');
    await admin.page.waitForTimeout(1500);
    const state = await admin.page.getAttribute('[data-testid=connection]', 'data-state');
    assert(state !== 'open', `connection ${state}`);
    await admin.page.click('#signout');
  });

  await check('both sign in with a token: id and role come from it', async () => {
    await tokenSignIn(admin.page, adminToken);
    await admin.page.waitForSelector('[data-testid=connection][data-state=open]');
    await tokenSignIn(user.page, userToken);
    await user.page.waitForSelector('[data-testid=connection][data-state=open]');
    assert((await admin.page.textContent('[data-testid=me]')) === adminId, 'admin id');
    assert((await admin.page.textContent('#me-role')) === 'administrator', 'admin role');
    assert((await user.page.textContent('[data-testid=me]')) === userId, 'user id');
  });

  await check('send, unread badge, mark read and read tick work with bearer tokens', async () => {
    await openConversationWith(user.page, adminId);
    await send(user.page, 'hello with a token');
    const id = await waitForState(user.page, 'hello with a token', ['sent', 'read']);
    await badge(admin.page, userId).waitFor({ state: 'visible' });
    await item(admin.page, userId).locator('button').click();
    await row(admin.page, 'hello with a token').waitFor({ state: 'visible' });
    await badge(admin.page, userId).waitFor({ state: 'hidden' });
    await user.page.waitForSelector(`[data-testid=message][data-message-id="${id}"][data-state=read]`);
  });

  await check('no script errors and no Content-Security-Policy violations', async () => {
    for (const side of [user, admin]) {
      assert(side.record.pageErrors.length === 0, `${side.record.label}: ${side.record.pageErrors}`);
      assert(side.record.cspViolations.length === 0, `${side.record.label}: ${side.record.cspViolations}`);
    }
  });
}

const SYSTEM_USER = 'user-sys';
const SYSTEM_TEXT = 'Your appointment on Friday at 10:00 is confirmed.';

async function systemScenario() {
  const side = await openPage('system');
  try {
    await side.page.goto(base);
    await check('a system message shows apart in its own conversation, with nothing to answer or change', async () => {
      await signIn(side.page, SYSTEM_USER, 'user');
      await badge(side.page, 'system').waitFor({ state: 'visible' });
      await item(side.page, 'system').locator('button').click();
      const r = side.page.locator('[data-testid=message][data-kind=system]', {
        has: side.page.locator('[data-testid=message-text]', { hasText: SYSTEM_TEXT }),
      });
      await r.waitFor({ state: 'visible' });
      assert(await r.locator('[data-testid=system-label]').isVisible(), 'the system label');
      await r.locator('[data-testid=message-actions]').click();
      const menu = r.locator('[data-testid=message-menu]');
      await menu.waitFor({ state: 'visible' });
      for (const action of ['menu-reply', 'menu-edit', 'menu-delete']) {
        assert((await menu.locator(`[data-testid=${action}]`).count()) === 0, `no ${action}`);
      }
      assert((await menu.locator('[data-testid=quick-reaction]').count()) > 0, 'reactions are offered');
      assert(await side.page.isDisabled('[data-testid=composer-text]'), 'no composer for the system');
      await badge(side.page, 'system').waitFor({ state: 'hidden' });
      assert(side.record.pageErrors.length === 0, `${side.record.pageErrors}`);
      assert(side.record.cspViolations.length === 0, `${side.record.cspViolations}`);
    });
  } finally {
    await side.context.close();
  }
}

const userToken = process.env.CHAT_BROWSER_USER_TOKEN;
const adminToken = process.env.CHAT_BROWSER_ADMIN_TOKEN;
try {
  if (userToken && adminToken) await tokenScenario(userToken, adminToken);
  else {
    await conversationScenario();
    await systemScenario();
  }
} finally {
  await browser.close();
}

finish();
