// Validates an AsyncAPI document (default docs/asyncapi.yaml): @asyncapi/parser's errors and
// warnings, then every message payload compiled as JSON Schema (Ajv, strict mode) and every
// message example validated against its payload. Prints each problem and exits 1 if there is
// any. Run by tests/tests/api_docs.rs.
//   node tests/api/validate-asyncapi.mjs [docs/asyncapi.yaml]
import { compileMessages, explain, parseAsyncApi } from './asyncapi.mjs';

const path = process.argv[2] ?? new URL('../../docs/asyncapi.yaml', import.meta.url).pathname;
const { document, problems } = await parseAsyncApi(path);
let examples = 0;
if (document) {
  let messages = [];
  try {
    messages = compileMessages(document);
  } catch (err) {
    problems.push(`error schema: ${err.message}`);
  }
  for (const m of messages) {
    if (m.examples.length === 0) problems.push(`error message ${m.name} has no example`);
    for (const e of m.examples) {
      examples += 1;
      if (!m.validate(e.payload)) {
        problems.push(`error example ${m.name}/${e.name} breaks its payload schema: ${explain(m.validate)}`);
      }
    }
  }
}
for (const p of problems) console.error(p);
if (!document || problems.length > 0) {
  console.error(`${path}: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `${path}: valid AsyncAPI ${document.version()}: ${document.operations().length} operations, ` +
    `${document.allMessages().length} messages, ${examples} examples valid against their payloads`,
);
