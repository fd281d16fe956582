/**
 * Pure argv builders for buildx. Everything a leg passes to `docker buildx build` is decided
 * here, so tests can assert the exact argv for a table of inputs.
 */
import type { Config } from '../types/config.js';
import type { LegExport } from '../types/engine.js';
import type { PlatformPlan } from '../types/plan.js';
import { resolveLegCacheSpec } from '../cache/scope.js';
import { parseList } from '../inputs.js';

export interface LegArgsInput {
  config: Config;
  platform: PlatformPlan;
  builder: string;
  dockerfile: string;
  outDir: string;
  metadataFile: string;
  /** Secret id → private file holding its value (for `secrets` given by value). */
  secretFiles: Record<string, string>;
  /**
   * `docker-load`: the docker driver on the classic image store, which has no OCI exporter. The
   * leg is loaded into the engine as `loadRef` and read back by the caller (docker-save.ts).
   */
  legExport?: LegExport;
  loadRef?: string;
  /**
   * A `type=local` or `type=tar` output: the platform's files also go here (a second --output),
   * to be laid out one directory per platform by the merge stage (build/files.ts).
   */
  filesDir?: string;
}

/** A temporary, unique engine reference for a docker-load leg; removed once it is read back. */
export function resolveLoadRef(runId: string, platform: string): string {
  return `multiarch-leg-${runId.toLowerCase().replace(/[^a-z0-9]+/g, '-')}:${platform.replace(/\//g, '-')}`;
}

export function buildLegArgs(input: LegArgsInput): string[] {
  const { config: c, platform } = input;
  const args = ['buildx', 'build', '--builder', input.builder, '--platform', platform.platform, '--file', input.dockerfile];
  const load = input.legExport === 'docker-load';
  if (load) {
    if (!input.loadRef) throw new Error('a docker-load leg needs a temporary reference');
    // The classic store holds one image per name, no index: no attestation can ride along.
    args.push('--output', `type=docker,name=${input.loadRef}`, '--metadata-file', input.metadataFile, '--provenance=false');
  } else {
    // An OCI layout keeps attestation manifests next to the image and, unlike BuildKit's
    // push-by-digest, works with the docker driver too; the action pushes it by digest.
    args.push('--output', `type=oci,tar=false,dest=${input.outDir}`, '--metadata-file', input.metadataFile);
  }
  // Several exporters in one build need BuildKit 0.13; the image stays the leg's first output.
  if (input.filesDir) args.push('--output', `type=local,dest=${input.filesDir}`);
  if (c.target) args.push('--target', c.target);
  for (const a of c.buildArgs) args.push('--build-arg', a);
  for (const b of c.buildContexts) args.push('--build-context', b);
  for (const l of c.labels) args.push('--label', l);
  for (const a of c.annotations) {
    // index-level annotations belong to the merged index, which the action writes itself.
    if (!/^index(-descriptor)?(\[[^\]]*\])?:/.test(a)) args.push('--annotation', a);
  }
  for (const s of c.secrets) {
    if (s.kind === 'value') args.push('--secret', `id=${s.id},src=${input.secretFiles[s.id]}`);
    else if (s.kind === 'file') args.push('--secret', `id=${s.id},src=${s.path}`);
    else args.push('--secret', `id=${s.id},env=${s.env}`);
  }
  for (const s of c.ssh) args.push('--ssh', s);
  for (const from of c.cacheFrom) args.push('--cache-from', resolveCacheSpec(from, platform.cacheScope, false, platform.platform));
  // Without the containerd store the docker driver exports only inline caches; setup warns.
  for (const to of c.cacheTo) if (!load || isInlineCache(to)) args.push('--cache-to', resolveCacheSpec(to, platform.cacheScope, true, platform.platform));
  if (c.noCache) args.push('--no-cache');
  for (const f of c.noCacheFilters) args.push('--no-cache-filter', f);
  if (c.pull) args.push('--pull');
  if (c.network) args.push('--network', c.network);
  if (c.cgroupParent) args.push('--cgroup-parent', c.cgroupParent);
  for (const h of c.addHosts) args.push('--add-host', h);
  if (c.shmSize) args.push('--shm-size', c.shmSize);
  for (const u of c.ulimit) args.push('--ulimit', u);
  if (!load) {
    if (c.provenance !== undefined) args.push('--provenance', c.provenance);
    args.push(...resolveAttestArgs(c.sbom, c.attests));
  }
  for (const a of c.allow) args.push('--allow', a);
  args.push(c.context);
  return args;
}

/**
 * A cache spec made per platform, so legs never overwrite each other's cache (see
 * src/cache/scope.ts): a `type=gha` cache with no scope gets the leg's scope, a `type=registry`
 * ref whose tag does not name the platform gets it as a tag suffix (`R:T-linux-arm64`). Exports
 * to gha default to ignore-error=true, so a cache service hiccup never fails a build.
 */
export function resolveCacheSpec(spec: string, scope: string, isExport: boolean, platform?: string): string {
  return resolveLegCacheSpec(spec, { scope, platform }, isExport);
}

function isInlineCache(spec: string): boolean {
  return /(^|,)\s*type=inline\s*(,|$)/.test(spec);
}

/**
 * `sbom` and `attests` as build-push-action passes them: `sbom` becomes `--attest type=sbom,…`
 * (a bare boolean turns into buildx's `disabled=` attribute, so `sbom: true` is the default
 * generator and `sbom: generator=IMAGE` names one), and takes precedence over any `type=sbom`
 * entry of `attests`, which is then dropped. Each leg gets the flags, so each platform's image is
 * scanned on its own and its SBOM rides beside it in the index.
 */
export function resolveAttestArgs(sbom: string | undefined, attests: string[]): string[] {
  const args: string[] = [];
  if (sbom !== undefined) args.push('--attest', resolveAttestationAttrs(`type=sbom,${sbom}`));
  for (const a of attests) {
    if (sbom !== undefined && hasAttestationType('sbom', a)) continue;
    args.push('--attest', a);
  }
  return args;
}

/** `type=sbom,true` → `type=sbom,disabled=false`: buildx's attest attributes, as BPA rewrites them. */
export function resolveAttestationAttrs(attrs: string): string {
  return parseList(attrs)
    .map((a) => (/^(true|false)$/i.test(a) ? `disabled=${a.toLowerCase() === 'false'}` : a))
    .join(',');
}

function hasAttestationType(type: string, attrs: string): boolean {
  return parseList(attrs).some((a) => a.replace(/\s+/g, '') === `type=${type}`);
}
