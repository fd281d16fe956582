// The benchmarks share one machine: every timed section holds `flock /tmp/multiarch-bench.lock`
// (the same lock the other bench scripts take), so two benchmarks never time each other's load.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export const LOCK_FILE = '/tmp/multiarch-bench.lock';

/**
 * flock runs `cat`, which keeps the lock until its stdin closes (release(), or this process
 * dying). Resolves once the lock is held, with how long that took.
 */
export function acquireLock(waitSeconds, log) {
  const t0 = Date.now();
  const child = spawn('flock', ['-w', String(waitSeconds), LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const timer = setTimeout(() => log(`waiting for ${LOCK_FILE} (another benchmark holds it; up to ${waitSeconds} s)`), 2000);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run flock: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`flock ${LOCK_FILE} exited ${code} without the lock (waited ${waitSeconds} s)`));
    });
    child.stdout.once('data', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        waitedMs: Date.now() - t0,
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

/** Aggregate CPU jiffies from /proc/stat: busy and total. */
export function cpuTimes() {
  const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] || 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share of all CPUs busy between two cpuTimes() readings (everything on the machine), 0..1. */
export function busyShare(a, b) {
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}
