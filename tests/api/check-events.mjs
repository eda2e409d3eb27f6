// The events' side of tests/tests/events_out.rs: every event chat-local's bus published (or a
// webhook received) validates against its schema in docs/events/v1/.
//
//   node tests/api/check-events.mjs SCHEMA_DIR EVENTS.jsonl
//     EVENTS.jsonl: one EventBridge event per line ({"detail-type", "source", "detail", ...});
//     `detail` must validate against SCHEMA_DIR/<detail-type>.schema.json (JSON Schema 2020-12).
//     Prints one line per failure and exits 1 if there is any, or if there are no events.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const toolsRequire = createRequire(fileURLToPath(new URL('../../tools/package.json', import.meta.url)));
const Ajv2020 = toolsRequire('ajv/dist/2020').default;
const addFormats = toolsRequire('ajv-formats');

const [schemaDir, eventsPath] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validators = new Map();
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  validators.set(file.replace('.schema.json', ''), ajv.compile(schema));
}

const events = readFileSync(eventsPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const failures = [];
const seen = new Map();
for (const event of events) {
  const type = event['detail-type'];
  const validate = validators.get(type);
  seen.set(type, (seen.get(type) ?? 0) + 1);
  if (!validate) {
    failures.push(`no schema for detail-type ${type}`);
  } else if (!validate(event.detail)) {
    const why = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    failures.push(`${type}: ${JSON.stringify(event.detail).slice(0, 300)}: ${why}`);
  }
}
if (events.length === 0) failures.push('no events to check');
for (const f of failures) console.log(f);
console.log(`events: ${events.length - failures.length} of ${events.length} valid (${[...seen].map(([t, n]) => `${t} ${n}`).join(', ')})`);
process.exit(failures.length === 0 ? 0 : 1);
