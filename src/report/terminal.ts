/** Report → plain-text table for a terminal. Pure. */
import type { RunReport, Verification } from '../types/plan.js';
import { formatBytes, formatDuration, renderEngine, shortDigest } from './render.js';
import { renderAttestingTerminal } from './attesting.js';
import { renderRequiredSignaturesTerminal, renderSigningTerminal } from './signing.js';

export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function renderTerminal(r: RunReport): string {
  const ok = !r.error && (r.verification?.ok ?? true);
  const lines = [`${ok ? 'OK' : 'FAILED'}  ${r.image}`];
  if (r.index) lines.push(`index    ${r.index.digest}`);
  if (r.layout) lines.push(`layout   ${r.layout}`);
  for (const o of r.outputs ?? []) lines.push(`output   ${o.output}: ${o.note}`);
  if (r.tags.length) lines.push(`tags     ${r.tags.join(', ')} (${r.tagged?.moved ? 'moved' : 'not moved'})`);
  const engine = renderEngine(r);
  // The markdown line, unbolded: the same facts in both reports.
  if (engine) lines.push(`engine   ${engine.replace(/^\*\*Engine:\*\* /, '').replace(/`/g, '')}`);
  if (r.builder?.lost.length) lines.push(`not made ${r.builder.lost.join('; ')}`);
  const rows = [['PLATFORM', 'STRATEGY', 'DIGEST', 'SIZE', 'TIME', 'CHECKS']];
  for (const p of r.plan?.platforms ?? []) {
    const leg = r.legs.find((l) => l.platform.platform === p.platform);
    const v = r.verification?.platforms.find((x) => x.platform === p.platform);
    const checks = v ? `${v.ok ? 'ok' : 'FAIL'} ${v.checks.filter((c) => c.ok && !c.skipped).length}/${v.checks.filter((c) => !c.skipped).length}` : '-';
    rows.push([p.platform, p.fallback ? `${p.strategy} (rewrite fell back)` : p.strategy, leg?.digest ? shortDigest(leg.digest) : leg && !leg.ok ? 'build failed' : '-', leg?.compressedSize !== undefined ? formatBytes(leg.compressedSize) : '-', leg ? formatDuration(leg.durationMs) : '-', checks]);
  }
  lines.push('', renderTable(rows));
  const signing = renderSigningTerminal(r);
  if (signing.length) lines.push('', ...signing);
  const required = renderRequiredSignaturesTerminal(r);
  if (required.length) lines.push('', ...required);
  const attesting = renderAttestingTerminal(r);
  if (attesting.length) lines.push('', ...attesting);
  const failures = renderFailures(r.verification);
  if (failures) lines.push('', failures);
  const warnings = renderWarnings(r.verification);
  if (warnings) lines.push('', warnings);
  if (r.error) lines.push('', `error: ${r.error}`);
  return lines.join('\n') + '\n';
}

export function renderFailures(v: Verification | undefined): string {
  const out: string[] = [];
  for (const p of v?.platforms ?? []) {
    for (const c of p.checks) {
      if (!c.ok && !c.skipped) out.push(`${p.platform}  ${c.name}: expected ${c.expected ?? ''}, got ${c.actual ?? ''}${c.detail ? ` (${c.detail})` : ''}`);
    }
  }
  for (const e of v?.extra ?? []) out.push(`unexpected platform in the index: ${e}`);
  return out.join('\n');
}

/** `linux/arm64  binaries warning: /opt/x: amd64, not loaded from there (…)`, one line per warning. */
export function renderWarnings(v: Verification | undefined): string {
  const out: string[] = [];
  for (const p of v?.platforms ?? []) for (const c of p.checks) for (const w of c.warnings ?? []) out.push(`${p.platform}  ${c.name} warning: ${w}`);
  return out.join('\n');
}
