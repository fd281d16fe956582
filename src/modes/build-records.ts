/**
 * The legs' build records as one workflow-run artifact, as build-push-action uploads its build's
 * record: `docker buildx history export` writes the `.dockerbuild` bundle Docker Desktop's Builds
 * view imports, and @actions/artifact uploads it unzipped under BPA's name. One artifact per step:
 * every leg the step built (all of them in `mode: all`, its one platform in `mode: leg`).
 *
 * When BPA skips its record, so does this (facts read from BPA's main.ts and actions-toolkit's
 * History.export): DOCKER_BUILD_SUMMARY=false, a `call` subrequest, GHES, buildx older than 0.23,
 * no build reference, and no upload with DOCKER_BUILD_RECORD_UPLOAD=false (BPA still exports for
 * its own summary table; ours does not need the record). Unlike BPA, a record that holds a secret
 * value is not uploaded (record-scan.ts), and a failed upload is a warning, not a lost summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveBuildEnvSwitches, resolveRecordUpload, type RecordUpload } from '../bpa-env.js';
import { HISTORY_EXPORT_MIN_BUILDX, exportBuildRecords, listLocalRefs, parseBuildRef, resolveBuildxConfigDir, type BuildRef } from '../build/history.js';
import { scanRecordForSecrets } from '../build/record-scan.js';
import { isVersionAtLeast } from '../setup/buildx.js';
import type { BuildRecordReport } from '../types/build-record.js';
import type { Io } from '../types/io.js';
import type { RunReport } from '../types/plan.js';

/** What decides whether a step exports and uploads its records. */
export interface RecordFacts {
  env: Record<string, string | undefined>;
  /** The step ran a `call` subrequest (check, outline, targets). */
  call: boolean;
  buildxVersion?: string;
  /** Builds this step ran whose reference is known. */
  refs: number;
}

/** Export and upload, or not: `why` is said once in the log; without it the skip is what the workflow asked for. */
export type RecordDecision = { export: true; upload: RecordUpload } | { export: false; why?: string };

/** Pure: BPA's conditions, in BPA's order, then the upload switch. */
export function decideBuildRecords(f: RecordFacts, warn: (message: string) => void): RecordDecision {
  if (!resolveBuildEnvSwitches(f.env, () => undefined).summary) return { export: false };
  if (f.call) return { export: false };
  const upload = resolveRecordUpload(f.env, warn);
  if (!upload.upload) return { export: false };
  // No artifact service (a run outside GitHub's runner, or a runner without one): nothing to upload to.
  if (!f.env.ACTIONS_RUNTIME_TOKEN || !f.env.ACTIONS_RESULTS_URL) return { export: false, why: 'Build records are not uploaded: this run has no artifact service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset).' };
  if (isGhes(f.env.GITHUB_SERVER_URL)) return { export: false, why: 'Build records are not uploaded on GitHub Enterprise Server (@actions/artifact v2 does not support it; build-push-action skips them there too).' };
  if (!f.buildxVersion || !isVersionAtLeast(f.buildxVersion, HISTORY_EXPORT_MIN_BUILDX)) {
    return { export: false, why: `Build records are not uploaded: buildx ${f.buildxVersion ?? '(unknown version)'} cannot export them (\`docker buildx history export\` needs buildx ${HISTORY_EXPORT_MIN_BUILDX} or newer).` };
  }
  if (f.refs === 0) return { export: false, why: 'Build records are not uploaded: buildx reported no build reference for any leg.' };
  return { export: true, upload };
}

/** As @actions/artifact and actions-toolkit tell GHES: any host but github.com, *.ghe.com and *.localhost. */
export function isGhes(serverUrl: string | undefined): boolean {
  const host = new URL(serverUrl || 'https://github.com').hostname.toLowerCase();
  return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost');
}

/** BPA's artifact name (actions-toolkit's History.exportFilename): `owner~repo~ABCDEF[+N].dockerbuild`. */
export function resolveRecordName(repository: string | undefined, refs: BuildRef[]): string {
  const [owner = 'local', repo = 'build'] = (repository ?? '').split('/').filter(Boolean);
  return `${owner}~${repo}~${refs[0]!.id.slice(0, 6).toUpperCase()}${refs.length > 1 ? `+${refs.length - 1}` : ''}.dockerbuild`;
}

/** The artifact on the run's page, as BPA links it. */
export function resolveArtifactUrl(env: Record<string, string | undefined>, id: number): string {
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY ?? ''}/actions/runs/${env.GITHUB_RUN_ID ?? ''}/artifacts/${id}`;
}

/** Uploads one file, unzipped, as an artifact named after it; the real one is @actions/artifact's. */
export type RecordUploader = (file: string, retentionDays: number | undefined) => Promise<{ id: number; size?: number }>;

export interface BuildRecordOptions {
  env: Record<string, string | undefined>;
  /** Scratch directory for the bundle (inside the run directory). */
  dir: string;
  io: Io;
  /** True when bytes hold a secret value (Redactor.isFoundIn). */
  holdsSecret: (data: Buffer) => boolean;
  upload?: RecordUploader;
}

/**
 * Exports and uploads the step's build records; never throws. Undefined when the summary has
 * nothing to say (no records were expected, or why not was said in the log).
 */
export async function publishBuildRecords(report: RunReport, opts: BuildRecordOptions): Promise<BuildRecordReport | undefined> {
  const { io } = opts;
  // Merge and plan build nothing here: their legs (if any) ran in other jobs, which uploaded their own.
  if (report.mode === 'merge' || report.mode === 'plan') return undefined;
  const { refs, platforms } = resolveStepRefs(report, opts.env);
  const decision = decideBuildRecords({ env: opts.env, call: !!report.call, buildxVersion: report.engine?.buildxVersion, refs: refs.length }, (m) => io.warning(m));
  if (!decision.export) {
    if (decision.why && report.legs.length) io.info(decision.why);
    return undefined;
  }
  const failed = (what: string, err: unknown): BuildRecordReport => {
    const note = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    io.warning(note);
    return { note };
  };
  const name = resolveRecordName(opts.env.GITHUB_REPOSITORY, refs);
  const file = path.join(opts.dir, name);
  try {
    await exportBuildRecords(refs, file, report.engine!.buildxVersion!);
  } catch (err) {
    return failed('Build records were not exported', err);
  }
  const scan = await scanRecordForSecrets(file, opts.holdsSecret);
  if (!scan.clean) return failed(`Build record ${name} was not uploaded`, new Error(scan.reason));
  try {
    const res = await (opts.upload ?? uploadWithActionsArtifact)(file, decision.upload.retentionDays);
    const url = resolveArtifactUrl(opts.env, res.id);
    io.info(`Uploaded build record ${name} (${refs.length} build${refs.length > 1 ? 's' : ''}): ${url}`);
    return { artifact: { name, url, size: res.size ?? fs.statSync(file).size, platforms } };
  } catch (err) {
    return failed(`Build record ${name} was not uploaded`, err);
  }
}

/**
 * The references of the builds this step ran, in plan order. A failed leg leaves no metadata
 * file, so its build is found in buildx's local state: builds of this builder started while the
 * legs ran that no successful leg claims (a cross-compile rewrite's failed first attempt too).
 */
export function resolveStepRefs(report: RunReport, env: Record<string, string | undefined>): { refs: BuildRef[]; platforms: string[] } {
  const refs = report.legs.map((l) => l.buildRef).filter((r): r is string => !!r);
  const platforms = report.legs.filter((l) => l.buildRef).map((l) => l.platform.platform);
  const unknown = report.legs.filter((l) => !l.buildRef);
  const builder = report.builder?.name;
  if (builder && unknown.length) {
    // File times are coarse on some filesystems: a second of slack each side.
    const since = Math.min(...report.legs.map((l) => l.startedAt)) - 1000;
    const until = Math.max(...report.legs.map((l) => l.startedAt + l.durationMs)) + 1000;
    const found = listLocalRefs(resolveBuildxConfigDir(env), builder, since, until).filter((r) => !refs.includes(r));
    if (found.length) {
      refs.push(...found);
      platforms.push(...unknown.map((l) => l.platform.platform));
    }
  }
  return { refs: refs.map(parseBuildRef).filter((r): r is BuildRef => !!r), platforms };
}

async function uploadWithActionsArtifact(file: string, retentionDays: number | undefined): Promise<{ id: number; size?: number }> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  // skipArchive: the artifact is the .dockerbuild itself (named after the file), as BPA uploads it.
  const res = await new DefaultArtifactClient().uploadArtifact(path.basename(file), [file], path.dirname(file), { ...(retentionDays ? { retentionDays } : {}), skipArchive: true });
  if (!res.id) throw new Error('the artifact service returned no artifact id');
  return { id: res.id, ...(res.size !== undefined ? { size: res.size } : {}) };
}
