// Two clients chat through chat-local: live messages, acks, read receipts, typing, history
// pages, unread counts, and a send made while offline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatClient, memoryStorage } from '../src/index.js';
import { env, needsServer, online, to, unique, until, track } from './helpers.mjs';

test('two clients chat: messages, acks, read receipts, typing, history, unread', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  const reads = [];
  const typing = [];
  user.client.on('read', (r) => reads.push(r));
  admin.client.on('typing', (t) => typing.push(t));

  const ack = await user.client.send(to(admin.id, 'Hello, I need help with my appointment'));
  assert.equal(ack.type, 'ack');
  assert.match(ack.message_id, /^[0-9A-Z]{26}$/);
  await until('the administrator gets it', () => admin.received.length === 1);
  assert.equal(admin.received[0].message_id, ack.message_id);
  assert.equal(admin.received[0].sender_id, user.id);

  const reply = await admin.client.send(to(user.id, 'Your appointment is confirmed.'));
  await until('the user gets the reply', () => user.received.length === 1);
  assert.equal(user.received[0].message_id, reply.message_id);

  assert.deepEqual(await admin.client.unread(), { total: 1, by_sender: { [user.id]: 1 } });
  const marked = await admin.client.markRead(user.id);
  assert.equal(marked.updated_count, 1);
  await until('the read receipt', () => reads.length === 1);
  assert.equal(reads[0].reader_id, admin.id);
  assert.equal(reads[0].up_to, ack.message_id);

  assert.equal(user.client.typing(admin.id), true);
  assert.equal(user.client.typing(admin.id), false, 'throttled');
  await until('the typing frame', () => typing.length === 1);
  assert.equal(typing[0].sender_id, user.id);

  for (let i = 1; i <= 3; i += 1) await user.client.send(to(admin.id, `more ${i}`));
  const pages = [];
  for await (const page of admin.client.history(user.id, { limit: 2 })) pages.push(page);
  assert.deepEqual(
    pages.map((p) => p.messages.map((m) => m.message_text)),
    [['more 3', 'more 2'], ['more 1', 'Your appointment is confirmed.'], ['Hello, I need help with my appointment']],
  );
  assert.equal(pages[2].messages[0].read, true);
  assert.equal(pages.at(-1).next_cursor, null);

  await user.client.close();
  await admin.client.close();
  assert.equal(admin.client.state, 'offline');
});

test('a send made while offline is delivered once after the reconnect', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  const states = [];
  user.client.on('state', (s) => states.push(s));
  user.client.dropConnection({ holdMs: 60_000 });
  await until('offline', () => user.client.state === 'reconnecting');
  const sent = user.client.send(to(admin.id, 'written while offline'));
  assert.equal(user.client.pending, 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(admin.received.length, 0, 'nothing went out while offline');
  user.client.reconnectNow();
  const ack = await sent;
  await until('delivered', () => admin.received.length === 1);
  await admin.client.sync();
  assert.deepEqual(admin.received.map((m) => m.message_id), [ack.message_id], 'exactly once');
  assert.deepEqual(states, ['reconnecting', 'connecting', 'online']);
  assert.equal(user.client.pending, 0);
  await user.client.close();
  await admin.client.close();
});

test('sends made before the first connection wait for it, in order', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const userId = unique('user');
  const user = track(new ChatClient({ url: env.ws, clientId: userId, storage: memoryStorage() }));
  const acks = Promise.all([1, 2, 3].map((i) => user.send(to(admin.id, `early ${i}`))));
  assert.equal(user.state, 'offline');
  void user.connect();
  const ids = (await acks).map((a) => a.message_id);
  assert.deepEqual([...ids].sort(), ids, 'acked in send order');
  await until('all three', () => admin.received.length === 3);
  assert.deepEqual(admin.received.map((m) => m.message_text).sort(), ['early 1', 'early 2', 'early 3']);
  await user.close();
  await admin.client.close();
});
