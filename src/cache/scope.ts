/**
 * One cache per leg. The legs of a run build in parallel and export their caches at the end; two
 * legs exporting to one place means the last writer wins and the other platform's next build
 * starts cold. So every cache a leg imports or exports is made per platform:
 *
 * - `type=gha` without `scope`: the plan's scope for the leg (`<prefix><image>-<platform>`, see
 *   src/plan/cache-scope.ts).
 * - `type=registry,ref=R[:T]` (or a bare `R[:T]`, which buildx reads as one) whose tag does not
 *   already name the platform: the platform goes in the tag, `R:T-linux-arm64`, or `R:linux-arm64`
 *   when there is no tag. One repository keeps every platform's cache (one package to grant on
 *   GHCR), and tags keep them apart. A ref pinned by digest is left alone.
 *
 * Credentials are never added here: buildx reads ACTIONS_RUNTIME_TOKEN and the cache URLs from
 * its own environment (util/buildflags/cache.go, addGithubToken), which legs inherit, so a token
 * never lands in argv where /proc/<pid>/cmdline and logs would show it.
 */
import { parseKeyValues } from '../inputs.js';

/** `linux/arm/v7` → `linux-arm-v7`. */
export function platformSlug(platform: string): string {
  return platform.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Split an image reference into name, tag and digest (`localhost:5000/a:b` keeps its port). */
function splitRef(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { name: rest, ...(digest ? { digest } : {}) };
}

/** True when a tag already ends with the platform (`cache-linux-arm64`, `arm64`, `buildcache_arm-v7`). */
export function hasPlatformSuffix(tag: string, platform: string): boolean {
  const slug = platformSlug(platform);
  const arch = slug.replace(/^[a-z0-9]+-/, '');
  const t = tag.toLowerCase();
  return [slug, arch, arch.replace(/-/g, '')].some((s) => t === s || new RegExp(`[-_.]${s.replace(/\./g, '\\.')}$`).test(t));
}

/** A registry cache ref for one platform; a ref pinned by digest is left alone (it cannot be exported to). */
export function resolveRegistryCacheRef(ref: string, platform: string): string {
  const { name, tag, digest } = splitRef(ref.trim());
  if (digest || !name) return ref;
  if (tag && hasPlatformSuffix(tag, platform)) return ref;
  return `${name}:${tag ? `${tag}-` : ''}${platformSlug(platform)}`;
}

export interface LegCache {
  /** The leg's platform; without it registry refs are left as given. */
  platform?: string;
  /** The plan's gha scope for this leg. */
  scope: string;
}

/**
 * A user's cache spec, made per platform (see the file comment). Exports to gha default to
 * `ignore-error=true`, so a cache service hiccup never fails a build.
 */
export function resolveLegCacheSpec(spec: string, leg: LegCache, isExport: boolean): string {
  // buildx reads a spec without `=` as a registry ref (isRefOnlyFormat in util/buildflags/cache.go).
  if (!spec.includes('=') && !spec.includes(',') && leg.platform) return resolveRegistryCacheRef(spec, leg.platform);
  const kv = parseKeyValues(spec);
  if (kv.type === 'gha') {
    let out = spec;
    if (kv.scope === undefined) out += `,scope=${leg.scope}`;
    if (isExport && kv['ignore-error'] === undefined) out += ',ignore-error=true';
    return out;
  }
  if (kv.type === 'registry' && kv.ref && leg.platform) {
    const ref = resolveRegistryCacheRef(kv.ref, leg.platform);
    // Replace the ref field in place: the rest of the user's spec stays byte for byte.
    return ref === kv.ref ? spec : spec.replace(/(^|,)(\s*)ref=([^,]*)/, (_m, sep: string, ws: string) => `${sep}${ws}ref=${ref}`);
  }
  return spec;
}

/** Values in cache specs or the environment that must never reach a log: mask them first. */
export function resolveCacheSecrets(specs: readonly string[], env: Record<string, string | undefined> = {}): string[] {
  const out = new Set<string>();
  for (const spec of specs) {
    const kv = parseKeyValues(spec);
    for (const key of ['token', 'secret_access_key', 'session_token', 'account_key', 'ghtoken']) if (kv[key]) out.add(kv[key]!);
  }
  if (env.ACTIONS_RUNTIME_TOKEN) out.add(env.ACTIONS_RUNTIME_TOKEN);
  return [...out];
}
