/**
 * Leg records, pure: written by a leg from what it built, read back by merge with every field
 * checked, since the bytes come from another job through a channel we do not control.
 */
import { normalizePlatform } from '../platform.js';
import { parseReference } from '../registry/reference.js';
import { LEG_RECORD_VERSION, type LegRecord } from '../types/leg-record.js';
import { isImageManifestMediaType, isIndexMediaType, type Descriptor } from '../types/oci.js';
import type { BuiltLeg, Plan, PlatformPlan, RunReport } from '../types/plan.js';

/** A failed leg's log is cut to its end: the record stays small, the summary shows the cause. */
const LOG_TAIL_BYTES = 16 * 1024;

/** `registry/repository` for each distinct repository the tags name; legs and merge must agree. */
export function repositoryKeys(tags: string[]): string[] {
  return [...new Set(tags.map((t) => {
    const ref = parseReference(t);
    return `${ref.registry}/${ref.repository}`;
  }))];
}

export interface LegOutcome {
  image: string;
  platform: string;
  attempt: number;
  /** Repositories the manifests reached; empty when the push did not happen. */
  repositories: string[];
  /** When the step started: a leg that failed before building is timed from here. */
  startedAt: number;
  /** The leg's failure, from planning to pushing; undefined when it succeeded. */
  error?: string;
}

/** What the leg step did, as a record: from the built leg when there is one, else the plan entry. */
export function toLegRecord(report: RunReport, outcome: LegOutcome): LegRecord {
  const built = report.legs.find((l) => l.platform.platform === outcome.platform);
  const plan = built?.platform ?? report.plan?.platforms.find((p) => p.platform === outcome.platform);
  const ok = !outcome.error && !!built?.ok && !!built.manifest;
  const record: LegRecord = {
    version: LEG_RECORD_VERSION,
    image: outcome.image,
    platform: outcome.platform,
    attempt: outcome.attempt,
    ok,
    attestations: ok ? built!.attestations : [],
    repositories: ok ? outcome.repositories : [],
    startedAt: built?.startedAt ?? outcome.startedAt,
    durationMs: built?.durationMs ?? Date.now() - outcome.startedAt
  };
  if (!ok) record.error = outcome.error ?? built?.error ?? 'the leg did not produce a manifest';
  if (ok) record.manifest = built!.manifest;
  if (plan) {
    record.plan = plan;
    record.strategy = plan.strategy;
  }
  if (built?.compressedSize !== undefined) record.compressedSize = built.compressedSize;
  if (built?.cache) record.cache = built.cache;
  const log = report.logs[outcome.platform];
  if (!ok && log) record.logTail = tail(log, LOG_TAIL_BYTES);
  return record;
}

function tail(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  const cut = buf.subarray(buf.length - bytes).toString('utf8');
  // Start on a whole line.
  return cut.slice(cut.indexOf('\n') + 1);
}

/** Parse and check a record read from `source` (an artifact name); throws naming what is wrong. */
export function parseLegRecord(text: string, source: string): LegRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`leg record ${source} is not JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new Error(`leg record ${source} is malformed: ${what}`);
  };
  if (!isObject(raw)) return bad('not an object');
  const r = raw as Record<string, unknown>;
  if (r.version !== LEG_RECORD_VERSION) bad(`version ${JSON.stringify(r.version)} (expected ${LEG_RECORD_VERSION}; legs and merge must run the same multiarch version)`);
  if (typeof r.image !== 'string' || !r.image) bad('image is not a string');
  if (typeof r.platform !== 'string') bad('platform is not a string');
  let platform: string;
  try {
    platform = normalizePlatform(r.platform as string);
  } catch (err) {
    return bad((err as Error).message);
  }
  if (platform !== r.platform) bad(`platform "${r.platform}" is not normalised (expected ${platform})`);
  if (!Number.isInteger(r.attempt) || (r.attempt as number) < 1) bad('attempt is not a positive integer');
  if (typeof r.ok !== 'boolean') bad('ok is not a boolean');
  if (!Array.isArray(r.attestations)) bad('attestations is not a list');
  (r.attestations as unknown[]).forEach((d, i) => checkDescriptor(d, `attestations[${i}]`, bad));
  if (!Array.isArray(r.repositories) || !(r.repositories as unknown[]).every((x) => typeof x === 'string')) bad('repositories is not a list of strings');
  if (typeof r.startedAt !== 'number' || typeof r.durationMs !== 'number') bad('startedAt or durationMs is not a number');
  if (r.ok) {
    checkDescriptor(r.manifest, 'manifest', bad);
    const media = (r.manifest as Descriptor).mediaType;
    if (!isImageManifestMediaType(media)) bad(`manifest has media type ${media} (expected an image manifest${isIndexMediaType(media) ? ', not an index' : ''})`);
  } else if (typeof r.error !== 'string' || !r.error) bad('a failed leg has no error');
  if (r.plan !== undefined && (!isObject(r.plan) || (r.plan as PlatformPlan).platform !== platform)) bad(`plan is not the plan entry of ${platform}`);
  if (r.strategy !== undefined && !['native', 'cross', 'emulated'].includes(r.strategy as string)) bad(`strategy "${r.strategy}" is unknown`);
  return r as unknown as LegRecord;
}

function checkDescriptor(d: unknown, what: string, bad: (what: string) => never): void {
  if (!isObject(d)) bad(`${what} is not a descriptor`);
  const desc = d as Descriptor;
  if (typeof desc.mediaType !== 'string') bad(`${what}.mediaType is not a string`);
  if (typeof desc.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(desc.digest)) bad(`${what}.digest "${String(desc.digest)}" is not a sha256 digest`);
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) bad(`${what}.size is not a byte count`);
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A record as the built leg the report and composeIndex take. The leg's layout stayed on its
 * runner: merge needs only the descriptors, so outDir and metadataFile are empty.
 */
export function toBuiltLeg(record: LegRecord): BuiltLeg | undefined {
  if (!record.plan) return undefined;
  return {
    platform: record.plan,
    outDir: '',
    metadataFile: '',
    ok: record.ok,
    ...(record.error ? { error: record.error } : {}),
    ...(record.manifest ? { digest: record.manifest.digest, manifest: record.manifest } : {}),
    attestations: record.attestations,
    startedAt: record.startedAt,
    durationMs: record.durationMs,
    ...(record.cache ? { cache: record.cache } : {}),
    ...(record.compressedSize !== undefined ? { compressedSize: record.compressedSize } : {})
  };
}

/** The plan as the legs carried it out, each on its own runner: what the merge report shows. */
export function planFromRecords(records: LegRecord[], dockerfile: string): Plan {
  const platforms = records.map((r) => r.plan).filter((p): p is PlatformPlan => !!p);
  return {
    platforms,
    languages: [...new Set(platforms.map((p) => p.language).filter((l) => l !== 'unknown'))],
    qemu: platforms.filter((p) => p.strategy === 'emulated').map((p) => p.platform),
    warnings: [],
    dockerfile
  };
}
