/**
 * In merge mode the plan and legs come from leg records that other jobs uploaded: every field of
 * them is untrusted, and must render as text, never as markdown, HTML or mermaid syntax.
 */
import { renderMarkdown, renderTimeline } from '../../src/report/render.js';
import type { BuiltLeg, PlatformPlan, RunReport, Strategy } from '../../src/types/plan.js';

const hostile = 'linux/arm64|x`y`<script>alert(1)</script>\n```\n# heading: a;b#c';
const hostileStrategy = 'cross|`s`<script>\n:crit;#' as Strategy;

function plan(platform: string, strategy: Strategy): PlatformPlan {
  return { platform, strategy, language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' };
}
function leg(p: PlatformPlan, extra: Partial<BuiltLeg> = {}): BuiltLeg {
  return { platform: p, outDir: '/o', metadataFile: '/m', ok: true, attestations: [], startedAt: 1000, durationMs: 2000, ...extra };
}

const p = plan(hostile, hostileStrategy);
const report: RunReport = {
  image: 'r/app:1',
  tags: [],
  pushed: true,
  legs: [leg(p, { digest: 'sha256:`|<b>' })],
  logs: {},
  durationMs: 1,
  plan: { platforms: [p], languages: ['go'], qemu: [], warnings: [], dockerfile: 'Dockerfile' }
};

test('a table row from a hostile leg record stays one row of six plain cells', () => {
  const md = renderMarkdown(report);
  const table = md.split('\n').filter((l) => l.startsWith('| '));
  expect(table).toHaveLength(3);
  const row = table[2]!;
  // Six cells: seven unescaped pipes.
  expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
  expect(row).not.toMatch(/<script|<b>/);
  // No code span a backtick in the data could open or close: every backtick is escaped.
  expect(row).not.toMatch(/(?<!\\)`/);
});

test('the mermaid timeline carries no syntax from the record and cannot close its fence', () => {
  const timeline = renderTimeline(report.legs);
  const lines = timeline.split('\n');
  expect(lines[0]).toBe('```mermaid');
  expect(lines.at(-1)).toBe('```');
  expect(lines.filter((l) => l.includes('```'))).toHaveLength(2);
  const task = lines.find((l) => l.includes('(') && l.trimStart().startsWith('linux'))!;
  expect(task).toBeDefined();
  // One task line: a label, then exactly one ':' before the timing.
  expect(task.split(':')).toHaveLength(2);
  expect(task).not.toMatch(/[;#<>`|]/);
  expect(task).toMatch(/:0, 2000$/);
});

test('non-numeric times from a record do not leak into the chart', () => {
  const bad = leg(plan('linux/amd64', 'native'), { startedAt: 'x:y' as unknown as number, durationMs: '1;#' as unknown as number });
  expect(renderTimeline([bad])).not.toMatch(/x:y|1;#/);
});

test('ordinary platforms and digests still render as code', () => {
  const ok = plan('linux/arm/v7', 'cross');
  const md = renderMarkdown({ ...report, legs: [leg(ok, { digest: 'sha256:' + 'a'.repeat(64) })], plan: { ...report.plan!, platforms: [ok] } });
  expect(md).toContain('| `linux/arm/v7` | cross | `sha256:aaaaaaaaaaaa` |');
  expect(renderTimeline([leg(ok)])).toContain('  linux/arm/v7 (cross) :0, 2000');
});
