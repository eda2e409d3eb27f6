// The soak through the library: 60 ChatClients (50 users, 10 administrators) chat through one
// chat-local while connections drop at random (client side and server side) and the
// Management API loses, refuses (410, 429, 500) and delays posts. At the end every client
// catches up once more, and then: every acked message reached its receiver exactly once
// (live or through catch-up), nothing was delivered twice, and each conversation is in send
// order. Bounded: 8 messages a client, a 60 s deadline; loopback only.
//
//   node --experimental-websocket clients/js/test/soak.mjs   (CHAT_WS_URL, CHAT_HTTP_URL,
//   CHAT_CONTROL_URL from tests/tests/client_js.rs)
import { ChatClient, memoryStorage } from '../src/index.js';

const USERS = 50;
const ADMINS = 10;
const MESSAGES_EACH = 8;
const DEADLINE_MS = 60_000;
const { CHAT_WS_URL: ws, CHAT_HTTP_URL: httpUrl, CHAT_CONTROL_URL: controlUrl } = process.env;
if (!ws || !controlUrl) {
  console.error('soak: CHAT_WS_URL and CHAT_CONTROL_URL are required (cargo test -p chat-tests --test client_js)');
  process.exit(2);
}
setTimeout(() => {
  console.error(`soak: still running after ${DEADLINE_MS / 1000} s, giving up`);
  process.exit(3);
}, DEADLINE_MS).unref();

const started = Date.now();
const run = Math.random().toString(36).slice(2, 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const control = (path, body) => fetch(`${controlUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });

const FAULTS = { drop: 0.1, gone: 0.05, throttle: 0.05, error: 0.05, delay: 0.05, delay_ms: 1500, seed: 7 };
await control('/faults', FAULTS);

const people = [
  ...Array.from({ length: ADMINS }, (_, i) => ({ id: `soak-${run}-admin${i}`, role: 'admin' })),
  ...Array.from({ length: USERS }, (_, i) => ({ id: `soak-${run}-user${i}`, role: 'user' })),
];
const admins = people.filter((p) => p.role === 'admin').map((p) => p.id);
const users = people.filter((p) => p.role === 'user').map((p) => p.id);

for (const p of people) {
  p.client = new ChatClient({
    url: ws,
    httpUrl,
    clientId: p.id,
    role: p.role,
    storage: memoryStorage(),
    backoff: { minMs: 100, maxMs: 1000 },
    maxAttempts: 20,
  });
  p.received = new Map(); // message_id -> times delivered
  p.acked = []; // { message_id, receiver, seq }
  p.drops = 0;
  p.client.on('message', (m) => {
    if (m.receiver_id !== p.id) return; // its own, from another session's catch-up
    p.received.set(m.message_id, (p.received.get(m.message_id) ?? 0) + 1);
  });
}
await Promise.all(people.map((p) => p.client.connect()));
console.log(`soak: ${people.length} clients online in ${Date.now() - started} ms`);

/** Sends MESSAGES_EACH messages, one after another, dropping its own connection now and then. */
async function chat(p) {
  for (let seq = 0; seq < MESSAGES_EACH; seq += 1) {
    const receiver = p.role === 'admin' ? pick(users) : pick(admins);
    const sent = p.client.send({
      receiver_id: receiver,
      appointment_id: 'appointment789',
      service_id: 'service123',
      message_text: `${p.id} #${seq}`,
    });
    if (Math.random() < 0.15) {
      // The connection drops with the send in flight (or just before it goes out).
      p.drops += 1;
      p.client.dropConnection({ holdMs: Math.floor(Math.random() * 800) });
    }
    const ack = await sent;
    p.acked.push({ message_id: ack.message_id, receiver, seq });
    await sleep(100 + Math.random() * 400);
  }
}

/** Server-side cuts: the Management API closes a random client's connection now and then. */
async function cutter(stop) {
  let cuts = 0;
  while (!stop.done) {
    await sleep(250);
    const r = await control('/cut', { client_id: pick(people).id });
    cuts += (await r.json()).closed ?? 0;
  }
  return cuts;
}

const stop = { done: false };
const cutting = cutter(stop);
await Promise.all(people.map(chat));
stop.done = true;
const cuts = await cutting;
const sendingMs = Date.now() - started;
await control('/faults', { drop: 0, gone: 0, throttle: 0, error: 0, delay: 0 });
// The delayed posts still in the air land (or not) within the SDK's 3 s; then a last catch-up.
await sleep(3500);
await Promise.all(people.map((p) => p.client.sync()));

let expected = 0;
let lost = 0;
let duplicated = 0;
let outOfOrder = 0;
const byId = new Map(people.map((p) => [p.id, p]));
for (const sender of people) {
  const perReceiver = new Map();
  for (const a of sender.acked) {
    expected += 1;
    const times = byId.get(a.receiver).received.get(a.message_id) ?? 0;
    if (times === 0) lost += 1;
    if (times > 1) duplicated += times - 1;
    const list = perReceiver.get(a.receiver) ?? [];
    list.push(a);
    perReceiver.set(a.receiver, list);
  }
  for (const list of perReceiver.values()) {
    for (let i = 1; i < list.length; i += 1) if (list[i].message_id <= list[i - 1].message_id) outOfOrder += 1;
  }
}
const sum = (f) => people.reduce((n, p) => n + f(p), 0);
const delivered = sum((p) => p.received.size);
const stats = (k) => sum((p) => p.client.stats[k]);
console.log(`soak: ${people.length} clients (${USERS} users, ${ADMINS} administrators), ${MESSAGES_EACH} messages each, faults ${JSON.stringify(FAULTS)}`);
console.log(`soak: sending took ${(sendingMs / 1000).toFixed(1)} s; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`soak: ${expected} acked, ${delivered} delivered to their receivers`);
console.log(`soak: ${sum((p) => p.drops)} client-side drops, ${cuts} server-side cuts, ${stats('connects') - people.length} reconnects`);
console.log(`soak: ${stats('resent')} sends resent after a reconnect, ${stats('retries')} retried after rate_limited/internal`);
console.log(`soak: ${stats('syncPages')} catch-up pages, ${stats('duplicates')} repeated frames dropped by message_id`);
console.log(`soak: ${outOfOrder} out of order`);
console.log(`soak: ${lost} lost, ${duplicated} duplicated`);
await Promise.all(people.map((p) => p.client.close()));
const ok = lost === 0 && duplicated === 0 && outOfOrder === 0 && expected === people.length * MESSAGES_EACH;
console.log(`soak: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
