/** The signing part of the report: one row per signed digest, and the commands that verify them. Pure. */
import type { RunReport } from '../types/plan.js';
import { describePolicy, type SignedEntry } from '../types/sign.js';
import { escapeFence, escapeMarkdown as esc, inlineCode } from './escape.js';

const VIA: Record<SignedEntry['via'], string> = { 'referrers-api': 'referrers API', 'tag-schema': 'referrers tag index (sha256-…)' };

function witnessed(e: SignedEntry): string {
  return [e.tlogIndex !== undefined ? `Rekor #${e.tlogIndex}` : '', e.timestamped ? 'TSA timestamp' : ''].filter(Boolean).join(', ') || '–';
}

/** Markdown: a heading line, the table and the verify commands; '' when the run did not sign. */
export function renderSigningMarkdown(r: RunReport): string {
  const s = r.signing;
  if (!s) return '';
  const out: string[] = [];
  const who = s.identity ? ` as ${inlineCode(s.identity)}` : '';
  if (s.ok) out.push(`**Signed**${who}: ${s.entries.length} digest${s.entries.length === 1 ? '' : 's'}, Sigstore bundles stored as OCI referrers`);
  else if (s.error) out.push(`**Signing failed**${s.required ? '' : ' (sign: auto, not required)'}: ${esc(s.error)}`);
  else out.push(`**Not signed:** ${esc(s.skipped ?? 'nothing to sign')}`);
  out.push('');
  if (s.entries.length) {
    out.push('| Signed | Digest | Signature (referrer) | Stored in | Witnessed by |', '| --- | --- | --- | --- | --- |');
    for (const e of s.entries) out.push(`| ${e.platform ? inlineCode(e.platform) : 'index'} | ${inlineCode(e.digest)} | ${inlineCode(e.referrer)} | ${VIA[e.via]} | ${esc(witnessed(e))} |`);
    out.push('');
  }
  if (s.verifyCommands.length) out.push(`<details><summary>Verify the signatures</summary>\n\n\`\`\`sh\n${escapeFence(s.verifyCommands.join('\n'))}\n\`\`\`\n\n</details>\n`);
  return out.join('\n');
}

/** Terminal lines: one per signed digest, then the verify commands. */
export function renderSigningTerminal(r: RunReport): string[] {
  const s = r.signing;
  if (!s) return [];
  const lines = [s.ok ? `signed   ${s.entries.length} digests${s.identity ? ` as ${s.identity}` : ''}` : s.error ? `signing  FAILED: ${s.error}` : `signing  skipped: ${s.skipped ?? ''}`];
  for (const e of s.entries) lines.push(`  ${(e.platform ?? 'index').padEnd(14)} ${e.digest} → ${e.referrer} (${VIA[e.via]}; ${witnessed(e)})`);
  for (const c of s.verifyCommands) lines.push(`  ${c}`);
  return lines;
}

/** Markdown for verify-signatures: one line when every digest is signed, a row per missing one otherwise; '' when off. */
export function renderRequiredSignaturesMarkdown(r: RunReport): string {
  const q = r.requiredSignatures;
  if (!q) return '';
  const policy = esc(describePolicy(q.policy));
  if (q.skipped) return `**Signatures required** (${policy}): not checked, ${esc(q.skipped)}\n`;
  const signed = q.checks.filter((c) => c.ok).length;
  if (q.ok) return `**Signatures required** (${policy}): all ${signed} digest${signed === 1 ? '' : 's'} signed, in ${countRepos(q.checks)}\n`;
  const out = [`**Signatures required, missing** (${policy}): ${q.error ? esc(q.error) : `${q.checks.length - signed} of ${q.checks.length} digests unsigned`}`, ''];
  const missing = q.checks.filter((c) => !c.ok);
  if (missing.length) {
    out.push('| Unsigned | Digest | Repository | Why |', '| --- | --- | --- | --- |');
    for (const c of missing) out.push(`| ${c.platform ? inlineCode(c.platform) : 'index'} | ${inlineCode(c.digest)} | ${inlineCode(c.repository)} | ${esc(c.problems.join('; '))} |`);
    out.push('');
  }
  return out.join('\n');
}

/** Terminal lines for verify-signatures. */
export function renderRequiredSignaturesTerminal(r: RunReport): string[] {
  const q = r.requiredSignatures;
  if (!q) return [];
  const head = `required ${describePolicy(q.policy)}: ${q.skipped ? `not checked, ${q.skipped}` : q.ok ? `all ${q.checks.length} signed` : `MISSING${q.error ? `: ${q.error}` : ''}`}`;
  return [head, ...q.checks.filter((c) => !c.ok).map((c) => `  ${(c.platform ?? 'index').padEnd(14)} ${c.digest} in ${c.repository}: ${c.problems.join('; ')}`)];
}

function countRepos(checks: Array<{ repository: string }>): string {
  const repos = [...new Set(checks.map((c) => c.repository))];
  return repos.length === 1 ? inlineCode(repos[0]!) : `${repos.length} repositories`;
}

/** The `signed`, `signatures` and `verify-commands` outputs. */
export function signingOutputs(r: RunReport): Record<string, string> {
  const s = r.signing;
  return {
    signed: String(Boolean(s?.ok)),
    signatures: JSON.stringify(Object.fromEntries((s?.entries ?? []).map((e) => [e.digest, e.referrer]))),
    'verify-commands': (s?.verifyCommands ?? []).join('\n')
  };
}
