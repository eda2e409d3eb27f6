/** A v4 UUID: `crypto.randomUUID` where there is one (secure contexts, Node), else by hand. */
export function uuid(): string;
/**
 * The identity a JWT claims (not verified: the server does that): `sub` and the role, read as
 * the server reads it (`role`, `custom:role`, or Cognito's `admin` group).
 * @param {string} token
 * @returns {{ clientId: string, role: 'user' | 'admin', exp?: number }}
 */
export function tokenClaims(token: string): {
    clientId: string;
    role: "user" | "admin";
    exp?: number;
};
/**
 * The delay before attempt `n` (0-based): `minMs` doubling up to `maxMs`, ±20 % jitter so that
 * many clients cut at once do not come back at once.
 * @param {number} n
 * @param {{ minMs: number, maxMs: number }} backoff
 * @param {() => number} [random]
 */
export function backoffDelay(n: number, backoff: {
    minMs: number;
    maxMs: number;
}, random?: () => number): number;
/** Resolves after `ms` milliseconds. @param {number} ms @returns {Promise<void>} */
export function sleep(ms: number): Promise<void>;
/** Ids of clients, appointments and services (the documents' `Id`). */
export const ID_PATTERN: RegExp;
