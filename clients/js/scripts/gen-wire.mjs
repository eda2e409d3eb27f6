// Writes src/wire.js, the library's wire types, from the API documents: docs/asyncapi.yaml (the
// WebSocket frames) and docs/openapi.yaml (the HTTP bodies). JSDoc typedefs for tsc, and the
// same field lists at run time (the client checks incoming frames against them), so a field
// renamed in the documents changes this file, and the library's code that still uses the old
// name no longer type-checks.
//
//   node scripts/gen-wire.mjs           rewrite src/wire.js
//   node scripts/gen-wire.mjs --check   fail when src/wire.js is not what the documents give
//   node scripts/gen-wire.mjs --asyncapi A --openapi O --out F   other inputs (tests)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const asyncapiPath = arg('--asyncapi', path.join(repo, 'docs/asyncapi.yaml'));
const openapiPath = arg('--openapi', path.join(repo, 'docs/openapi.yaml'));
const out = arg('--out', path.resolve(here, '../src/wire.js'));

/** The frames and bodies the library uses: [type name, document, schema name, note]. */
const WS = [
  ['SendFrame', 'SendFrame', 'A send frame (client → server).'],
  ['SyncRequestFrame', 'SyncRequestFrame', 'A catch-up request (client → server).'],
  ['TypingRequestFrame', 'TypingRequestFrame', 'A typing frame (client → server).'],
  ['MessageFrame', 'MessageFrame', 'A message, live or in a sync page (server → client).'],
  ['AckFrame', 'AckFrame', 'The ack of a stored send (server → sender).'],
  ['SyncFrame', 'SyncFrame', 'One page of catch-up (server → client).'],
  ['TypingFrame', 'TypingFrame', 'A peer is typing (server → client).'],
  ['ReadFrame', 'ReadFrame', 'A read receipt (server → sender).'],
  ['ErrorFrame', 'ErrorFrame', 'A refused frame (server → client).'],
  ['Attachment', 'Attachment', 'A file a message carries (docs/attachments.md).'],
];
const HTTP = [
  ['MarkReadRequest', 'MarkReadRequest', 'The body of PUT /chat/read/{reader_id}.'],
  ['MarkReadResponse', 'MarkReadResponse', 'The answer of PUT /chat/read/{reader_id}.'],
  ['HistoryMessage', 'HistoryMessage', 'A message in a history page.'],
  ['HistoryResponse', 'HistoryResponse', 'A page of GET /chat/history/{client_id}/{peer_id}.'],
  ['UnreadResponse', 'UnreadResponse', 'The answer of GET /chat/unread/{reader_id}.'],
  ['UploadRequest', 'UploadRequest', 'The body of POST /chat/attachments/{client_id}.'],
  ['UploadResponse', 'UploadResponse', 'The answer of POST /chat/attachments/{client_id}: where to PUT the bytes.'],
  ['DownloadResponse', 'DownloadResponse', 'The answer of GET /chat/attachments/{client_id}/{attachment_id}.'],
  ['ExportMessage', 'ExportMessage', 'A message in an export page (a history message without `read`).'],
  ['ExportProfile', 'ExportProfile', "What an export holds of the client itself."],
  ['ExportConnection', 'ExportConnection', 'A connection in an export page.'],
  ['ExportReadState', 'ExportReadState', "One of the client's own inbox entries, in an export page."],
  ['ExportUpload', 'ExportUpload', 'An upload no message carries, in an export page.'],
  ['ExportedFile', 'ExportedFile', "A file of an export page's messages, with a download URL."],
  ['ExportPage', 'ExportPage', 'A page of GET /chat/export/{client_id}.'],
  ['ErasureCounts', 'ErasureCounts', "What an erasure did, added up over its calls."],
  ['ErasureProgress', 'ErasureProgress', 'The answer of POST /chat/erasure/{client_id} (202 while not done, 200 when done).'],
  ['HttpErrorBody', 'Error', 'An HTTP error body.'],
];

function typeOf(schema, schemas, ownName, codes) {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    if (WS.some(([t]) => t === name) || HTTP.some(([t]) => t === name)) return name;
    return typeOf(schemas[name], schemas, name, codes);
  }
  if ('const' in schema) return JSON.stringify(schema.const).replace(/"/g, "'");
  if (schema.enum) {
    if (ownName === 'ErrorCode') return codes;
    return schema.enum.map((v) => (v === null ? 'null' : `'${v}'`)).join(' | ');
  }
  if (schema.oneOf) return schema.oneOf.map((s) => typeOf(s, schemas, undefined, codes)).join(' | ');
  if (schema.allOf && schema.allOf.length === 1) return typeOf(schema.allOf[0], schemas, undefined, codes);
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${typeOf(schema.items, schemas, undefined, codes)}>`;
    case 'object':
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `Record<string, ${typeOf(schema.additionalProperties, schemas, undefined, codes)}>`;
      }
      return 'object';
    default:
      throw new Error(`no type for ${JSON.stringify(schema)}`);
  }
}

function typedef([name, schemaName, note], schemas, codes) {
  const schema = schemas[schemaName];
  if (!schema || !schema.properties) throw new Error(`schema ${schemaName} is missing`);
  const required = schema.required || [];
  const lines = ['/**', ` * ${note}`, ` * @typedef {object} ${name}`];
  for (const [field, prop] of Object.entries(schema.properties)) {
    const type = typeOf(prop, schemas, undefined, codes);
    lines.push(` * @property {${type}} ${required.includes(field) ? field : `[${field}]`}`);
  }
  lines.push(' */');
  return { text: lines.join('\n'), required, optional: Object.keys(schema.properties).filter((f) => !required.includes(f)) };
}

function generate() {
  const asyncapi = parse(readFileSync(asyncapiPath, 'utf8'));
  const openapi = parse(readFileSync(openapiPath, 'utf8'));
  const ws = asyncapi.components.schemas;
  const http = openapi.components.schemas;
  const parts = [];
  const fields = {};
  for (const entry of WS) {
    const { text, required, optional } = typedef(entry, ws, 'WsErrorCode');
    parts.push(text);
    fields[entry[0]] = { required, optional };
  }
  for (const entry of HTTP) {
    const { text, required, optional } = typedef(entry, http, 'HttpErrorCode');
    parts.push(text);
    fields[entry[0]] = { required, optional };
  }
  const wsCodes = ws.ErrorCode.enum;
  const httpCodes = http.ErrorCode.enum;
  const allCodes = [...new Set([...wsCodes, ...httpCodes])];
  const list = (xs) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
  const union = (codes) => codes.map((c) => `'${c}'`).join(' | ');
  return `// Generated by scripts/gen-wire.mjs from docs/asyncapi.yaml and docs/openapi.yaml: do not
// edit (run \`npm run generate\` in clients/js after changing the documents).

/** The WebSocket error codes (asyncapi \`ErrorCode\`). @typedef {${union(wsCodes)}} WsErrorCode */
/** The HTTP error codes (openapi \`ErrorCode\`). @typedef {${union(httpCodes)}} HttpErrorCode */
/** Every stable error code of either API. @typedef {WsErrorCode | HttpErrorCode} ErrorCode */

${parts.join('\n\n')}

/** Required and optional fields of each frame and body, as the documents have them. */
export const FIELDS = Object.freeze({
${Object.entries(fields).map(([name, f]) => `  ${name}: { required: ${list(f.required)}, optional: ${list(f.optional)} },`).join('\n')}
});

/** @type {readonly WsErrorCode[]} */
export const WS_ERROR_CODES = Object.freeze(${list(wsCodes)});

/** @type {readonly HttpErrorCode[]} */
export const HTTP_ERROR_CODES = Object.freeze(${list(httpCodes)});

/** @type {readonly ErrorCode[]} */
export const ERROR_CODES = Object.freeze(${list(allCodes)});
`;
}

const text = generate();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch (_) {
    // Missing: not current.
  }
  if (current !== text) {
    console.error(`${out} is not what the API documents give: run npm run generate in clients/js`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), out)} matches docs/asyncapi.yaml and docs/openapi.yaml`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
