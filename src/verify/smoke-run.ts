/**
 * The optional smoke test: run each platform's image with `docker run --platform` (QEMU or
 * native) and the user's arguments, with a timeout, and match the output when asked.
 */
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

/** Pure: the argv for one platform's run. */
export function buildSmokeArgs(image: string, platform: string, spec: SmokeSpec, pull: 'never' | 'missing' = 'never'): string[] {
  const args = [String(spec.timeoutSeconds), 'docker', 'run', '--rm', '--pull', pull, '--platform', platform];
  if (spec.network) args.push('--network', spec.network);
  return [...args, image, ...spec.args];
}

export async function runSmoke(image: string, platform: string, spec: SmokeSpec, pull: 'never' | 'missing' = 'never'): Promise<Check> {
  // coreutils timeout kills a hung container run; exit 124 means it fired.
  const res = await exec('timeout', buildSmokeArgs(image, platform, spec, pull));
  const output = (res.stdout + res.stderr).trim();
  const tail = output.split('\n').slice(-5).join(' | ').slice(0, 400);
  if (res.code === 124) return { name: 'smoke', ok: false, expected: `exits within ${spec.timeoutSeconds} s`, actual: 'timed out', detail: tail };
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
