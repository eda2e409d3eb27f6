// The package itself: its wire types are what the API documents say (a renamed field breaks
// the type check), its declaration files are current, and `npm pack` ships the right files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { backoffDelay, memoryStorage, tokenClaims } from '../src/index.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(pkg, '../..');
const tsc = path.join(pkg, 'node_modules/typescript/bin/tsc');
const node = (args, cwd = pkg) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });

test('src/wire.js is what docs/asyncapi.yaml and docs/openapi.yaml give', () => {
  const run = node(['scripts/gen-wire.mjs', '--check']);
  assert.equal(run.status, 0, run.stderr);
});

test('the library type-checks (tsc, strict, checkJs) and types/*.d.ts is current', () => {
  const run = node(['scripts/check-types.mjs']);
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('a field renamed in the AsyncAPI document breaks the library type check', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-client-rename-'));
  try {
    const doc = parse(readFileSync(path.join(repo, 'docs/asyncapi.yaml'), 'utf8'));
    const frame = doc.components.schemas.AckFrame;
    frame.properties.id = frame.properties.message_id;
    delete frame.properties.message_id;
    frame.required = frame.required.map((f) => (f === 'message_id' ? 'id' : f));
    writeFileSync(path.join(dir, 'asyncapi.yaml'), stringify(doc));
    cpSync(path.join(pkg, 'src'), path.join(dir, 'src'), { recursive: true });
    const gen = node([
      'scripts/gen-wire.mjs',
      '--asyncapi', path.join(dir, 'asyncapi.yaml'),
      '--out', path.join(dir, 'src/wire.js'),
    ]);
    assert.equal(gen.status, 0, gen.stderr);
    const tsconfig = JSON.parse(readFileSync(path.join(pkg, 'tsconfig.json'), 'utf8'));
    tsconfig.compilerOptions.noEmit = true;
    tsconfig.compilerOptions.emitDeclarationOnly = false;
    tsconfig.compilerOptions.declaration = false;
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const check = node([tsc, '-p', path.join(dir, 'tsconfig.json')]);
    assert.notEqual(check.status, 0, 'tsc accepted a library that reads a field the document no longer has');
    assert.match(check.stdout, /message_id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm pack ships the sources, the declarations, the README and package.json only', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  const expected = ['README.md', 'package.json'];
  for (const f of ['attachments', 'catchup', 'chat-http', 'client', 'commands', 'connection', 'errors', 'events', 'frames', 'http', 'identity', 'index', 'messages', 'options', 'privacy', 'requests', 'storage', 'util', 'wire']) {
    expected.push(`src/${f}.js`, `types/${f}.d.ts`);
  }
  assert.deepEqual(files, expected.sort());
  const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.dependencies ?? {}, {}, 'no runtime dependencies');
});

test('backoff doubles from the minimum to the maximum with ±20 % jitter', () => {
  const b = { minMs: 500, maxMs: 5000 };
  assert.equal(backoffDelay(0, b, () => 0.5), 500);
  assert.equal(backoffDelay(1, b, () => 0.5), 1000);
  assert.equal(backoffDelay(10, b, () => 0.5), 5000);
  assert.equal(backoffDelay(0, b, () => 0), 400);
  assert.equal(backoffDelay(0, b, () => 0.999999), 600);
});

test('token claims: the id and the role as the server reads them', () => {
  const t = (claims) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  assert.deepEqual(tokenClaims(t({ sub: 'admin456', role: 'admin', exp: 5 })), { clientId: 'admin456', role: 'admin', exp: 5 });
  assert.equal(tokenClaims(t({ sub: 'u', 'custom:role': 'admin' })).role, 'admin');
  assert.equal(tokenClaims(t({ sub: 'u', 'cognito:groups': ['admin'] })).role, 'admin');
  assert.equal(tokenClaims(t({ sub: 'u' })).role, 'user');
  assert.throws(() => tokenClaims('not-a-token'), /not a JWT/);
  assert.throws(() => tokenClaims(t({ sub: 'bad id' })), /sub/);
});

test('memory storage keeps what it is given', () => {
  const s = memoryStorage();
  assert.equal(s.getItem('k'), null);
  s.setItem('k', 'v');
  assert.equal(s.getItem('k'), 'v');
});
