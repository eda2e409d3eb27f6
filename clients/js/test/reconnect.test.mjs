// Cut connections: live posts lost (chat-local's fault switches), connections closed by the
// server, chat-local restarted on the same store, catch-up failing: every message reaches its
// receiver exactly once and in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatClient, memoryStorage } from '../src/index.js';
import { NO_FAULTS, control, env, needsServer, online, to, unique, until, track } from './helpers.mjs';

const texts = (client) => client.received.map((m) => m.message_text);
const ids = (client) => client.received.map((m) => m.message_id);

test('posts lost by the Management API, then a dropped connection: each message once, in order', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  await control('/faults', { ...NO_FAULTS, drop: 1 });
  try {
    const acks = [];
    for (let i = 1; i <= 5; i += 1) acks.push(await user.client.send(to(admin.id, `lost ${i}`)));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(admin.received.length, 0, 'every live post was lost');
    const connects = admin.client.stats.connects;
    // The connection drops (the soak also cuts connections from the server side).
    admin.client.dropConnection();
    await until(
      'reconnected and caught up',
      () => admin.client.stats.connects > connects && admin.received.length === 5,
    ).catch((e) => {
      const why = `state ${admin.client.state}, stats ${JSON.stringify(admin.client.stats)}, received ${admin.received.length}`;
      throw new Error(`${e.message} (${why})`);
    });
    assert.deepEqual(ids(admin), acks.map((a) => a.message_id));
    assert.deepEqual(texts(admin), ['lost 1', 'lost 2', 'lost 3', 'lost 4', 'lost 5']);
  } finally {
    await control('/faults', NO_FAULTS);
  }
  await admin.client.sync();
  assert.equal(admin.received.length, 5, 'the next catch-up repeats them, and they are dropped');
  assert.ok(admin.client.stats.duplicates >= 5, `duplicates dropped: ${admin.client.stats.duplicates}`);
  await user.client.close();
  await admin.client.close();
});

test('posts delivered late and twice (a slow Management API) are delivered once', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  await control('/faults', { ...NO_FAULTS, delay: 1, delay_ms: 1500 });
  try {
    const ack = await user.client.send(to(admin.id, 'slow'));
    await until('the late frame', () => admin.received.length === 1);
    await until('the retried post too', () => admin.client.stats.duplicates >= 1, 8000);
    assert.deepEqual(ids(admin), [ack.message_id]);
  } finally {
    await control('/faults', NO_FAULTS);
  }
  await user.client.close();
  await admin.client.close();
});

test('chat-local restarts on the same store: sends are resent, messages arrive once and in order', needsServer, async () => {
  const storage = memoryStorage();
  const adminId = unique('admin');
  const admin = await online(adminId, 'admin', { storage });
  const user = await online(unique('user'));
  const before = await user.client.send(to(admin.id, 'before the restart'));
  await until('delivered', () => admin.received.length === 1);
  const restarted = control('/restart');
  // Written while the server goes away and comes back: queued, then sent (again) on the new one.
  const during = [1, 2, 3].map((i) => user.client.send(to(admin.id, `during ${i}`)));
  await restarted;
  const acks = await Promise.all(during);
  await until('all four at the administrator', () => admin.received.length === 4);
  await admin.client.sync();
  assert.deepEqual(texts(admin), ['before the restart', 'during 1', 'during 2', 'during 3']);
  assert.deepEqual(ids(admin), [before, ...acks].map((a) => a.message_id));
  assert.ok(user.client.stats.connects >= 2 && admin.client.stats.connects >= 2);
  await admin.client.close();

  // The same administrator starts again (a reloaded page) with its stored cursor: the catch-up
  // repeats the last minute, and nothing it already delivered comes again.
  const again = track(new ChatClient({ url: env.ws, clientId: adminId, role: 'admin', storage }));
  const redelivered = [];
  again.on('message', (m) => redelivered.push(m));
  await again.connect();
  await again.sync();
  assert.deepEqual(redelivered, []);
  assert.ok(again.stats.duplicates >= 4, `duplicates dropped: ${again.stats.duplicates}`);
  const after = await user.client.send(to(admin.id, 'after'));
  await until('the next message still arrives', () => redelivered.length === 1);
  assert.equal(redelivered[0].message_id, after.message_id);
  await again.close();
  await user.client.close();
});

test('a live message that arrives while a catch-up is out waits for it: what was missed comes first', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  await control('/faults', { ...NO_FAULTS, drop: 1 });
  const missed = await user.client.send(to(admin.id, 'missed'));
  await control('/faults', NO_FAULTS);
  await control('/store', { slow_sync_ms: 800 });
  const sources = new Map();
  admin.client.on('message', (m, { source }) => sources.set(m.message_id, source));
  try {
    // The catch-up is out (its page is slow); the next message's live frame comes before it.
    const caughtUp = admin.client.sync();
    await new Promise((r) => setTimeout(r, 100));
    const live = await user.client.send(to(admin.id, 'live'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(admin.received.length, 0, 'the live frame waits for the catch-up');
    await caughtUp;
    assert.deepEqual(texts(admin), ['missed', 'live']);
    assert.deepEqual(ids(admin), [missed.message_id, live.message_id]);
    // The page holds both; the one whose frame came live is delivered as live (apps count it
    // as a new arrival, e.g. an unread badge), the missed one as caught up.
    assert.equal(sources.get(missed.message_id), 'sync');
    assert.equal(sources.get(live.message_id), 'live');
  } finally {
    await control('/store', { slow_sync_ms: 0 });
  }
  const next = await user.client.send(to(admin.id, 'after'));
  await until('no catch-up out: live at once', () => admin.received.length === 3);
  assert.equal(admin.received[2].message_id, next.message_id);
  await user.client.close();
  await admin.client.close();
});

test('a failing catch-up is reported and tried again until it succeeds', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  await control('/faults', { ...NO_FAULTS, drop: 1 });
  const ack = await user.client.send(to(admin.id, 'only through catch-up'));
  await control('/faults', NO_FAULTS);
  const errors = [];
  admin.client.on('error', (e) => errors.push(e));
  await control('/store', { fail_sync: true });
  try {
    await assert.rejects(admin.client.sync(), (e) => e.code === 'internal' && e.source === 'sync');
    assert.equal(errors[0].code, 'internal');
  } finally {
    await control('/store', { fail_sync: false });
  }
  await until('the retried catch-up', () => admin.received.length === 1, 20_000);
  assert.equal(admin.received[0].message_id, ack.message_id);
  await user.client.close();
  await admin.client.close();
});
