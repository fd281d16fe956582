/** The attestation part of the report: one row per attested digest, and the commands that verify them. Pure. */
import type { RunReport } from '../types/plan.js';
import { escapeFence, escapeMarkdown as esc, inlineCode } from './escape.js';

/** Markdown: a heading line, the table and the verify commands; '' when the run did not attest. */
export function renderAttestingMarkdown(r: RunReport): string {
  const a = r.attesting;
  if (!a) return '';
  const out: string[] = [];
  const who = a.identity ? ` as ${inlineCode(a.identity)}` : '';
  if (a.ok) out.push(`**Attested**${who}: SLSA build provenance for ${a.entries.length} digest${a.entries.length === 1 ? '' : 's'}, GitHub artifact attestations`);
  else if (a.error) out.push(`**Attestation failed:** ${esc(a.error)}`);
  else out.push(`**Not attested:** ${esc(a.skipped ?? 'nothing to attest')}`);
  out.push('');
  if (a.entries.length) {
    out.push('| Attested | Digest | Attestation | In the registry |', '| --- | --- | --- | --- |');
    for (const e of a.entries) {
      const link = e.url ? `[${esc(e.id ?? 'attestation')}](${e.url.replace(/[()\s]/g, encodeURIComponent)})` : '–';
      out.push(`| ${e.platform ? inlineCode(e.platform) : 'index'} | ${inlineCode(e.digest)} | ${link} | ${e.referrer ? inlineCode(e.referrer) : '–'} |`);
    }
    out.push('');
  }
  if (a.verifyCommands.length) out.push(`<details><summary>Verify the attestations</summary>\n\n\`\`\`sh\n${escapeFence(a.verifyCommands.join('\n'))}\n\`\`\`\n\n</details>\n`);
  return out.join('\n');
}

/** Terminal lines: one per attested digest, then the verify commands. */
export function renderAttestingTerminal(r: RunReport): string[] {
  const a = r.attesting;
  if (!a) return [];
  const lines = [a.ok ? `attested ${a.entries.length} digests${a.identity ? ` as ${a.identity}` : ''}` : a.error ? `attest   FAILED: ${a.error}` : `attest   skipped: ${a.skipped ?? ''}`];
  for (const e of a.entries) lines.push(`  ${(e.platform ?? 'index').padEnd(14)} ${e.digest} → ${e.url ?? ''}${e.referrer ? ` (referrer ${e.referrer})` : ''}`);
  for (const c of a.verifyCommands) lines.push(`  ${c}`);
  return lines;
}

/** The `attestations` output (digest → {id, url, referrer}), and the `gh attestation verify` lines for `verify-commands`. */
export function attestingOutputs(r: RunReport): { attestations: string; verifyCommands: string[] } {
  const entries = r.attesting?.entries ?? [];
  return {
    attestations: JSON.stringify(Object.fromEntries(entries.map((e) => [e.digest, { id: e.id ?? null, url: e.url ?? null, ...(e.referrer ? { referrer: e.referrer } : {}) }]))),
    verifyCommands: r.attesting?.verifyCommands ?? []
  };
}
