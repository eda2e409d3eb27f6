// Small helpers without a better home: ids, JWT claims, backoff, sleep.

/** A v4 UUID: `crypto.randomUUID` where there is one (secure contexts, Node), else by hand. */
export function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  // Not a secure context (e.g. http:// on a LAN address).
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Ids of clients, appointments and services (the documents' `Id`). */
export const ID_PATTERN = /^[A-Za-z0-9_.:@|-]{1,128}$/;

/**
 * The identity a JWT claims (not verified: the server does that): `sub` and the role, read as
 * the server reads it (`role`, `custom:role`, or Cognito's `admin` group).
 * @param {string} token
 * @returns {{ clientId: string, role: 'user' | 'admin', exp?: number }}
 */
export function tokenClaims(token) {
  const part = String(token).split('.')[1];
  if (!part) throw new TypeError('this is not a JWT (header.payload.signature)');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (ch) =>
    ch.charCodeAt(0),
  );
  const claims = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof claims.sub !== 'string' || !ID_PATTERN.test(claims.sub)) {
    throw new TypeError('the token has no valid "sub" claim (the client id)');
  }
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [];
  const role = claims.role || claims['custom:role'] || (groups.includes('admin') ? 'admin' : 'user');
  return {
    clientId: claims.sub,
    role: role === 'admin' ? 'admin' : 'user',
    exp: typeof claims.exp === 'number' ? claims.exp : undefined,
  };
}

/**
 * The delay before attempt `n` (0-based): `minMs` doubling up to `maxMs`, ±20 % jitter so that
 * many clients cut at once do not come back at once.
 * @param {number} n
 * @param {{ minMs: number, maxMs: number }} backoff
 * @param {() => number} [random]
 */
export function backoffDelay(n, backoff, random = Math.random) {
  const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(n, 30));
  return Math.round(base * (0.8 + random() * 0.4));
}

/** Resolves after `ms` milliseconds. @param {number} ms @returns {Promise<void>} */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
