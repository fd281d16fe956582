/**
 * Pure parts of the hand-off: artifact names, picking each platform's latest record, and telling
 * which legs are missing, failed or pushed somewhere else than merge will tag.
 */
import type { LegRecord } from '../types/leg-record.js';

const PREFIX = 'multiarch';

/** Artifact names allow neither `/` nor `:`; everything outside a safe set becomes `-`. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * `multiarch-<image>-<platform>-attempt<N>`. The workflow run scopes artifacts, the image (first
 * tag) keeps two builds in one run apart, and the attempt lets "re-run failed jobs" add a fresh
 * record beside the failed one (an artifact name is used once per run).
 */
export function legArtifactName(image: string, platform: string, attempt: number): string {
  return `${PREFIX}-${slug(image)}-${slug(platform)}-attempt${attempt}`;
}

export interface SelectedArtifacts {
  /** platform → artifact name, from the latest attempt that has one. */
  chosen: Map<string, string>;
  /** Names that look like this image's legs but match no expected platform. */
  ignored: string[];
}

/** For each expected platform, the artifact of its latest attempt among `names`. */
export function selectLegArtifacts(names: string[], image: string, expected: string[]): SelectedArtifacts {
  const chosen = new Map<string, string>();
  const best = new Map<string, number>();
  const claimed = new Set<string>();
  for (const platform of expected) {
    const head = `${PREFIX}-${slug(image)}-${slug(platform)}-attempt`;
    for (const name of names) {
      if (!name.startsWith(head)) continue;
      const rest = name.slice(head.length);
      // `linux-arm-attempt` is not a prefix of `linux-arm-v7-attempt1`, but check the tail anyway.
      if (!/^[1-9][0-9]*$/.test(rest)) continue;
      claimed.add(name);
      const attempt = Number(rest);
      if (attempt > (best.get(platform) ?? 0)) {
        best.set(platform, attempt);
        chosen.set(platform, name);
      }
    }
  }
  const ours = `${PREFIX}-${slug(image)}-`;
  const ignored = names.filter((n) => n.startsWith(ours) && !claimed.has(n));
  return { chosen, ignored };
}

export interface LegProblems {
  /** Expected platforms with no record. */
  missing: string[];
  /** Records of legs that failed, with their errors. */
  failed: { platform: string; error: string }[];
  /** Records that could not be read. */
  unreadable: { platform: string; error: string }[];
  /** Legs pushed to other repositories than the tags merge moves. */
  misplaced: { platform: string; missing: string[] }[];
}

/**
 * What stops a merge. `repositories` are the repositories merge will PUT the index into: each
 * must already hold every leg's manifest, or the registry rejects the index.
 */
export function checkLegs(expected: string[], records: Map<string, LegRecord>, repositories: string[], unreadable: Map<string, string> = new Map()): LegProblems {
  const problems: LegProblems = { missing: [], failed: [], unreadable: [], misplaced: [] };
  for (const platform of expected) {
    const r = records.get(platform);
    const why = unreadable.get(platform);
    if (why !== undefined) problems.unreadable.push({ platform, error: why });
    else if (!r) problems.missing.push(platform);
    else if (!r.ok) problems.failed.push({ platform, error: r.error ?? 'failed' });
    else {
      const missing = repositories.filter((repo) => !r.repositories.includes(repo));
      if (missing.length) problems.misplaced.push({ platform, missing });
    }
  }
  return problems;
}

export function hasProblems(p: LegProblems): boolean {
  return p.missing.length + p.failed.length + p.unreadable.length + p.misplaced.length > 0;
}

/** One message naming every leg that stops the merge, and why. */
export function describeLegProblems(p: LegProblems): string {
  const parts: string[] = [];
  if (p.missing.length) parts.push(`${p.missing.length === 1 ? 'leg' : 'legs'} ${p.missing.join(', ')} missing: no leg record was handed off (did the leg job run, with the same tags?)`);
  for (const f of p.failed) parts.push(`leg ${f.platform} failed: ${f.error}`);
  for (const u of p.unreadable) parts.push(`leg ${u.platform} unreadable: ${u.error}`);
  for (const m of p.misplaced) parts.push(`leg ${m.platform} was not pushed to ${m.missing.join(', ')} (expected the same tags in the leg and merge steps)`);
  return parts.join('; ');
}
