// Attachments (docs/attachments.md): the client-side rules (checkFile), refusals made before
// any request, the upload's PUT with exactly the signed headers (a fake fetch, no server), and
// then through chat-local and its local S3: a photo uploaded with progress, sent without
// text, received with its attachment, downloaded byte for byte; an HTML page named photo.png
// refused at the send; an attachment used twice, an unknown one, and one of a deleted message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACCEPT,
  AttachmentGoneError,
  AttachmentInUseError,
  AttachmentMismatchError,
  AttachmentNotFoundError,
  ChatClient,
  FileTooLargeError,
  MAX_ATTACHMENT_BYTES,
  UnsupportedFileTypeError,
  UploadFailedError,
  ValidationError,
  checkFile,
  contentTypeOf,
  memoryStorage,
} from '../src/index.js';
import { needsServer, online, to, unique, until } from './helpers.mjs';

// ---------------------------------------------------------------------------- test files

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A valid PNG of `size`×`size` pixels of one colour (its signature is what the send checks). */
async function png(size = 4, rgb = [37, 99, 235]) {
  const { deflateSync } = await import('node:zlib');
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const rows = Buffer.concat(Array.from({ length: size }, () => Buffer.from([0, ...Array(size).fill(rgb).flat()])));
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]));
}

const HTML = '<!doctype html><html><body><script>alert(1)</script></body></html>';

// ---------------------------------------------------------------------------- no server

test('checkFile: the allowed types, the 10 MiB limit and the file-name rules', () => {
  const ok = (name, type, size = 10) => assert.equal(checkFile({ name, type, size }), null, `${name} ${type}`);
  const refused = (code, name, type, size = 10) => {
    const problem = checkFile({ name, type, size });
    assert.equal(problem?.code, code, `${name} ${type} ${size}: ${JSON.stringify(problem)}`);
    assert.ok(problem.message.length > 0);
    return problem;
  };
  for (const [name, type] of [
    ['photo.jpg', 'image/jpeg'],
    ['photo.JPEG', 'image/jpeg'],
    ['scan.png', 'image/png'],
    ['funny.gif', 'image/gif'],
    ['pic.webp', 'image/webp'],
    ['referral.pdf', 'application/pdf'],
    ['notes.txt', 'text/plain'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['Scan.PNG', 'IMAGE/PNG'],
    ['ünïcödé name (2).pdf', 'application/pdf'],
    ['x.png', ''], // no type from the browser: its extension's
  ]) ok(name, type);
  ok('max.pdf', 'application/pdf', MAX_ATTACHMENT_BYTES);
  ok(`${'a'.repeat(251)}.pdf`, 'application/pdf');

  assert.match(refused('file_too_large', 'big.pdf', 'application/pdf', MAX_ATTACHMENT_BYTES + 1).message, /"big\.pdf" is over the 10 MB limit/);
  assert.match(refused('unsupported_file_type', 'page.html', 'text/html').message, /"page\.html" is not an allowed type/);
  for (const type of ['image/svg+xml', 'application/xml', 'text/javascript', 'application/octet-stream']) {
    refused('unsupported_file_type', 'a.png', type);
  }
  refused('unsupported_file_type', 'page.html', '');
  refused('unsupported_file_type', 'noextension', '');
  // The type first, then the size: a huge HTML page is refused for its type.
  refused('unsupported_file_type', 'page.html', 'text/html', MAX_ATTACHMENT_BYTES * 3);
  refused('validation', 'empty.txt', 'text/plain', 0);
  refused('validation', 'a.txt', 'text/plain', -1);
  refused('validation', 'a.txt', 'text/plain', 1.5);
  refused('validation', '', 'text/plain');
  refused('validation', `${'a'.repeat(252)}.pdf`, 'application/pdf');
  refused('validation', 'dir/a.png', 'image/png');
  refused('validation', 'dir\\a.png', 'image/png');
  refused('validation', 'a\u0000.png', 'image/png');
  refused('validation', 'bell\u0007.png', 'image/png');
  refused('validation', ' a.png', 'image/png');
  refused('validation', 'a.png ', 'image/png');
  refused('validation', '.png', 'image/png');
  refused('validation', 'photo.jpg', 'image/png');
  refused('validation', 'photo.png.html', 'image/png');
  assert.equal(contentTypeOf({ name: 'a.JPG', type: '' }), 'image/jpeg');
  assert.equal(contentTypeOf({ name: 'a.png', type: 'Image/PNG; x=1' }), 'image/png');
  assert.equal(contentTypeOf({ name: 'a.png', type: 'text/html' }), null);
  assert.ok(ACCEPT.includes('.pdf') && ACCEPT.includes('image/webp') && !ACCEPT.includes('html'));
});

/** A client against nothing, whose every fetch is answered by `answer(url, init)` and recorded. */
function offlineClient(answer = () => new Response('{}', { status: 500 })) {
  const calls = [];
  const fetchSpy = async (url, init = {}) => {
    calls.push({ url: String(url), init });
    return answer(String(url), init);
  };
  const client = new ChatClient({
    url: 'ws://127.0.0.1:9/ws',
    clientId: 'user-offline',
    storage: memoryStorage(),
    fetch: fetchSpy,
  });
  return { client, calls };
}

test('upload() refuses a file over 10 MiB, an HTML page and a bad name before any request', async () => {
  const { client, calls } = offlineClient();
  const big = new Blob([new Uint8Array(MAX_ATTACHMENT_BYTES + 1)], { type: 'image/png' });
  await assert.rejects(client.upload(big, { name: 'huge.png' }), (err) => {
    assert.ok(err instanceof FileTooLargeError, err.name);
    assert.equal(err.code, 'file_too_large');
    assert.equal(err.source, 'upload');
    return true;
  });
  const page = new File([HTML], 'page.html', { type: 'text/html' });
  await assert.rejects(client.upload(page), UnsupportedFileTypeError);
  await assert.rejects(client.upload({ name: 'x.html', type: 'text/html', data: HTML }), UnsupportedFileTypeError);
  await assert.rejects(client.upload({ name: 'a/b.png', type: 'image/png', data: await png() }), ValidationError);
  await assert.rejects(client.upload(new Blob([])), UnsupportedFileTypeError, 'no name, no type');
  await assert.rejects(client.upload({ name: 'a.png', type: 'image/png', size: 3, data: await png() }), ValidationError);
  assert.equal(calls.length, 0, 'no request was made');
});

test('upload() asks for the upload, then PUTs exactly the signed headers and the bytes', async () => {
  const bytes = await png();
  const grant = {
    attachment_id: '01JF3Q8T9X4M2B7C5D6E7F8G9H',
    upload_url: 'http://127.0.0.1:9/bucket/uploads/01JF3Q8T9X4M2B7C5D6E7F8G9H?X-Amz-Signature=ab',
    upload_method: 'PUT',
    upload_headers: { 'content-type': 'image/png', 'x-amz-tagging': 'state=pending' },
    expires_at: '2026-12-03T14:40:00.000Z',
  };
  let putStatus = 200;
  const { client, calls } = offlineClient((url, init) => {
    if (init.method === 'POST') return Response.json(grant, { status: 201 });
    if (putStatus === 200) return new Response(null, { status: 200 });
    return new Response('<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code></Error>', { status: putStatus });
  });
  const progress = [];
  const attachment = await client.upload(new File([bytes], 'dot.png', { type: 'image/png' }), {
    onProgress: (p) => progress.push(p),
  });
  assert.deepEqual(attachment, { attachment_id: grant.attachment_id, file_name: 'dot.png', content_type: 'image/png', size: bytes.length });
  assert.equal(calls.length, 2);
  assert.equal(calls[0].url, 'http://127.0.0.1:9/chat/attachments/user-offline');
  assert.deepEqual(JSON.parse(calls[0].init.body), { file_name: 'dot.png', content_type: 'image/png', size: bytes.length });
  assert.equal(calls[1].url, grant.upload_url);
  assert.equal(calls[1].init.method, 'PUT');
  assert.deepEqual(calls[1].init.headers, grant.upload_headers, 'exactly the signed headers');
  assert.deepEqual(new Uint8Array(await calls[1].init.body.arrayBuffer()), bytes);
  assert.deepEqual(progress, [{ loaded: 0, total: bytes.length }, { loaded: bytes.length, total: bytes.length }]);

  putStatus = 403;
  await assert.rejects(client.upload({ name: 'dot.png', type: 'image/png', data: bytes }), (err) => {
    assert.ok(err instanceof UploadFailedError, err.name);
    assert.equal(err.code, 'upload_failed');
    assert.equal(err.status, 403);
    assert.match(err.message, /403 SignatureDoesNotMatch/);
    return true;
  });

  // Aborted before the PUT: no PUT goes out.
  const aborted = new AbortController();
  aborted.abort();
  const before = calls.length;
  await assert.rejects(client.upload({ name: 'dot.png', type: 'image/png', data: bytes }, { signal: aborted.signal }), { name: 'AbortError' });
  assert.equal(calls.length, before);
});

test('download URLs are asked for once and kept until shortly before they expire', async () => {
  let asked = 0;
  const { client } = offlineClient((url) => {
    asked += 1;
    const id = url.split('/').pop();
    return Response.json({
      attachment_id: id, file_name: 'a.pdf', content_type: 'application/pdf', size: 5, disposition: 'attachment',
      url: `http://127.0.0.1:9/bucket/uploads/${id}?n=${asked}`, expires_at: new Date(Date.now() + 300_000).toISOString(),
    });
  });
  const id = '01JF3Q8T9X4M2B7C5D6E7F8G9H';
  const [a, b] = await Promise.all([client.download(id), client.download(id)]);
  assert.equal(a.url, b.url);
  assert.equal((await client.download(id)).url, a.url);
  assert.equal(asked, 1);
  assert.notEqual((await client.download(id, { fresh: true })).url, a.url);
  assert.equal(asked, 2);
});

// ---------------------------------------------------------------------------- chat-local

test('a photo: uploaded with progress, sent without text, received and downloaded byte for byte', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'));
  const bytes = await png(8);
  const progress = [];
  const photo = await user.client.upload(new File([bytes], 'rash.png', { type: 'image/png' }), {
    onProgress: (p) => progress.push(p),
  });
  assert.match(photo.attachment_id, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
  assert.deepEqual(photo, { attachment_id: photo.attachment_id, file_name: 'rash.png', content_type: 'image/png', size: bytes.length });
  assert.deepEqual(progress[0], { loaded: 0, total: bytes.length });
  assert.deepEqual(progress.at(-1), { loaded: bytes.length, total: bytes.length });

  const ack = await user.client.send(to(admin.id, '', { attachments: [photo] }));
  assert.equal(ack.type, 'ack');
  await until('the administrator gets it', () => admin.received.length === 1);
  const got = admin.received[0];
  assert.equal(got.message_id, ack.message_id);
  assert.equal(got.message_text, '');
  assert.deepEqual(got.attachments, [photo]);

  const link = await admin.client.download(photo.attachment_id);
  assert.equal(link.attachment_id, photo.attachment_id);
  assert.equal(link.content_type, 'image/png');
  assert.equal(link.disposition, 'inline');
  const response = await fetch(link.url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^image\/png/);
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);

  // The history carries it too, and the sender may download it as well.
  const page = await admin.client.history(user.id).next();
  assert.deepEqual(page.value.messages[0].attachments, [photo]);
  assert.equal((await user.client.download(photo.attachment_id)).size, bytes.length);
  // Someone else learns nothing about it.
  const stranger = await online(unique('admin'), 'admin');
  await assert.rejects(stranger.client.download(photo.attachment_id), AttachmentNotFoundError);
});

test('a document with text; an attachment is used once; its message deleted, it is gone', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'), 'user', { maxAttempts: 1 });
  const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  const letter = await user.client.upload({ name: 'referral.pdf', type: 'application/pdf', data: pdf });
  const ack = await user.client.send(to(admin.id, 'My referral letter', { attachments: [letter.attachment_id] }));
  await until('delivered', () => admin.received.length === 1);
  assert.equal(admin.received[0].message_text, 'My referral letter');
  assert.deepEqual(admin.received[0].attachments, [letter]);
  const link = await admin.client.download(letter.attachment_id);
  assert.equal(link.disposition, 'attachment');
  const response = await fetch(link.url);
  assert.match(response.headers.get('content-disposition') ?? '', /^attachment/);
  assert.equal(await response.text(), pdf);

  await assert.rejects(user.client.send(to(admin.id, 'again', { attachments: [letter] })), AttachmentInUseError);
  await assert.rejects(user.client.send(to(admin.id, '', { attachments: ['01JF3Q8T9X4M2B7C5D6E7F8G9H'] })), AttachmentNotFoundError);

  await user.client.deleteMessage({ message_id: ack.message_id, sender_id: user.id, receiver_id: admin.id });
  await assert.rejects(admin.client.download(letter.attachment_id, { fresh: true }), AttachmentGoneError);
});

test('an HTML page uploaded as photo.png is refused at the send with attachment_mismatch', needsServer, async () => {
  const admin = await online(unique('admin'), 'admin');
  const user = await online(unique('user'), 'user', { maxAttempts: 1 });
  // checkFile sees a PNG by name and type; only the server's look at the bytes tells.
  const fake = await user.client.upload(new File([HTML], 'photo.png', { type: 'image/png' }));
  await assert.rejects(user.client.send(to(admin.id, '', { attachments: [fake] })), (err) => {
    assert.ok(err instanceof AttachmentMismatchError, `${err.name}: ${err.message}`);
    assert.equal(err.code, 'attachment_mismatch');
    return true;
  });
  await admin.client.sync();
  assert.equal(admin.received.length, 0, 'nothing was stored');
});
