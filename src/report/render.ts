/**
 * Report → markdown, as a pure function: the job summary, the PR check and the CLI's markdown
 * file are all this one string.
 */
import type { BuiltLeg, PlatformSbom, PlatformVerification, RunReport } from '../types/plan.js';
import { renderCallMarkdown } from './call.js';
import { renderAttestingMarkdown } from './attesting.js';
import { renderRequiredSignaturesMarkdown, renderSigningMarkdown } from './signing.js';
import { escapeFence, escapeMarkdown as esc, inlineCode, mermaidWord } from './escape.js';

/** A user's spec as code: a span when nothing in it can close one (a backtick or newline), escaped text otherwise. */
function codeSpan(text: string): string {
  return /^[^`\r\n]+$/.test(text) ? `\`${text}\`` : esc(text);
}

export function renderMarkdown(r: RunReport): string {
  if (r.call) return renderCallMarkdown(r);
  const out: string[] = [];
  const ok = !r.error && (r.verification?.ok ?? true);
  out.push(`## ${ok ? '✅' : '❌'} multiarch: ${esc(r.image)}`);
  out.push('');
  if (r.error) out.push(`**Failed:** ${esc(r.error)}`, '');
  // Each header fact is its own list item: consecutive bold lines would render as one paragraph.
  const facts: string[] = [];
  if (r.index) facts.push(`**Index:** \`${r.index.digest}\`${r.filesOnly ? ' (built and checked, delivered nowhere: the outputs are files only)' : ''}`);
  if (r.tagged?.failedTags?.length) {
    // A partial move: the registry now serves some tags at the new index and some at the old one.
    const moved = r.tagged.movedTags?.map(inlineCode).join(', ') || 'none';
    facts.push(`**Tags (partly moved):** moved ${moved}; not moved ${r.tagged.failedTags.map((f) => `${inlineCode(f.tag)} (${esc(f.reason)})`).join(', ')}`);
  } else if (r.tags.length) {
    const moved = r.tagged?.moved ? 'moved' : 'not moved';
    facts.push(`**Tags (${moved}):** ${r.tags.map(inlineCode).join(', ')}`);
  }
  if (r.layout) facts.push(`**OCI layout:** \`${esc(r.layout)}\``);
  for (const o of r.outputs ?? []) facts.push(`**Output:** ${codeSpan(o.output)}: ${esc(o.note)}`);
  if (r.tagged?.reason) facts.push(`**Note:** ${esc(r.tagged.reason)}`);
  const record = renderBuildRecord(r);
  if (record) facts.push(record);
  const engine = renderEngine(r);
  if (engine) facts.push(engine);
  if (r.builder?.lost.length) facts.push(`**Not made on this builder:** ${r.builder.lost.map(esc).join('; ')}${r.builder.fallback ? ` (${esc(r.builder.fallback)})` : ''}`);
  if (r.matrix) facts.push(`**Leg runners:** ${r.matrix.include.map((e) => `\`${e.platform}\` → ${esc(Array.isArray(e.runner) ? `[${e.runner.join(', ')}]` : e.runner)}`).join('; ')}`);
  out.push(...facts.map((f) => `- ${f}`));
  out.push('');
  out.push('| Platform | Strategy | Digest | Compressed size | Build time | Checks |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  const platforms = r.plan?.platforms ?? [];
  for (const p of platforms) {
    const leg = r.legs.find((l) => l.platform.platform === p.platform);
    const v = r.verification?.platforms.find((x) => x.platform === p.platform);
    out.push(`| ${inlineCode(p.platform)} | ${esc(p.strategy)}${p.fallback ? ' (rewrite fell back)' : ''} | ${leg?.digest ? inlineCode(shortDigest(leg.digest)) : leg?.ok === false ? '❌ build failed' : '–'} | ${leg?.compressedSize !== undefined ? formatBytes(leg.compressedSize) : '–'} | ${leg ? formatDuration(leg.durationMs) : '–'} | ${renderChecksCell(v)} |`);
  }
  out.push('');
  const attested = r.legs.filter((l) => l.attestations.length);
  // Attestation manifests ride beside their platform in the index; never counted as platforms.
  if (attested.length) out.push(`**Attestations:** ${attested.map((l) => `${inlineCode(l.platform.platform)} → ${l.attestations.map((a) => inlineCode(shortDigest(a.digest))).join(', ')}`).join('; ')}`, '');
  const savings = renderSavings(r);
  if (savings) out.push(savings, '');
  if (r.sboms?.length) out.push(`**SBOM:** ${r.sboms.map(renderSbom).join('; ')}`, '');
  const signing = renderSigningMarkdown(r);
  if (signing) out.push(signing);
  const required = renderRequiredSignaturesMarkdown(r);
  if (required) out.push(required);
  const attesting = renderAttestingMarkdown(r);
  if (attesting) out.push(attesting);
  const pull = renderPullCommands(r);
  if (pull) out.push(details('How to get each platform', pull));
  const timeline = renderTimeline(r.legs);
  if (timeline) out.push(timeline, '');
  for (const p of platforms) {
    if (p.reasons.length) out.push(details(`Why ${p.platform} is ${p.strategy}`, p.reasons.map((x) => `- ${esc(x)}`).join('\n')));
    if (p.fallback) out.push(details(`Cross-compile rewrite for ${p.platform} fell back (line ${p.fallback.rewrite.line})`, `The rewritten leg failed, so it was rebuilt from the Dockerfile as written:\n\n\`\`\`\n${escapeFence(p.fallback.error)}\n\`\`\`` + (p.fallback.rewrite.diff ? '\n\n```diff\n' + escapeFence(p.fallback.rewrite.diff) + '\n```' : '')));
    if (p.rewrite?.diff) out.push(details(`Cross-compile rewrite for ${p.platform} (line ${p.rewrite.line})`, '```diff\n' + escapeFence(p.rewrite.diff) + '\n```'));
  }
  const warnings = r.plan?.warnings ?? [];
  if (warnings.length) {
    // A fix that is an exact edit carries its diff, indented under its item.
    const item = (w: (typeof warnings)[number]) =>
      `- \`${esc(w.file)}:${w.line}\` ${esc(w.message)}${w.hint ? ` — ${esc(w.hint)}` : ''}` + (w.diff ? `\n\n  \`\`\`diff\n${escapeFence(w.diff).trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\n  \`\`\`` : '');
    out.push(details(`Fix hints (${warnings.length})`, warnings.map(item).join('\n')));
  }
  for (const v of r.verification?.platforms ?? []) {
    const failed = v.checks.filter((c) => !c.ok && !c.skipped);
    if (failed.length) {
      out.push(details(`Failed checks for ${v.platform}`, failed.map((c) => `- **${esc(c.name)}**: expected ${esc(c.expected ?? '')}, got ${esc(c.actual ?? '')}${c.detail ? ` (${esc(c.detail)})` : ''}`).join('\n')));
    }
    const warned = v.checks.flatMap((c) => (c.warnings ?? []).map((w) => `- **${esc(c.name)}**: ${esc(w)}`));
    if (warned.length) out.push(details(`Warnings for ${v.platform} (${warned.length})`, warned.join('\n')));
  }
  for (const [platform, log] of Object.entries(r.logs)) {
    out.push(details(`Build log for ${platform} (last 60 lines)`, '```\n' + escapeFence(log.split('\n').slice(-60).join('\n')) + '\n```'));
  }
  return out.join('\n') + '\n';
}

/**
 * What cross-compiling saves, per platform whose Dockerfile as written compiles under QEMU: the
 * measured leg time beside the estimate for the other kind of build, and where the estimate
 * comes from.
 */
export function renderSavings(r: RunReport): string | undefined {
  const rows = (r.plan?.platforms ?? []).filter((p) => p.savings);
  if (!rows.length) return undefined;
  const time = (ms: number | undefined, measured: boolean) => (ms === undefined ? '–' : measured ? formatDuration(ms) : `~${formatDuration(ms)} (estimate)`);
  const lines = ['**What cross-compiling saves** (emulated RUNs compile under QEMU; cross runs them on the build platform):', '', '| Platform | Built | Emulated | Cross | Saved | Estimate from |', '| --- | --- | --- | --- | --- | --- |'];
  for (const p of rows) {
    const s = p.savings!;
    const amount = s.emulatedMs !== undefined && s.crossMs !== undefined ? `~${formatDuration(Math.max(0, s.emulatedMs - s.crossMs))}` : s.ratio ? `~${Math.round((1 - 1 / s.ratio) * 100)}% of the emulated time` : undefined;
    const saved = amount ? (s.built === 'cross' ? amount : `would save ${amount}`) : '–';
    const built = s.built === 'cross' ? 'cross (rewritten)' : 'emulated';
    const from = `${s.ratio ? `${s.ratio}× ` : ''}${esc(s.source)}`;
    lines.push(`| ${inlineCode(p.platform)} | ${built} | ${time(s.emulatedMs, s.built === 'emulated')} | ${time(s.crossMs, s.built === 'cross')} | ${saved} | ${from} |`);
  }
  return lines.join('\n');
}

/** `linux/arm64` → 12 packages (`sha256:…`), or why it has none. */
function renderSbom(s: PlatformSbom): string {
  if (s.packages === undefined) return `${inlineCode(s.platform)} → ${esc(s.note ?? 'none')}`;
  return `${inlineCode(s.platform)} → ${s.packages} package${s.packages === 1 ? '' : 's'}${s.attestation ? ` (${inlineCode(shortDigest(s.attestation))})` : ''}`;
}

/** "**Engine:** Docker 28.5.2 (classic store, overlay2) · builder `x` (docker-container, BuildKit 0.31.2, `moby/buildkit:v0.31.2`) · buildx 0.29.1 · QEMU 7.2.13". */
export function renderEngine(r: RunReport): string | undefined {
  const e = r.engine;
  const b = r.builder;
  if (!e && !b) return undefined;
  const parts: string[] = [];
  if (e) parts.push(`Docker ${esc(e.dockerVersion ?? 'unknown')}${e.store ? ` (${e.store} store${e.storageDriver ? `, ${esc(e.storageDriver)}` : ''})` : ''}`);
  if (b) {
    const detail = [b.driver, b.buildkitVersion ? `BuildKit ${b.buildkitVersion}` : '', b.image ? `\`${esc(b.image)}\`` : '', b.legExport === 'docker-load' ? 'legs loaded and read back' : ''].filter(Boolean);
    parts.push(`builder \`${esc(b.name)}\` (${detail.join(', ')})`);
  }
  if (e?.buildxVersion) parts.push(`buildx ${esc(e.buildxVersion)}`);
  if (e?.qemuVersion) parts.push(`QEMU ${esc(e.qemuVersion)}`);
  return `**Engine:** ${parts.join(' · ')}`;
}

/**
 * "**Build record:** [owner~repo~ABCDEF+1.dockerbuild](url) (9.1 KiB, 2 builds: `linux/amd64`, `linux/arm64`)
 * for Docker Desktop's Builds view", or why it was not uploaded.
 */
export function renderBuildRecord(r: RunReport): string | undefined {
  const b = r.buildRecord;
  if (!b) return undefined;
  if ('note' in b) return `**Build record:** ${esc(b.note)}`;
  const a = b.artifact;
  const builds = `${a.platforms.length} build${a.platforms.length === 1 ? '' : 's'}: ${a.platforms.map(inlineCode).join(', ')}`;
  return `**Build record:** [${esc(a.name)}](${encodeURI(a.url).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}) (${formatBytes(a.size)}, ${builds}), to import into Docker Desktop's Builds view`;
}

function renderChecksCell(v: PlatformVerification | undefined): string {
  if (!v) return '–';
  const counted = v.checks.filter((c) => !c.skipped);
  const passed = counted.filter((c) => c.ok).length;
  const failed = counted.filter((c) => !c.ok).map((c) => esc(c.name));
  const warnings = v.checks.reduce((n, c) => n + (c.warnings?.length ?? 0), 0);
  const warned = warnings ? ` ⚠️ ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
  return failed.length ? `❌ ${passed}/${counted.length} (${failed.join(', ')})${warned}` : `✅ ${passed}/${counted.length}${warned}`;
}

/** A mermaid gantt of the legs: GitHub renders it in step summaries. */
export function renderTimeline(legs: BuiltLeg[]): string {
  if (legs.length === 0) return '';
  const t0 = Math.min(...legs.map((l) => finiteOr0(l.startedAt)));
  const span = Math.max(...legs.map((l) => l.startedAt - t0 + finiteOr0(l.durationMs)));
  const lines = ['```mermaid', 'gantt', '  title Legs', '  dateFormat x', `  axisFormat ${resolveAxisFormat(span)}`];
  for (const l of legs) {
    // Every field comes from a leg record, which in merge mode another job wrote.
    const start = finiteOr0(l.startedAt - t0);
    lines.push(`  ${mermaidWord(l.platform.platform)} (${mermaidWord(l.platform.strategy)}) :${l.ok ? '' : 'crit, '}${start}, ${start + Math.max(1, finiteOr0(l.durationMs))}`);
  }
  lines.push('```');
  return lines.join('\n');
}

function finiteOr0(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function details(summary: string, body: string): string {
  return `<details><summary>${esc(summary)}</summary>\n\n${body}\n\n</details>\n`;
}

export function shortDigest(d: string): string {
  return d.replace(/^sha256:/, 'sha256:').slice(0, 19);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * Ticks that tell short builds apart: `%M:%S` reads 00:00 on every tick of a build under a few
 * seconds, and `%S.%L` overflows an hour-long one.
 */
export function resolveAxisFormat(spanMs: number): string {
  if (spanMs < 10_000) return '%S.%Ls';
  if (spanMs < 3_600_000) return '%M:%S';
  return '%H:%M';
}

/** `docker pull --platform P repo@digest` per platform of a pushed index, and the index itself. */
export function renderPullCommands(r: RunReport): string | undefined {
  if (!r.pushed || !r.index || !r.tags.length) return undefined;
  const repo = r.tags[0]!.replace(/:[^:/@]+$/, '').replace(/@.*$/, '');
  const lines = [`docker buildx imagetools inspect ${repo}@${r.index.digest}`];
  for (const l of r.legs) if (l.ok && l.digest) lines.push(`docker pull --platform ${l.platform.platform} ${repo}@${r.index.digest}`);
  return '```sh\n' + escapeFence(lines.join('\n')) + '\n```';
}
