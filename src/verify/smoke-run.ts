/**
 * The optional smoke test: run each platform's image with `docker run --platform` (QEMU or
 * native) and the user's arguments, with a timeout, and match the output when asked.
 */
import { randomBytes } from 'node:crypto';
import { exec } from '../exec.js';
import type { Check } from '../types/plan.js';

export interface SmokeSpec {
  /** Arguments passed to the image's entrypoint, already split. */
  args: string[];
  /** Output must match this, when set. */
  expect?: RegExp;
  timeoutSeconds: number;
  network?: string;
}

/**
 * Seconds between the timeout's TERM to `docker run` and its KILL. The docker CLI forwards TERM to
 * the container and waits for it: with a PID 1 that ignores TERM it never exits on its own.
 */
const KILL_AFTER_SECONDS = 2;

/**
 * Pure: the argv for one platform's run, under coreutils `timeout`. The container is named so it
 * can be removed after a timeout: killing the docker CLI does not stop the container, and a PID 1
 * that ignores SIGTERM (a shell with `trap '' TERM`, or any program run as PID 1 without a handler)
 * would outlive the CLI. `-k` kills the CLI however it is stuck (forwarding, or pulling).
 */
export function buildSmokeArgs(image: string, platform: string, spec: SmokeSpec, name: string, pull: 'never' | 'missing' = 'never'): string[] {
  const args = ['-k', String(KILL_AFTER_SECONDS), String(spec.timeoutSeconds), 'docker', 'run', '--rm', '--name', name, '--pull', pull, '--platform', platform];
  if (spec.network) args.push('--network', spec.network);
  return [...args, image, ...spec.args];
}

/** A container name unique to one smoke run: `multiarch-smoke-linux-arm64-1a2b3c4d`. */
export function smokeContainerName(platform: string): string {
  return `multiarch-smoke-${platform.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${randomBytes(4).toString('hex')}`;
}

export async function runSmoke(image: string, platform: string, spec: SmokeSpec, pull: 'never' | 'missing' = 'never'): Promise<Check> {
  const name = smokeContainerName(platform);
  const started = Date.now();
  let res;
  try {
    res = await exec('timeout', buildSmokeArgs(image, platform, spec, name, pull));
  } finally {
    // Always: after a timeout the container may still run; `rm -f` kills it (SIGKILL) and
    // removes it. "No such container" (it exited and --rm removed it) is the usual answer.
    await exec('docker', ['rm', '-f', name]);
  }
  const output = (res.stdout + res.stderr).trim();
  const tail = output.split('\n').slice(-5).join(' | ').slice(0, 400);
  // 124: the TERM ended it. After the KILL, timeout kills its own process group too, so the exit
  // is a signal (no code) or 137: a failure that lasted the whole timeout is the timeout.
  const timedOut = res.code === 124 || (res.code !== 0 && Date.now() - started >= spec.timeoutSeconds * 1000);
  if (timedOut) return { name: 'smoke', ok: false, expected: `exits within ${spec.timeoutSeconds} s`, actual: 'timed out', detail: tail };
  if (res.code !== 0) return { name: 'smoke', ok: false, expected: 'exit code 0', actual: `exit code ${res.code}`, detail: tail };
  if (spec.expect && !spec.expect.test(output)) return { name: 'smoke', ok: false, expected: `output matching /${spec.expect.source}/`, actual: tail || '(no output)' };
  return { name: 'smoke', ok: true, expected: spec.expect ? `output matching /${spec.expect.source}/` : 'exit code 0', actual: tail || 'exit code 0' };
}

/** Split a command line into words: whitespace separates, single and double quotes group. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let has = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || current) words.push(current);
      current = '';
      has = false;
    } else {
      current += ch;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (has || current) words.push(current);
  return words;
}
