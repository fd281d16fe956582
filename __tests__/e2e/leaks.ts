/**
 * Where a secret leaked to from action runs: each step's log (the `::add-mask::` lines aside, which
 * is how the runner learns a secret and never prints), summary, outputs and state, and every file
 * left under the runner's temp dir. A JWT also counts when only its claims part shows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionRun } from './harness.js';

/** `where` labels, empty when no secret shows anywhere. */
export function secretLeaks(runs: readonly ActionRun[], secrets: readonly string[], extra: Record<string, string> = {}): string[] {
  const found: string[] = [];
  const search = (where: string, text: string) => {
    for (const s of secrets) if (text.includes(s) || (s.split('.').length === 3 && text.includes(s.split('.')[1]!))) found.push(where);
  };
  for (const [i, r] of runs.entries()) {
    for (const step of ['main', 'post'] as const) {
      const s = r[step];
      search(`run ${i} ${step} stdout`, s.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'));
      search(`run ${i} ${step} stderr`, s.stderr);
      search(`run ${i} ${step} summary`, s.summary);
      search(`run ${i} ${step} outputs`, JSON.stringify(s.outputs));
      search(`run ${i} ${step} state`, JSON.stringify(s.state));
    }
    for (const f of walk(r.runnerTemp)) if (fs.statSync(f).size < 64 * 1024 * 1024) search(`run ${i} file ${path.relative(r.runnerTemp, f)}`, fs.readFileSync(f, 'latin1'));
  }
  for (const [where, text] of Object.entries(extra)) search(where, text);
  return found;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
