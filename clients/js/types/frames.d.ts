/** @typedef {import('./connection.js').Emit} Emit */
/** @typedef {import('./requests.js').Requests} Requests */
/**
 * Whether `value` has every required field of the documents' `schema` (frames missing one are
 * ignored: the server and this library disagree on the contract).
 * @param {any} value
 * @param {keyof typeof FIELDS} schema
 */
export function has(value: any, schema: keyof typeof FIELDS): boolean;
/**
 * One frame as it came off the socket; anything that is not JSON, or lacks a required field,
 * is dropped.
 * @param {unknown} data
 * @param {Requests} requests
 * @param {(raw: import('./messages.js').WireMessage, source: 'live') => unknown} deliver
 * @param {Emit} emit
 */
export function routeFrame(data: unknown, requests: Requests, deliver: (raw: import("./messages.js").WireMessage, source: "live") => unknown, emit: Emit): void;
export type Emit = import("./connection.js").Emit;
export type Requests = import("./requests.js").Requests;
import { FIELDS } from './wire.js';
