// Frames from the server, checked against the documents' required fields and handed on: a
// message or update to delivery, an ack, sync page or error to the request out (requests.js),
// typing and read receipts to the client's listeners.

import { InternalError, errorFor } from './errors.js';
import { isMessage } from './messages.js';
import { FIELDS } from './wire.js';

/** @typedef {import('./connection.js').Emit} Emit */
/** @typedef {import('./requests.js').Requests} Requests */

/**
 * Whether `value` has every required field of the documents' `schema` (frames missing one are
 * ignored: the server and this library disagree on the contract).
 * @param {any} value
 * @param {keyof typeof FIELDS} schema
 */
export function has(value, schema) {
  return value !== null && typeof value === 'object' && FIELDS[schema].required.every((f) => value[f] !== undefined);
}

/**
 * One frame as it came off the socket; anything that is not JSON, or lacks a required field,
 * is dropped.
 * @param {unknown} data
 * @param {Requests} requests
 * @param {(raw: import('./messages.js').WireMessage, source: 'live') => unknown} deliver
 * @param {Emit} emit
 */
export function routeFrame(data, requests, deliver, emit) {
  /** @type {any} */
  let frame;
  try {
    frame = JSON.parse(String(data));
  } catch (_) {
    return;
  }
  if (!frame || typeof frame !== 'object') return;
  switch (frame.type) {
    case 'message':
      if (has(frame, 'MessageFrame')) deliver(frame, 'live');
      break;
    case 'update':
      if (isMessage(frame.message)) deliver(frame.message, 'live');
      break;
    case 'ack':
      if (has(frame, 'AckFrame')) {
        if (typeof frame.action === 'string') requests.onChangeAck(frame);
        else requests.onAck(frame);
      }
      break;
    case 'sync':
      if (has(frame, 'SyncFrame')) requests.onSync(frame);
      break;
    case 'typing':
      if (has(frame, 'TypingFrame')) emit('typing', frame);
      break;
    case 'read':
      if (has(frame, 'ReadFrame')) emit('read', frame);
      break;
    case 'error':
      if (has(frame, 'ErrorFrame')) requests.onError(errorFor(frame.code, frame.message));
      break;
    default:
      // API Gateway's answer when a function failed: {"message":"Internal server error",…}.
      if (typeof frame.message === 'string') requests.onError(new InternalError(frame.message, { code: 'internal' }));
  }
}
