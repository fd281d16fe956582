/**
 * One run at a time per cache-mounts work directory. The directory's path must stay the same from
 * run to run (the Actions cache's version is a hash of the paths it saved), so two runs on one
 * machine (two CLI builds, or jobs on a self-hosted runner) would otherwise empty each other's
 * restored caches. A lock file beside it names the owner's pid; a dead owner's lock is taken over.
 */
import * as fs from 'node:fs';

export type WorkLock = { release: () => void } | { heldBy: number };

export function acquireWorkDir(dir: string, pid = process.pid): WorkLock {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(pid), { flag: 'wx' });
      return { release: () => releaseIfOurs(file, pid) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (owner !== pid && isAlive(owner)) return { heldBy: owner };
      fs.rmSync(file, { force: true });
    }
  }
  return { heldBy: NaN };
}

function releaseIfOurs(file: string, pid: number): void {
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === pid) fs.rmSync(file, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
