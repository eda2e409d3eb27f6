// What the browser tests (chat.mjs, attachments.mjs) share: the command line, the checks and
// their tally, headless Chromium (Debian's /usr/bin/chromium through playwright-core from
// tools/node_modules), pages that record what went wrong on them, and the steps every
// scenario takes (sign in, open a conversation, screenshots).

import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');

/** Each check waits at most this long. */
export const CHECK_MS = 10_000;

/**
 * The command line of `script` (`node tests/browser/{script} http://127.0.0.1:PORT
 * [screenshot-dir]`): the base URL and the screenshot folder. The process gives up after
 * `limitMs`, whatever happens.
 */
export function commandLine(script, limitMs) {
  const base = process.argv[2];
  if (!base) {
    console.error(`usage: node tests/browser/${script} http://127.0.0.1:PORT [screenshot-dir]`);
    process.exit(2);
  }
  setTimeout(() => {
    console.error(`browser test: still running after ${limitMs / 1000} s, giving up`);
    process.exit(3);
  }, limitMs).unref();
  const shots = path.resolve(process.argv[3] || path.join(root, 'target/browser'));
  return { base, shots };
}

const tally = { passed: 0, failed: 0, started: Date.now() };

/** Runs one named check; a failure is printed (without playwright's call log) and counted. */
export async function check(name, body) {
  const t0 = Date.now();
  try {
    await body();
    tally.passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    tally.failed += 1;
    const message = String((err && err.message) || err)
      .replace(/\x1b\[[0-9;]*m/g, '') // playwright colours its call log
      .split('\n')
      .filter((line) => line.trim() && !line.includes('Call log:'))
      .slice(0, 3)
      .join('\n     ');
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n     ${message}`);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** The last lines (the Rust side reads " 0 failed") and the exit code. */
export function finish() {
  console.log(`browser test: ${((Date.now() - tally.started) / 1000).toFixed(1)} s`);
  console.log(`browser: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A browser context of its own (own storage), with what the page did wrong recorded: dialogs,
 * script errors, Content-Security-Policy violations; `onRequest(request, record)` sees every
 * request.
 */
export async function openPage(browser, label, { contextOptions = {}, onRequest } = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 }, ...contextOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(CHECK_MS);
  const record = { label, dialogs: [], pageErrors: [], cspViolations: [] };
  page.on('dialog', async (dialog) => {
    record.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => record.pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content.Security.Policy/i.test(msg.text())) {
      record.cspViolations.push(msg.text());
    }
  });
  if (onRequest) page.on('request', (req) => onRequest(req, record));
  return { context, page, record };
}

/** Signs in on the page already open: with `token`, or as `id` with `role` (dev identity). */
export async function signIn(page, id, role, token) {
  if (token) await page.fill('[data-testid=signin-token]', token);
  else {
    await page.fill('[data-testid=signin-id]', id);
    await page.check(`[data-testid=signin-role-${role}]`);
  }
  await page.click('[data-testid=signin-submit]');
  await page.waitForSelector('[data-testid=connection][data-state=open]');
}

export async function openConversationWith(page, peer) {
  await page.fill('[data-testid=new-peer]', peer);
  await page.click('[data-testid=new-peer-open]');
  await page.waitForFunction(
    (p) => document.querySelector('[data-testid=peer-name]')?.textContent === p,
    peer,
  );
}

/** The peer's entry in the conversation list. */
export const item = (page, peer) => page.locator(`[data-testid=conversation][data-peer="${peer}"]`);

/** The check that `sides` saw no script error, no dialog and no Content-Security-Policy violation. */
export async function checkClean(sides) {
  await check('no script errors, dialogs or Content-Security-Policy violations', async () => {
    for (const side of sides) {
      assert(side.record.pageErrors.length === 0, `${side.record.label}: ${side.record.pageErrors}`);
      assert(side.record.dialogs.length === 0, `${side.record.label}: ${side.record.dialogs}`);
      assert(side.record.cspViolations.length === 0, `${side.record.label}: ${side.record.cspViolations}`);
    }
  });
}

/** Screenshots of `sides` into `shots` as `{prefix}{label}.png`; the files written. */
export async function screenshots(shots, sides, prefix = '') {
  await mkdir(shots, { recursive: true });
  const files = [];
  for (const side of sides) {
    const file = path.join(shots, `${prefix}${side.record.label}.png`);
    await side.page.screenshot({ path: file }).catch((e) => console.log(`no screenshot: ${e}`));
    console.log(`screenshot: ${file}`);
    files.push(file);
  }
  return files;
}
