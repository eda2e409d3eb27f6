// The OpenAPI side of a response check (tests/tests/api_docs.rs), for responses schemathesis
// cannot get (the system-message route needs a SigV4 signature per request):
//
//   node tests/api/check-openapi.mjs DOC BODIES.json
//     BODIES.json: [{"schema": "<component schema name>", "body": <JSON>}, ...]
//     Each body must validate against docs/openapi.yaml's `#/components/schemas/<schema>`
//     (OpenAPI 3.1 schemas are JSON Schema 2020-12; the document's own $refs resolve).
//     Prints one line per failure and exits 1 if there is any.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const toolsRequire = createRequire(fileURLToPath(new URL('../../tools/package.json', import.meta.url)));
const yaml = toolsRequire('js-yaml');
const Ajv2020 = toolsRequire('ajv/dist/2020').default;
const addFormats = toolsRequire('ajv-formats');

const [docPath, bodiesPath] = process.argv.slice(2);
const doc = yaml.load(readFileSync(docPath, 'utf8'));
// Only what JSON Schema knows: OpenAPI's own keywords (example, x-...) are annotations.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'https://chat.invalid/openapi.json', components: doc.components });

const failures = [];
const bodies = JSON.parse(readFileSync(bodiesPath, 'utf8'));
for (const { schema, body } of bodies) {
  const validate = ajv.getSchema(`https://chat.invalid/openapi.json#/components/schemas/${schema}`);
  if (!validate) {
    failures.push(`no schema ${schema} in ${docPath}`);
    continue;
  }
  if (!validate(body)) {
    const why = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    failures.push(`${schema}: ${JSON.stringify(body).slice(0, 200)}: ${why}`);
  }
}
for (const f of failures) console.log(f);
console.log(`openapi bodies: ${bodies.length - failures.length} of ${bodies.length} valid`);
process.exit(failures.length === 0 ? 0 : 1);
