/** Two runs never empty each other's cache-mounts work directory. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireWorkDir } from '../../src/cache/work-lock.js';

let dir: string;
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-')), 'multiarch-cache-mounts');
});

test('the first run holds it; a second, live run is told who holds it; release frees it', () => {
  const first = acquireWorkDir(dir, process.pid);
  expect('release' in first).toBe(true);
  // The parent of this process is alive and is not us.
  const other = acquireWorkDir(dir, process.ppid);
  expect(other).toEqual({ heldBy: process.pid });
  if ('release' in first) first.release();
  const again = acquireWorkDir(dir, process.ppid);
  expect('release' in again).toBe(true);
});

test('a dead owner\'s lock is taken over', () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(`${dir}.lock`, dead.stdout);
  expect('release' in acquireWorkDir(dir)).toBe(true);
});

test('release never removes another run\'s lock', () => {
  const mine = acquireWorkDir(dir, process.pid);
  fs.writeFileSync(`${dir}.lock`, String(process.ppid));
  if ('release' in mine) mine.release();
  expect(fs.readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.ppid));
});
