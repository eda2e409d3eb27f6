// Every error code of the wire contract reaches the caller as its typed error: the WebSocket
// refusals as rejections of send() / request(), the HTTP API's as rejections of its calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AttachmentNotFoundError,
  ChatClient,
  ConflictError,
  ERROR_CLASSES,
  ERROR_CODES,
  ForbiddenError,
  InternalError,
  InvalidJsonError,
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnknownActionError,
  ValidationError,
  WS_ERROR_CODES,
  errorFor,
} from '../src/index.js';
import { control, env, mintToken, needsJwt, needsServer, online, to, unique, track } from './helpers.mjs';

/** assert.rejects with the class, the code and (for HTTP) the status. */
async function refused(promise, Class, code, status) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Class, `${err.name}: ${err.message}`);
    assert.equal(err.code, code);
    if (status !== undefined) assert.equal(err.status, status);
    return true;
  });
}

test('WebSocket refusals: each code as its error class', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'), 'user', { maxAttempts: 1 });
  const seen = new Set();
  const check = async (promise, Class, code) => {
    await refused(promise, Class, code);
    seen.add(code);
  };
  await check(user.client.request([1]), InvalidJsonError, 'invalid_json');
  await check(user.client.request({ action: 'nope' }), UnknownActionError, 'unknown_action');
  await check(user.client.send(to(admin.id, '   ')), ValidationError, 'validation');
  await check(user.client.send(to(unique('not-an-admin'), 'hi')), ForbiddenError, 'forbidden');
  await check(
    user.client.edit({ message_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', sender_id: user.id, receiver_id: admin.id }, 'no such message'),
    NotFoundError,
    'not_found',
  );
  await check(
    user.client.send(to(admin.id, '', { attachments: ['01JF3Q8T9X4M2B7C5D6E7F8G9H'] })),
    AttachmentNotFoundError,
    'attachment_not_found',
  );
  await user.client.send(to(admin.id, 'first', { client_msg_id: 'key-1' }));
  await check(user.client.send(to(admin.id, 'another text', { client_msg_id: 'key-1' })), ConflictError, 'conflict');

  await control('/store', { fail_put_message: true });
  try {
    await check(user.client.send(to(admin.id, 'store down')), InternalError, 'internal');
  } finally {
    await control('/store', { fail_put_message: false });
  }

  // Past the burst (20), with no retries allowed: rate_limited. Thirty devices of the same user
  // send at once (a client has one send in flight), so the store's speed does not matter.
  const devices = await Promise.all(Array.from({ length: 30 }, () => online(user.id, 'user', { maxAttempts: 1 })));
  const burst = await Promise.allSettled(devices.map((d, i) => d.client.send(to(admin.id, `burst ${i}`))));
  const limited = burst.filter((r) => r.status === 'rejected');
  assert.ok(limited.length > 0, 'some sends were rate limited');
  await check(Promise.reject(limited[0].reason), RateLimitedError, 'rate_limited');

  // `unauthorized` needs a connection without identity, which chat-local cannot have (its
  // handshake refuses them); the HTTP test below gets it from the HTTP API. The two that need
  // an upload first are in attachments.test.mjs.
  assert.deepEqual(WS_ERROR_CODES.filter((c) => !seen.has(c)), ['unauthorized', 'attachment_in_use', 'attachment_mismatch']);
  await user.client.close();
  await admin.client.close();
});

test('rate_limited and internal are retried with the same client_msg_id before failing', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'), 'user', { maxAttempts: 5 });
  await control('/store', { fail_put_message: true });
  const sent = user.client.send(to(admin.id, 'stored on the second try'));
  await new Promise((r) => setTimeout(r, 150));
  await control('/store', { fail_put_message: false });
  const ack = await sent;
  assert.ok(user.client.stats.retries >= 1);
  await until(() => admin.received.length === 1);
  assert.equal(admin.received[0].message_id, ack.message_id);
  await user.client.close();
  await admin.client.close();
});

async function until(check) {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('HTTP API refusals: each code as its error class, with the status', needsServer, async () => {
  const user = await online(unique('user'));
  await refused(user.client.markRead(unique('stranger')), NotFoundError, 'not_found', 404);
  await refused(user.client.history(unique('peer'), { limit: 500 }).next(), ValidationError, 'validation', 400);
  await refused(
    user.client.history(unique('peer'), { appointmentId: 'x'.repeat(17_000) }).next(),
    InvalidRequestError,
    'invalid_request',
    414,
  );
  await user.client.close();
});

test('an unverified token: the HTTP API answers UnauthorizedError', needsJwt, async () => {
  const forged = mintToken('user-forged', 'user', 300, 'not-the-server-secret-not-the-server-secret');
  const client = track(new ChatClient({ url: env.jwtWs, httpUrl: env.jwtHttp, token: forged }));
  await refused(client.unread(), UnauthorizedError, 'unauthorized', 401);
});

test('every documented error code has its own class', () => {
  for (const code of ERROR_CODES) {
    const err = errorFor(code, 'm');
    assert.ok(err instanceof ERROR_CLASSES[code], code);
    assert.notEqual(ERROR_CLASSES[code].name, 'ChatError', code);
    assert.equal(err.code, code);
  }
  assert.equal(errorFor('from_a_newer_server', 'm').name, 'ChatError');
});
