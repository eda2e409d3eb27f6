// chat-local --auth jwt: the token callback is asked before every connection attempt, so an
// expired token is replaced before the reconnect; a 401 from the HTTP API asks it once more.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatClient, memoryStorage } from '../src/index.js';
import { env, mintToken, needsJwt, to, unique, until, track } from './helpers.mjs';

test('an expired token is refreshed through the callback before the reconnect', needsJwt, async () => {
  const adminId = unique('admin');
  const admin = track(new ChatClient({ url: env.jwtWs, token: mintToken(adminId, 'admin', 300), storage: memoryStorage() }));
  await admin.connect();
  const userId = unique('user');
  const asked = [];
  // An app's callback: the token it has, until the second attempt finds it expired (beyond
  // the server's 30 s leeway) and the app fetches a new one.
  let current = mintToken(userId, 'user', 300);
  const user = track(new ChatClient({
    url: env.jwtWs,
    httpUrl: env.jwtHttp,
    storage: memoryStorage(),
    backoff: { minMs: 50, maxMs: 200 },
    token: ({ reason }) => {
      asked.push(reason);
      if (asked.length === 2) current = mintToken(userId, 'user', -120); // expired meanwhile
      if (asked.length === 3) current = mintToken(userId, 'user', 300); // refreshed
      return current;
    },
  }));
  await user.connect();
  assert.equal(user.clientId, userId, 'the id comes from the token');
  user.dropConnection();
  await until('refused with the expired token, then online with the new one', () => asked.length >= 3 && user.state === 'online');
  assert.deepEqual(asked, ['connect', 'connect', 'connect']);
  assert.equal(user.stats.connects, 2, 'the expired token never connected');
  const ack = await user.send(to(adminId, 'after the refresh'));
  assert.match(ack.message_id, /^[0-9A-Z]{26}$/);
  await user.close();
  await admin.close();
});

test('a 401 from the HTTP API asks the callback for a new token and retries once', needsJwt, async () => {
  const userId = unique('user');
  const asked = [];
  const client = track(new ChatClient({
    url: env.jwtWs,
    httpUrl: env.jwtHttp,
    token: ({ reason }) => {
      asked.push(reason);
      return mintToken(userId, 'user', asked.length === 1 ? -120 : 300);
    },
  }));
  assert.deepEqual(await client.unread(), { total: 0, by_sender: {} });
  assert.deepEqual(asked, ['connect', 'unauthorized']);
});
