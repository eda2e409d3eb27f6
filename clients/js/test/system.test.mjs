// System messages from the booking backend (posted through the control API, which signs them
// as the backend does, with SigV4): a `message` event with `kind: "system"`, once however often
// the backend retries, in the inbox under the peer `system`; answering one is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForbiddenError, isSystemMessage, SYSTEM_ID } from '../src/index.js';
import { control, needsServer, online, to, unique, until } from './helpers.mjs';

const CONFIRMED = 'Your appointment on Friday at 10:00 is confirmed.';

test('a system message arrives once as kind "system", lists under the system, and cannot be answered', needsServer, async () => {
  const user = await online(unique('user'));
  const key = unique('appt-confirmed');
  const first = await control('/system', { receiver_id: user.id, message_text: CONFIRMED, idempotency_key: key });
  assert.equal(first.status, 201, JSON.stringify(first));
  const retried = await control('/system', { receiver_id: user.id, message_text: CONFIRMED, idempotency_key: key });
  assert.equal(retried.status, 200, JSON.stringify(retried));
  assert.equal(retried.body.duplicate, true);

  await until('delivered', () => user.received.length === 1);
  const m = user.received[0];
  assert.equal(m.kind, 'system');
  assert.equal(m.sender_id, SYSTEM_ID);
  assert.equal(m.message_text, CONFIRMED);
  assert.ok(isSystemMessage(m));
  assert.ok(!isSystemMessage({ kind: 'chat', sender_id: 'admin456' }));

  const page = await user.client.conversationsPage();
  assert.equal(page.conversations.length, 1);
  assert.equal(page.conversations[0].peer_id, SYSTEM_ID);
  assert.equal(page.conversations[0].unread, 1);

  await assert.rejects(user.client.send(to(SYSTEM_ID, 'thanks')), (err) => {
    assert.ok(err instanceof ForbiddenError, `${err.name}: ${err.message}`);
    assert.equal(err.code, 'forbidden');
    return true;
  });
  // Nothing more arrived: the retry was not delivered again.
  assert.equal(user.received.length, 1);
});
