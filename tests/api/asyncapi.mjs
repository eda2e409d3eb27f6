// Shared by the API document checks: loads docs/asyncapi.yaml with @asyncapi/parser (from
// tools/node_modules, installed by scripts/setup.sh) and reports its diagnostics.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The pinned tools live in tools/node_modules, not beside this file.
export const toolsRequire = createRequire(
  fileURLToPath(new URL('../../tools/package.json', import.meta.url)),
);

const { Parser, DiagnosticSeverity } = toolsRequire('@asyncapi/parser');

const SEVERITY = ['error', 'warning', 'information', 'hint'];

// Parses the document at `path`. Returns `{ document, problems }`: `problems` are the errors
// and warnings, each one line (`severity code at path: message`); `document` is undefined
// when there were errors.
export async function parseAsyncApi(path) {
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(readFileSync(path, 'utf8'), {
    source: path,
  });
  const problems = diagnostics
    .filter((d) => d.severity <= DiagnosticSeverity.Warning)
    .map((d) => {
      const at = d.path && d.path.length ? d.path.join('.') : '(document)';
      const line = d.range ? `:${d.range.start.line + 1}` : '';
      return `${SEVERITY[d.severity]} ${d.code} at ${at}${line}: ${d.message}`;
    });
  return { document, problems };
}

const Ajv = toolsRequire('ajv');
const addFormats = toolsRequire('ajv-formats');

// The JSON Schema of a parsed schema, without the parser's own `x-parser-*` annotations.
function plainSchema(value) {
  if (Array.isArray(value)) return value.map(plainSchema);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith('x-parser-'))
      .map(([key, v]) => [key, plainSchema(v)]),
  );
}

// Every message of the document, compiled: `{ name, direction, type, validate, examples }`.
// `direction` is `client` for messages of `receive` operations (what clients send) and
// `server` for the others; `type` is the server frame's `type` constant. Compiling uses Ajv
// in strict mode, so a misspelt keyword in a schema is an error here.
export function compileMessages(document) {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  const clientMessages = new Set();
  for (const op of document.operations().all()) {
    if (op.action() === 'receive') {
      for (const m of op.messages().all()) clientMessages.add(m.id());
    }
  }
  return document
    .allMessages()
    .all()
    .map((m) => {
      const schema = plainSchema(m.payload().json());
      return {
        name: m.id(),
        direction: clientMessages.has(m.id()) ? 'client' : 'server',
        type: schema.properties?.type?.const,
        validate: ajv.compile(schema),
        examples: m.examples().all().map((e) => ({ name: e.name(), payload: e.payload() })),
      };
    });
}

// Ajv's errors as one line.
export function explain(validate) {
  return (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(frame)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('; ');
}
