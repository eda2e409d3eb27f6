// Edits, deletions, reactions and replies through chat-local: each change reaches the other
// side once as an `update` (by version), a repeated change is acked unchanged, an offline
// device catches the changes up on reconnect, the inbox lists conversations most recent first,
// and refusals arrive as their error classes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, memoryStorage } from '../src/index.js';
import { needsServer, online, to, unique, until } from './helpers.mjs';

/** A client's `update` events, collected. */
function updatesOf(side) {
  const updates = [];
  side.client.on('update', (m, { source }) => updates.push({ ...m, source }));
  return updates;
}

/** assert.rejects with the class and the code. */
async function refused(promise, Class, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Class, `${err.name}: ${err.message}`);
    assert.equal(err.code, code);
    assert.equal(err.source, 'change');
    return true;
  });
}

test('edit, delete, react and reply: acks, updates once per version, idempotent repeats', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  const adminUpdates = updatesOf(admin);
  const userUpdates = updatesOf(user);

  const sent = await user.client.send(to(admin.id, 'first draft'));
  await until('delivered', () => admin.received.length === 1);
  const first = admin.received[0];
  assert.equal(first.version, 1);
  assert.equal(first.deleted, false);
  assert.deepEqual(first.reactions, {});

  // Edit (by id: the library knows the conversation from the ack).
  const edited = await user.client.edit(sent.message_id, 'final text');
  assert.equal(edited.type, 'ack');
  assert.equal(edited.action, 'edit');
  assert.equal(edited.message_id, sent.message_id);
  assert.equal(edited.version, 2);
  assert.equal(edited.message.message_text, 'final text');
  assert.ok(edited.message.edited_at, 'edited_at');
  await until('the edit reaches the administrator', () => adminUpdates.length === 1);
  assert.equal(adminUpdates[0].message_text, 'final text');
  assert.equal(adminUpdates[0].version, 2);
  assert.equal(adminUpdates[0].source, 'live');
  assert.equal(userUpdates.length, 1, "the author's own ack is delivered as an update");
  assert.equal(userUpdates[0].source, 'ack');

  // The same edit again: acked with the same version, no new update anywhere.
  const again = await user.client.edit(first, 'final text');
  assert.equal(again.version, 2);

  // Both react; the administrator takes theirs back; a repeated reaction changes nothing.
  const r1 = await admin.client.react(first, '👍');
  assert.equal(r1.version, 3);
  assert.deepEqual(r1.message.reactions, { '👍': [admin.id] });
  const r2 = await user.client.react(first, '👍');
  assert.deepEqual(r2.message.reactions, { '👍': [admin.id, user.id] });
  const r3 = await user.client.react(first, '👍');
  assert.equal(r3.version, r2.version, 'a reaction already there is acked unchanged');
  const r4 = await admin.client.react(first, '👍', { remove: true });
  assert.deepEqual(r4.message.reactions, { '👍': [user.id] });
  await until('the user sees the removal', () => userUpdates.at(-1)?.version === r4.version);
  assert.deepEqual(userUpdates.at(-1).reactions, { '👍': [user.id] });

  // A reply: the receiver gets the quote.
  const reply = await admin.client.send(to(user.id, 'replying to you', { reply_to: first.message_id }));
  await until('the reply arrives', () => user.received.some((m) => m.message_id === reply.message_id));
  const got = user.received.find((m) => m.message_id === reply.message_id);
  assert.equal(got.reply_to, first.message_id);
  assert.equal(got.reply_preview.message_id, first.message_id);
  assert.equal(got.reply_preview.preview, 'final text');
  assert.equal(got.reply_preview.edited, true);
  assert.equal(got.reply_preview.deleted, false);

  // Delete: a tombstone; deleting again is acked unchanged; no more reactions on it.
  const deleted = await user.client.deleteMessage(first);
  assert.equal(deleted.message.deleted, true);
  assert.equal(deleted.message.message_text, '');
  assert.deepEqual(deleted.message.reactions, {});
  assert.equal(deleted.message.deleted_by, user.id);
  const deletedAgain = await user.client.deleteMessage(first);
  assert.equal(deletedAgain.version, deleted.version);
  await refused(admin.client.react(first, '🎉'), ConflictError, 'conflict');
  await refused(user.client.edit(first, 'too late'), ConflictError, 'conflict');

  await until('the deletion reaches the administrator', () => adminUpdates.at(-1)?.version === deleted.version);
  await user.client.sync();
  await admin.client.sync();
  // Every version at most once on each side, in increasing order, and nothing older after newer.
  for (const [who, list] of [['admin', adminUpdates], ['user', userUpdates]]) {
    const versions = list.filter((m) => m.message_id === first.message_id).map((m) => m.version);
    assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b), `${who}: ${versions}`);
  }
  assert.deepEqual(
    adminUpdates.filter((m) => m.message_id === first.message_id).map((m) => m.version),
    [2, 3, 4, 5, 6],
    'the administrator saw each version once, the repeats none',
  );
  assert.equal(admin.received.filter((m) => m.message_id === first.message_id).length, 1, 'one message event');
  await user.client.close();
  await admin.client.close();
});

test('an offline second device catches up the changes, by version, on reconnect', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const userId = unique('user');
  const phone = await online(userId);
  const storage = memoryStorage();
  const laptop = await online(userId, 'user', { storage });
  const laptopUpdates = updatesOf(laptop);

  const keep = await phone.client.send(to(admin.id, 'keep me'));
  const gone = await phone.client.send(to(admin.id, 'delete me'));
  await laptop.client.sync();
  assert.deepEqual(laptop.received.map((m) => m.message_text).sort(), ['delete me', 'keep me']);

  // The laptop goes offline (closed: its cursor and versions are stored); changes happen.
  await laptop.client.close();
  await phone.client.edit(keep.message_id, 'kept and edited');
  await phone.client.deleteMessage(gone.message_id);
  const reaction = await admin.client.react(keep.message_id, '❤️');
  const reply = await admin.client.send(to(userId, 'noted', { reply_to: keep.message_id }));

  // A new client on the same storage (an app restart): the changes arrive once, as updates.
  const back = await online(userId, 'user', { storage });
  const backUpdates = updatesOf(back);
  await back.client.sync();
  await until('the reply', () => back.received.some((m) => m.message_id === reply.message_id));
  await until('the newest versions', () =>
    backUpdates.some((m) => m.message_id === keep.message_id && m.version === reaction.version) &&
    backUpdates.some((m) => m.message_id === gone.message_id && m.deleted));
  const latest = (id) => backUpdates.filter((m) => m.message_id === id).at(-1);
  assert.equal(latest(keep.message_id).message_text, 'kept and edited');
  assert.deepEqual(latest(keep.message_id).reactions, { '❤️': [admin.id] });
  assert.equal(latest(gone.message_id).message_text, '');
  assert.equal(back.received.filter((m) => m.message_id === keep.message_id).length, 0, 'known ids are not messages again');
  assert.equal(back.received.find((m) => m.message_id === reply.message_id).reply_preview.preview, 'kept and edited');
  // A catch-up again delivers nothing new: the same versions are repeats.
  const before = backUpdates.length;
  await back.client.sync();
  assert.equal(backUpdates.length, before);
  assert.equal(laptopUpdates.length, 0, 'the closed client got nothing');
  await back.client.close();
  await phone.client.close();
  await admin.client.close();
});

test('conversations(): peers, most recent activity first, with unread counts and previews', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const first = await online(unique('user'));
  const second = await online(unique('user'));
  await first.client.send(to(admin.id, 'from the first user'));
  await second.client.send(to(admin.id, 'second, one'));
  await second.client.send(to(admin.id, 'second, two'));
  let page;
  await until('both conversations listed', async () => {
    page = await admin.client.conversationsPage();
    return page.conversations.length === 2;
  });
  assert.deepEqual(page.conversations.map((c) => c.peer_id), [second.id, first.id], 'most recent first');
  assert.deepEqual(page.conversations.map((c) => c.unread), [2, 1]);
  assert.equal(page.conversations[0].last_message.preview, 'second, two');
  assert.equal(page.next_cursor, null);

  // Activity moves a conversation to the top; pages of one follow the cursor.
  await first.client.send(to(admin.id, 'again'));
  const pages = [];
  await until('the first user on top', async () => {
    pages.length = 0;
    for await (const p of admin.client.conversations({ limit: 1 })) pages.push(p);
    return pages[0]?.conversations[0]?.peer_id === first.id;
  });
  assert.deepEqual(pages.flatMap((p) => p.conversations.map((c) => c.peer_id)), [first.id, second.id]);
  assert.equal(pages[0].conversations[0].unread, 2);
  assert.equal(pages.at(-1).next_cursor, null);
  await admin.client.markRead(first.id);
  const afterRead = await admin.client.conversationsPage();
  assert.equal(afterRead.conversations.find((c) => c.peer_id === first.id).unread, 0);
  await assert.rejects(admin.client.conversationsPage({ limit: 500 }), (err) => err instanceof ValidationError && err.status === 400);
  await first.client.close();
  await second.client.close();
  await admin.client.close();
});

test('refused changes: NotFoundError, ForbiddenError, ConflictError, ValidationError', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'), 'user', { maxAttempts: 1 });
  const other = await online(unique('user'), 'user', { maxAttempts: 1 });
  const mine = await user.client.send(to(admin.id, 'mine'));
  const theirs = await admin.client.send(to(user.id, "the administrator's"));

  await refused(user.client.edit({ message_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', sender_id: user.id, receiver_id: admin.id }, 'x'), NotFoundError, 'not_found');
  await refused(other.client.deleteMessage({ message_id: mine.message_id, sender_id: user.id, receiver_id: admin.id }), NotFoundError, 'not_found');
  await refused(user.client.edit(theirs.message_id, 'not my message'), ForbiddenError, 'forbidden');
  await refused(admin.client.edit(mine.message_id, 'not mine either'), ForbiddenError, 'forbidden');
  await refused(user.client.deleteMessage(theirs.message_id), ForbiddenError, 'forbidden');
  await refused(user.client.react(mine.message_id, 'abc'), ValidationError, 'validation');
  await assert.rejects(
    user.client.send(to(admin.id, 'a reply to nothing', { reply_to: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })),
    (err) => err instanceof ValidationError && err.source === 'send',
  );

  // Twenty different emoji, then a twenty-first: conflict.
  const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎', '😍', '😘', '🥰', '😗', '😙', '🥲', '😚', '🙂'];
  for (const e of emoji) await admin.client.react(mine.message_id, e);
  await refused(admin.client.react(mine.message_id, '🤔'), ConflictError, 'conflict');

  // The administrator moderates: deletes the user's message.
  const moderated = await admin.client.deleteMessage(mine.message_id);
  assert.equal(moderated.message.deleted_by, admin.id);
  await user.client.close();
  await other.client.close();
  await admin.client.close();
});
