// Shared by the tests: the chat-local they run against (tests/tests/client_js.rs starts it and
// passes its URLs), its control API (faults, cut connections, restarts), clients with unique
// ids, waiting without sleeps standing in for readiness, and HS256 tokens.
import { createHmac, randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { ChatClient, memoryStorage } from '../src/index.js';

/** Every client a test made: closed after the file's tests, passed or failed, so that a
 * failed test cannot keep the process alive with its reconnect and resync timers. */
const made = [];
export function track(client) {
  made.push(client);
  return client;
}
after(() => Promise.all(made.map((c) => c.close())));

export const env = {
  ws: process.env.CHAT_WS_URL,
  http: process.env.CHAT_HTTP_URL,
  control: process.env.CHAT_CONTROL_URL,
  jwtWs: process.env.CHAT_JWT_WS_URL,
  jwtHttp: process.env.CHAT_JWT_HTTP_URL,
  jwtSecret: process.env.CHAT_JWT_SECRET,
};

/** Skips a test run by hand without a chat-local (cargo test always passes the URLs). */
export const needsServer = env.ws && env.control ? { timeout: 60_000 } : { skip: 'no CHAT_WS_URL: run cargo test -p chat-tests --test client_js' };
export const needsJwt = env.jwtWs && env.jwtSecret ? { timeout: 60_000 } : { skip: 'no CHAT_JWT_WS_URL: run cargo test -p chat-tests --test client_js' };

/** A client id no other test (or earlier run on the same store) uses. */
export const unique = (name) => `${name}-${randomBytes(4).toString('hex')}`;

/** @param {string} path @param {object} [body] */
export async function control(path, body = {}) {
  const response = await fetch(`${env.control}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return response.json();
}

export const NO_FAULTS = { drop: 0, gone: 0, throttle: 0, error: 0, delay: 0 };

/** A development-identity client, connected; its messages are collected in `received`. */
export async function online(name, role = 'user', options = {}) {
  const client = track(new ChatClient({
    url: env.ws,
    httpUrl: env.http,
    clientId: name,
    role,
    storage: memoryStorage(),
    backoff: { minMs: 50, maxMs: 500 },
    ...options,
  }));
  /** @type {import('../src/index.js').MessageFrame[]} */
  const received = [];
  client.on('message', (m) => received.push(m));
  await client.connect();
  return { client, received, id: name };
}

/** Polls `check` every 20 ms until it is true; fails after `ms`. */
export async function until(what, check, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A message from `from`'s point of view. */
export const to = (receiver, text, extra = {}) => ({
  receiver_id: receiver,
  appointment_id: 'appointment789',
  service_id: 'service123',
  message_text: text,
  ...extra,
});

/** An HS256 JWT as chat-local --auth jwt verifies it; `ttlS` may be negative (expired). */
export function mintToken(sub, role, ttlS, secret = env.jwtSecret) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role, iat: now, exp: now + ttlS })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
