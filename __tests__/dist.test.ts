/** Runners execute dist/, not src/: a bundle that lags the source is a bug this test catches. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

test('dist/ matches a fresh bundle of src/', () => {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
  try {
    execFileSync(process.execPath, ['scripts/build.mjs', fresh], { stdio: 'pipe' });
    const expected = listFiles(fresh).sort();
    expect(listFiles('dist').sort()).toEqual(expected);
    const stale = expected.filter((f) => !fs.readFileSync(path.join('dist', f)).equals(fs.readFileSync(path.join(fresh, f))));
    expect(stale).toEqual([]);
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
}, 300_000);
