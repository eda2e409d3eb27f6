// Data rules (docs/data-rules.md) through the library: a client exports itself (every page,
// merged: both directions, edits and reactions in their current state), an administrator
// exports anyone; a user may export no one else and erase no one, itself included; an
// administrator erases a user step by step until done, the open connection is closed, the
// conversation is left as tombstones, and a second erasure finds nothing. Then the same rules
// with bearer tokens (chat-local --auth jwt), and offline (a fake fetch) how the pages are
// merged, the steps followed and passing refusals retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatClient, ForbiddenError, memoryStorage, ValidationError } from '../src/index.js';
import { env, mintToken, needsJwt, needsServer, online, sleep, to, track, unique, until } from './helpers.mjs';

const ZERO = { messages: 0, attachments: 0, connections: 0, read_state: 0, peer_entries: 0, claims: 0, rate_limits: 0, profile: 0 };

/** assert.rejects with ForbiddenError, code and status. */
async function forbidden(promise) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ForbiddenError, `${err.name}: ${err.message}`);
    assert.equal(err.code, 'forbidden');
    assert.equal(err.status, 403);
    assert.equal(err.source, 'http');
    return true;
  });
}

/** `exportAll` until `check(document)` holds (the export reads the catch-up indexes, which
 * DynamoDB maintains a moment after the write); spaced out so as not to spend the read budget. */
async function exportWhen(client, clientId, check, options = {}) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const document = await client.exportAll(clientId, options);
    if (check(document) || Date.now() > deadline) return document;
    await sleep(300);
  }
}

/** The export holds the four messages of `chat()` with their changes. */
const changed = (d) =>
  d.messages.length === 4 && d.messages.some((m) => m.edited_at) && d.messages.some((m) => m.reactions['👍']);

/** Every page of the conversation with `peer`, as `client` sees it in history. */
async function historyOf(client, peer) {
  const messages = [];
  for await (const page of client.history(peer, { limit: 100 })) messages.push(...page.messages);
  return messages;
}

/** A user and an administrator chat: two messages each way, an edit, a reaction. */
async function chat() {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  const q1 = await user.client.send(to(admin.id, 'my appointment on Friday'));
  const q2 = await user.client.send(to(admin.id, 'can it move to 10:00?'));
  await until('the questions arrive', () => admin.received.length === 2);
  const a1 = await admin.client.send(to(user.id, 'Yes, 10:00 works.'));
  const a2 = await admin.client.send(to(user.id, 'See you on Friday.'));
  await until('the answers arrive', () => user.received.length === 2);
  await user.client.edit(q2.message_id, 'can it move to 10:00, please?');
  await admin.client.react(q1.message_id, '👍');
  return { admin, user, ids: [q1, q2, a1, a2].map((a) => a.message_id) };
}

test('a user exports itself: every page, both directions, edits and reactions; no one else', needsServer, async () => {
  const { admin, user, ids } = await chat();
  // The pages of the last export made (exportWhen may make more than one).
  const pages = [];
  const onPage = (page, { index }) => {
    if (index === 0) pages.length = 0;
    pages.push({ page, index });
  };
  const doc = await exportWhen(user.client, user.id, changed, { onPage });
  assert.equal(doc.format, 'chat-export/1');
  assert.equal(doc.client_id, user.id);
  assert.equal('next_cursor' in doc, false, 'the merged document has no cursor');
  assert.deepEqual(doc.profile, { role: 'user' });
  assert.ok(doc.connections.length >= 1, 'its open connection');
  const entry = doc.read_state.find((r) => r.peer_id === admin.id);
  assert.ok(entry, `an inbox entry for the administrator: ${JSON.stringify(doc.read_state)}`);

  // Sent first (in id order), then received.
  assert.deepEqual(doc.messages.map((m) => m.message_id), ids);
  assert.deepEqual(doc.messages.map((m) => m.sender_id), [user.id, user.id, admin.id, admin.id]);
  const [q1, q2] = doc.messages;
  assert.equal(q2.message_text, 'can it move to 10:00, please?');
  assert.ok(q2.edited_at, 'edited_at');
  assert.deepEqual(q1.reactions, { '👍': [admin.id] });
  assert.equal(q1.version, 2);
  assert.ok(doc.messages.every((m) => !('read' in m)), 'no read flag: read_state says it');

  // The pages: the records on the first only, and at least two (sent, then received).
  assert.ok(pages.length >= 2, `pages: ${pages.length}`);
  assert.deepEqual(pages.map((p) => p.index), [...pages.keys()]);
  const [first, ...rest] = pages.map((p) => p.page);
  assert.ok(first.next_cursor, 'the first page points on');
  assert.equal(rest.at(-1).next_cursor, null, 'the last page ends it');
  for (const page of rest) {
    assert.equal(page.profile, null);
    assert.deepEqual([page.connections, page.read_state, page.uploads], [[], [], []]);
  }

  // One page by hand gives the same first page.
  const one = await user.client.exportClient(user.id);
  assert.deepEqual(one.messages.map((m) => m.message_id), first.messages.map((m) => m.message_id));
  const second = await user.client.exportClient(user.id, { cursor: one.next_cursor });
  assert.equal(second.profile, null);

  // An administrator exports anyone; a user only itself.
  const byAdmin = await admin.client.exportAll(user.id);
  assert.deepEqual(byAdmin.messages.map((m) => m.message_id), ids);
  await forbidden(user.client.exportClient(admin.id));
  await forbidden(user.client.exportAll(admin.id));
  await assert.rejects(user.client.exportClient(''), ValidationError, 'refused before any request');
  await user.client.close();
  await admin.client.close();
});

test('erasure: refused to a user (even of itself), then an administrator leaves tombstones', needsServer, async (t) => {
  const { admin, user, ids } = await chat();
  const before = await exportWhen(user.client, user.id, changed);

  // Refused, and nothing changed.
  await forbidden(user.client.erase(user.id));
  await forbidden(user.client.erase(admin.id));
  await forbidden(admin.client.erase(admin.id));
  const intact = await historyOf(admin.client, user.id);
  assert.equal(intact.filter((m) => !m.deleted).length, 4, 'the refusals changed nothing');

  // The user's own client goes; a bare connection stays open, for the erasure to close.
  await user.client.close();
  const socket = new WebSocket(`${env.ws}/${encodeURIComponent(user.id)}?role=user`);
  let closed = false;
  socket.addEventListener('close', () => {
    closed = true;
  });
  t.after(() => socket.close());
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });

  const steps = [];
  const done = await admin.client.erase(user.id, { onProgress: (p, { steps: n }) => steps.push({ ...p, n }) });
  assert.equal(done.client_id, user.id);
  assert.equal(done.done, true);
  assert.equal(done.counts.messages, 4, `every message of the conversation: ${JSON.stringify(done.counts)}`);
  assert.ok(done.counts.connections >= 1, 'the open connection');
  assert.ok(steps.length >= 1 && steps.at(-1).done && steps.every((s, i) => s.n === i + 1 && (s.done === (i === steps.length - 1))));
  for (const [a, b] of steps.slice(1).map((s, i) => [steps[i].counts, s.counts])) {
    for (const k of Object.keys(ZERO)) assert.ok(b[k] >= a[k], `counts only grow: ${k}`);
  }
  await until('the erased client is disconnected', () => closed);

  // The administrator's conversation: the same messages, as tombstones one version higher.
  const after = await historyOf(admin.client, user.id);
  assert.deepEqual(after.map((m) => m.message_id).sort(), [...ids].sort());
  const versions = new Map(before.messages.map((m) => [m.message_id, m.version]));
  for (const m of after) {
    assert.equal(m.deleted, true, m.message_id);
    assert.equal(m.message_text, '');
    assert.equal(m.deleted_by, user.id);
    assert.deepEqual(m.reactions, {});
    assert.equal(m.edited_at, undefined);
    assert.equal(m.reply_to, undefined);
    assert.equal(m.attachments, undefined);
    assert.equal(m.version, versions.get(m.message_id) + 1);
  }

  // Nothing left names the client but the tombstones.
  const left = await admin.client.exportAll(user.id);
  assert.equal(left.profile, null);
  assert.deepEqual([left.connections, left.read_state, left.uploads, left.attachments], [[], [], [], []]);
  assert.ok(left.messages.every((m) => m.deleted && m.message_text === ''));

  // Again: nothing to do, done at once.
  const calls = [];
  const again = await admin.client.erase(user.id, { onProgress: (p) => calls.push(p) });
  assert.deepEqual(again, { client_id: user.id, done: true, counts: ZERO });
  assert.equal(calls.length, 1);
  await admin.client.close();
});

test('with bearer tokens: the same rules, the caller is the token', needsJwt, async () => {
  const client = (id, role) =>
    track(new ChatClient({ url: env.jwtWs, httpUrl: env.jwtHttp, token: mintToken(id, role, 300), storage: memoryStorage() }));
  const adminId = unique('admin');
  const userId = unique('user');
  const admin = client(adminId, 'admin');
  const user = client(userId, 'user');
  await admin.connect();
  await user.connect();
  await user.send(to(adminId, 'hello'));
  const mine = await exportWhen(user, userId, (d) => d.messages.length === 1);
  assert.equal(mine.messages[0].message_text, 'hello');
  await forbidden(user.exportClient(adminId));
  await forbidden(user.erase(userId));
  await user.close();
  const done = await admin.erase(userId);
  assert.equal(done.done, true);
  assert.equal(done.counts.messages, 1);
  await admin.close();
});

/** A client against nothing; each fetch is answered by `answer(url, init, n)` and recorded. */
function offline(answer, role = 'admin') {
  const calls = [];
  const client = new ChatClient({
    url: 'ws://127.0.0.1:9/ws',
    clientId: 'admin-offline',
    role,
    storage: memoryStorage(),
    fetch: async (url, init = {}) => {
      calls.push({ url: String(url), init });
      return answer(String(url), init, calls.length);
    },
  });
  return { client, calls };
}

const page = (over) => ({
  format: 'chat-export/1',
  client_id: 'u1',
  exported_at: '2026-12-03T14:40:00.000Z',
  profile: null,
  connections: [],
  read_state: [],
  uploads: [],
  messages: [],
  attachments: [],
  next_cursor: null,
  ...over,
});

test('exportAll follows next_cursor and merges: the first page\'s records, every page\'s messages', async () => {
  const m = (id) => ({ message_id: id });
  const pages = {
    '': page({ profile: { role: 'user' }, connections: [{ connection_id: 'c1', connected_at: 't' }], messages: [m('A')], attachments: [{ attachment_id: 'F1' }], next_cursor: 's.A' }),
    's.A': page({ messages: [m('B')], next_cursor: 'r.' }),
    'r.': page({ messages: [m('C')], attachments: [{ attachment_id: 'F2' }], next_cursor: null }),
  };
  const { client, calls } = offline((url) => Response.json(pages[new URL(url).searchParams.get('cursor') ?? '']));
  const seen = [];
  const doc = await client.exportAll('u1', { onPage: (p, { index }) => seen.push(index) });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(doc.messages.map((x) => x.message_id), ['A', 'B', 'C']);
  assert.deepEqual(doc.attachments.map((x) => x.attachment_id), ['F1', 'F2']);
  assert.deepEqual(doc.profile, { role: 'user' });
  assert.equal(doc.connections.length, 1);
  assert.equal('next_cursor' in doc, false);
  assert.deepEqual(calls.map((c) => c.url), [
    'http://127.0.0.1:9/chat/export/u1',
    'http://127.0.0.1:9/chat/export/u1?cursor=s.A',
    'http://127.0.0.1:9/chat/export/u1?cursor=r.',
  ]);
  // chat-local's development identity: the role, and who asks (not the path's client).
  assert.equal(calls[0].init.headers['X-Chat-Role'], 'admin');
  assert.equal(calls[0].init.headers['X-Chat-Client'], 'admin-offline');
  assert.equal(calls[0].init.method, 'GET');
});

test('erase() calls again while 202, retries a passing refusal, and stops at a forbidden one', async () => {
  const counts = (messages) => ({ ...ZERO, messages });
  const answers = [
    () => Response.json({ client_id: 'u1', done: false, counts: counts(25) }, { status: 202 }),
    () => Response.json({ code: 'internal', message: 'internal error; try again' }, { status: 500 }),
    () => Response.json({ message: 'Service Unavailable' }, { status: 503 }),
    () => Response.json({ client_id: 'u1', done: false, counts: counts(50) }, { status: 202 }),
    () => Response.json({ client_id: 'u1', done: true, counts: counts(60) }, { status: 200 }),
  ];
  const { client, calls } = offline((url, init, n) => answers[n - 1]());
  const progress = [];
  const done = await client.erase('u1', { onProgress: (p, { steps }) => progress.push([steps, p.done, p.counts.messages]) });
  assert.deepEqual(done, { client_id: 'u1', done: true, counts: counts(60) });
  assert.deepEqual(progress, [[1, false, 25], [2, false, 50], [3, true, 60]]);
  assert.equal(calls.length, 5);
  assert.ok(calls.every((c) => c.init.method === 'POST' && c.url === 'http://127.0.0.1:9/chat/erasure/u1'));

  const refused = offline(() => Response.json({ code: 'forbidden', message: 'erasure is for administrators' }, { status: 403 }), 'user');
  await forbidden(refused.client.erase('u1'));
  assert.equal(refused.calls.length, 1, 'a refusal is not retried');

  const stopped = offline(() => Response.json({ client_id: 'u1', done: false, counts: counts(1) }, { status: 202 }));
  const controller = new AbortController();
  let steps = 0;
  const onProgress = () => {
    steps += 1;
    if (steps === 3) controller.abort();
  };
  await assert.rejects(stopped.client.erase('u1', { signal: controller.signal, onProgress }), (err) => err.name === 'AbortError');
  assert.equal(steps, 3, 'stopped before the fourth step');
  assert.equal(stopped.calls.length, 3);
});
