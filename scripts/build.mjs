// Bundle the action (dist/index.js: main and post) and the CLI (dist/cli/index.js) with ncc.
// `node scripts/build.mjs OUTDIR` bundles elsewhere; the stale-dist test compares the two.
// The bundle is made beside OUTDIR and swapped in only when both entries built: a failed build
// (a type error anywhere) leaves the previous bundle in place rather than no bundle at all.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'dist');
const ncc = path.resolve('node_modules/.bin/ncc');
const tmp = `${out}.build-${process.pid}`;
fs.rmSync(tmp, { recursive: true, force: true });
try {
  for (const [entry, dir] of [['src/main.ts', tmp], ['src/cli.ts', path.join(tmp, 'cli')]]) {
    execFileSync(ncc, ['build', entry, '-o', dir, '--quiet', '--target', 'es2022', '--no-source-map-register', '--license', 'licenses.txt'], { stdio: 'inherit' });
  }
  // ESM output: say so beside the bundle, whatever the action's checkout has at its root.
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
