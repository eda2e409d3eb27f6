// Checks that types/*.d.ts (committed, so the package needs no build) is what tsc emits from
// src/ now: emits into a temporary directory and compares file by file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(tmpdir(), 'chat-client-types-'));
try {
  const tsc = path.join(pkg, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(pkg, 'tsconfig.json'), '--outDir', out], { stdio: 'inherit' });
  const emitted = readdirSync(out).sort();
  const committed = readdirSync(path.join(pkg, 'types')).sort();
  const stale = emitted.filter(
    (f) => !committed.includes(f) || readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(pkg, 'types', f), 'utf8'),
  );
  const extra = committed.filter((f) => !emitted.includes(f));
  if (stale.length || extra.length) {
    console.error(`types/ is not what tsc emits (stale: ${stale.join(', ') || '-'}; extra: ${extra.join(', ') || '-'}): run npm run generate in clients/js`);
    process.exit(1);
  }
  console.log(`types/: ${emitted.length} declaration files, current`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
