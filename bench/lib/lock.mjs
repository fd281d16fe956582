// The benchmarks share one machine: every timed section holds `flock LOCK_FILE`, so two
// benchmarks never time each other's load.
import { spawn } from 'node:child_process';

export const LOCK_FILE = '/tmp/multiarch-bench.lock';

/**
 * Hold `flock LOCK_FILE` for the timed section: flock runs `cat`, which keeps the lock until
 * its stdin closes (release(), or this process dying). Resolves once the lock is held.
 */
export function acquireLock(waitSeconds, log) {
  const t0 = Date.now();
  const child = spawn('flock', ['-w', String(waitSeconds), LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit']
  });
  let announced = false;
  const timer = setTimeout(() => {
    announced = true;
    log(`waiting for ${LOCK_FILE} (another benchmark holds it; up to ${waitSeconds} s)…`);
  }, 2000);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run flock: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`flock ${LOCK_FILE} exited ${code} without the lock (timeout ${waitSeconds} s?)`));
    });
    child.stdout.once('data', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const waitedMs = Date.now() - t0;
      if (announced) log(`got ${LOCK_FILE} after ${(waitedMs / 1000).toFixed(0)} s`);
      resolve({
        waitedMs,
        release: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.stdin.end();
          })
      });
    });
  });
}
