/**
 * Dockerfile check warnings (buildx's build checks) as annotations on their lines, as
 * build-push-action makes them: from a `--call check` subrequest, and from an ordinary build,
 * whose warnings buildx writes to the metadata file when BUILDX_METADATA_WARNINGS is set.
 * A multi-platform build finds most warnings once per platform: each is said once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckWarning } from '../types/call.js';

/** One platform's check result. */
export interface CheckResult {
  warnings: Array<{ rule: string; url?: string; detail: string; line?: number }>;
  buildError?: string;
}

/** Pure: one warning per rule, line and detail, with every platform that found it, in Dockerfile order. */
export function mergeCheckResults(file: string, results: Array<{ platform: string; result: CheckResult }>): { warnings: CheckWarning[]; buildError?: string } {
  const byKey = new Map<string, CheckWarning>();
  let buildError: string | undefined;
  for (const { platform, result } of results) {
    buildError ??= result.buildError;
    for (const w of result.warnings) {
      const key = `${w.rule}\n${w.line ?? ''}\n${w.detail}`;
      const seen = byKey.get(key);
      if (seen) seen.platforms.push(platform);
      else byKey.set(key, { rule: w.rule, ...(w.url ? { url: w.url } : {}), detail: w.detail, file, ...(w.line ? { line: w.line } : {}), platforms: [platform] });
    }
  }
  const warnings = [...byKey.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return buildError ? { warnings, buildError } : { warnings };
}

/** " (linux/arm64 only)" for a warning some platforms lack. */
export function onlyOn(w: CheckWarning, platforms: string[]): string {
  return platforms.length > 1 && w.platforms.length < platforms.length ? ` (${w.platforms.join(', ')} only)` : '';
}

/** Pure: the annotation's message and place: `Rule: detail (url)` on the Dockerfile line. */
export function checkAnnotation(w: CheckWarning, platforms: string[]): [string, { file: string; line: number } | undefined] {
  return [`${w.rule}: ${w.detail}${onlyOn(w, platforms)}${w.url ? ` (${w.url})` : ''}`, w.line ? { file: w.file, line: w.line } : undefined];
}

/** The Dockerfile as annotations name it: relative to the workspace (the runner's cwd). */
export function annotationFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Pure: the check warnings of a build's metadata (`buildx.build.warnings`, buildx 0.15+): each
 * `short` is base64 of `Rule: what (line N)`, `range` its lines. Other warnings buildx records
 * (no rule, no line) are left to the build log.
 */
export function parseMetadataWarnings(metadata: unknown): CheckResult['warnings'] {
  const list = (metadata as Record<string, unknown> | null)?.['buildx.build.warnings'];
  if (!Array.isArray(list)) return [];
  const out: CheckResult['warnings'] = [];
  for (const w of list as Array<Record<string, any>>) {
    const short = typeof w.short === 'string' ? Buffer.from(w.short, 'base64').toString('utf8') : '';
    const m = /^([A-Za-z][A-Za-z0-9]*): (.*?)(?: \(line \d+\))?$/s.exec(short.trim());
    const line = w.range?.[0]?.start?.line;
    if (!m || typeof line !== 'number' || line < 1) continue;
    out.push({ rule: m[1]!, ...(typeof w.url === 'string' && w.url ? { url: w.url } : {}), detail: m[2]!, line });
  }
  return out;
}

/** The check warnings of the build whose metadata file this is; none when it has none (or no file). */
export function readMetadataWarnings(metadataFile: string): CheckResult['warnings'] {
  try {
    return parseMetadataWarnings(JSON.parse(fs.readFileSync(metadataFile, 'utf8')));
  } catch {
    return [];
  }
}
