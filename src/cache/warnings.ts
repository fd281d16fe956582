/**
 * When a cache would do nothing, say so. buildx drops a `type=gha` cache without a word when it
 * has no token or URL (0.13: `if !addGithubToken(&out) { continue }` in util/buildflags/cache.go),
 * and GitHub retired cache service v1 on 2025-04-15: only v2 works, which needs buildx >= 0.21
 * (reads ACTIONS_RESULTS_URL, sends `url_v2`) and BuildKit >= 0.20 (speaks v2). The docker driver
 * exports no cache at all without the containerd image store ("Cache export is not supported for
 * the docker driver"). Pure: the facts come from the caller (see probeCacheFacts in
 * src/setup/builder.ts).
 */
import { parseKeyValues } from '../inputs.js';
import { isVersionAtLeast } from '../setup/buildx.js';

/** What the checks read; gathered once per run. */
export interface CacheFacts {
  cacheFrom: string[];
  cacheTo: string[];
  /** The ACTIONS_* variables buildx will see (the leg's environment). */
  env: Record<string, string | undefined>;
  /** `docker buildx version`, x.y.z. */
  buildxVersion: string;
  /** Driver of the builder the legs use. */
  driver: string;
  /** BuildKit versions of the builder's nodes (x.y.z); empty when buildx reports none or `v0.0.0+unknown`. */
  buildkitVersions: string[];
  /** docker driver: the engine's version; its BuildKit is built in and follows it (Docker 28.0 has BuildKit 0.20). */
  dockerVersion?: string;
  /** docker driver: true with the containerd image store, false without, undefined when unknown. */
  containerdStore?: boolean;
  /** Platforms the run builds, one leg each. */
  platforms: string[];
}

const BUILDX_V2 = '0.21.0';
const BUILDKIT_V2 = '0.20.0';
const DOCKER_WITH_BUILDKIT_V2 = '28.0.0';

/** True for the values Go's strconv.ParseBool reads as true (what buildx uses for ACTIONS_CACHE_SERVICE_V2). */
function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/** Pure: one message per problem, naming the cache specs it affects. */
export function resolveCacheWarnings(f: CacheFacts): string[] {
  const out: string[] = [];
  const specs = [...f.cacheFrom.map((s) => ({ s, dir: 'cache-from' })), ...f.cacheTo.map((s) => ({ s, dir: 'cache-to' }))].map((x) => ({ ...x, kv: parseKeyValues(x.s) }));
  const gha = specs.filter((x) => x.kv.type === 'gha');
  const named = (list: typeof specs) => list.map((x) => `${x.dir} ${x.s}`).join('; ');

  if (gha.length) {
    const noToken = gha.filter((x) => !x.kv.token && !f.env.ACTIONS_RUNTIME_TOKEN);
    if (noToken.length) out.push(`buildx silently drops ${named(noToken)}: ACTIONS_RUNTIME_TOKEN is not set (a JavaScript action gets it on a GitHub runner; elsewhere pass token=…). The build runs without that cache.`);
    const urlFromEnv = f.env.ACTIONS_CACHE_URL || (isVersionAtLeast(f.buildxVersion, BUILDX_V2) ? f.env.ACTIONS_RESULTS_URL : undefined);
    const noUrl = gha.filter((x) => !x.kv.url && !x.kv.url_v2 && !urlFromEnv);
    if (noUrl.length) out.push(`buildx silently drops ${named(noUrl)}: neither ACTIONS_RESULTS_URL nor ACTIONS_CACHE_URL is set (nor url=…). The build runs without that cache.`);
    const usable = gha.filter((x) => !noToken.includes(x) && !noUrl.includes(x));
    if (usable.length) {
      if (!isVersionAtLeast(f.buildxVersion, BUILDX_V2)) {
        out.push(`buildx ${f.buildxVersion} speaks only the retired GitHub cache service v1 (ACTIONS_CACHE_URL): ${named(usable)} will miss and not be saved. Cache service v2 needs buildx >= ${BUILDX_V2} and BuildKit >= ${BUILDKIT_V2}.`);
      } else if (!isTrue(f.env.ACTIONS_CACHE_SERVICE_V2) && f.env.ACTIONS_CACHE_URL && usable.some((x) => !x.kv.url_v2 && x.kv.version !== '2')) {
        out.push(`ACTIONS_CACHE_SERVICE_V2 is not set, so buildx ${f.buildxVersion} sends ACTIONS_CACHE_URL to the retired cache service v1: ${named(usable)} will miss and not be saved.`);
      }
      const old = oldBuildkit(f);
      if (old) out.push(`${old} speaks only the retired GitHub cache service v1: ${named(usable)} will miss and not be saved. Cache service v2 needs BuildKit >= ${BUILDKIT_V2}${f.driver === 'docker' ? ` (Docker Engine >= 28.0 for the docker driver)` : ''}.`);
    }
    // A user scope is shared by every leg: parallel exports overwrite each other.
    const shared = gha.filter((x) => x.dir === 'cache-to' && x.kv.scope !== undefined);
    if (shared.length && f.platforms.length > 1) out.push(`${named(shared)} sets scope, so all ${f.platforms.length} legs export to one scope and the last one wins; leave scope out to get one per platform (cache-scope-prefix sets a prefix).`);
  }

  const exports = specs.filter((x) => x.dir === 'cache-to' && x.kv.type !== 'inline');
  if (f.driver === 'docker' && f.containerdStore === false && exports.length) {
    out.push(`the docker driver without the containerd image store cannot export caches ("Cache export is not supported for the docker driver"): ${named(exports)} dropped, the build runs without saving that cache. Turn on the containerd image store ("features": {"containerd-snapshotter": true}), or let the docker-container builder start (driver auto or docker-container).`);
  }
  return out;
}

/** "BuildKit 0.13.2" or "Docker Engine 26.1.5 (its built-in BuildKit)" when older than v2 needs; undefined when new or unknown. */
function oldBuildkit(f: CacheFacts): string | undefined {
  const old = f.buildkitVersions.filter((v) => !isVersionAtLeast(v, BUILDKIT_V2));
  if (old.length) return `BuildKit ${[...new Set(old)].join(', ')}`;
  if (f.buildkitVersions.length === 0 && f.driver === 'docker' && f.dockerVersion && !isVersionAtLeast(f.dockerVersion, DOCKER_WITH_BUILDKIT_V2)) {
    return `Docker Engine ${f.dockerVersion} (its built-in BuildKit)`;
  }
  return undefined;
}
