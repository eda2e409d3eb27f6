// The AsyncAPI side of the WebSocket conformance test (tests/tests/api_docs.rs).
//
//   node tests/api/check-frames.mjs examples DOC
//     prints {"<client message>": [example payload, ...]} for the messages clients send
//   node tests/api/check-frames.mjs check DOC FRAMES.json
//     FRAMES.json: {"server": [frame, ...], "client": [{"message", "valid", "frame"}, ...]}
//     Each server frame must validate against a message whose `type` constant it carries
//     (two may share one: a send's `ack` and a change's `ack`); each client frame must
//     validate against its named message exactly when `valid` is true. The summary counts
//     the server frames by the message they matched.
//     Prints one line per failure and exits 1 if there is any.
import { readFileSync } from 'node:fs';
import { compileMessages, explain, parseAsyncApi } from './asyncapi.mjs';

const [command, docPath, framesPath] = process.argv.slice(2);
const { document, problems } = await parseAsyncApi(docPath);
if (!document) {
  console.error(problems.join('\n'));
  process.exit(2);
}
const messages = compileMessages(document);

if (command === 'examples') {
  const out = {};
  for (const m of messages.filter((m) => m.direction === 'client')) {
    out[m.name] = m.examples.map((e) => e.payload);
  }
  console.log(JSON.stringify(out));
} else if (command === 'check') {
  const frames = JSON.parse(readFileSync(framesPath, 'utf8'));
  const failures = [];
  const byType = new Map();
  for (const m of messages.filter((m) => m.direction === 'server' && m.type)) {
    byType.set(m.type, [...(byType.get(m.type) ?? []), m]);
  }
  const seen = {};
  for (const frame of frames.server) {
    const candidates = byType.get(frame?.type) ?? [];
    const m = candidates.find((c) => c.validate(frame));
    if (candidates.length === 0) {
      failures.push(`server frame of undocumented type: ${JSON.stringify(frame)}`);
    } else if (!m) {
      const why = candidates.map((c) => (c.validate(frame), `${c.name}: ${explain(c.validate)}`));
      failures.push(`server frame breaks ${why.join(' | ')}: ${JSON.stringify(frame)}`);
    } else {
      seen[m.name] = (seen[m.name] ?? 0) + 1;
    }
  }
  for (const { message, valid, frame } of frames.client) {
    const m = messages.find((x) => x.name === message && x.direction === 'client');
    if (!m) {
      failures.push(`no client message named ${message}`);
    } else if (m.validate(frame) !== valid) {
      failures.push(
        `client frame should be ${valid ? 'valid' : 'invalid'} as ${message}` +
          `${valid ? ': ' + explain(m.validate) : ''}: ${JSON.stringify(frame)}`,
      );
    }
  }
  for (const f of failures) console.error(f);
  console.log(
    `${frames.server.length} server frames (${JSON.stringify(seen)}), ` +
      `${frames.client.length} client frames checked, ${failures.length} failure(s)`,
  );
  process.exit(failures.length > 0 ? 1 : 0);
} else {
  console.error('usage: check-frames.mjs examples DOC | check DOC FRAMES.json');
  process.exit(2);
}
