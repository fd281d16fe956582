/**
 * Actions cache keys for cache mounts. Pure.
 *
 *   multiarch-mount/v1/<scope>/<id>/<partition>/<fingerprint>
 *
 * - scope: the cache scope prefix and image name, so two images of one repository never trade
 *   caches (as with the per-platform `type=gha` scopes).
 * - id: the BuildKit cache id. There is no platform in it on purpose: BuildKit keys a plain cache
 *   mount by its id alone, so every leg on one builder already shares one directory, and the
 *   tools that use such caches (Go's build cache, pip, npm, cargo, apt) key their entries by
 *   content or target themselves.
 * - partition: the platforms this job builds. A job that builds linux/amd64 and linux/arm64 on
 *   one builder keeps one entry; the per-platform jobs of `mode: leg` on native runners keep one
 *   each, so they don't overwrite each other (newest wins a prefix lookup).
 * - fingerprint: a hash of the extracted tree. Entries are immutable, so each content gets its
 *   own key; an unchanged mount maps to the key it was restored from and is not saved again.
 *
 * Restore looks for the newest entry of this partition, then of any partition (another
 * platform's Go cache is still a warmer start than none). Every field ends with `/`, so id `go`
 * never prefix-matches id `go-build`.
 */
import { createHash } from 'node:crypto';

export const CACHE_KEY_ROOT = 'multiarch-mount/v1';

export interface CacheMountKeys {
  /** Key prefix for this mount and partition; passed as the primary key (prefix-matched). */
  partitionPrefix: string;
  /** Fallbacks: the same mount, any partition. */
  restoreKeys: string[];
}

export function resolveCacheMountKeys(input: { scope: string; id: string; platforms: string[] }): CacheMountKeys {
  const mountPrefix = `${CACHE_KEY_ROOT}/${keyPart(input.scope || 'image')}/${keyPart(input.id)}/`;
  return { partitionPrefix: `${mountPrefix}${resolvePartition(input.platforms)}/`, restoreKeys: [mountPrefix] };
}

/** The full key for a tree with this fingerprint. */
export function cacheMountKey(keys: CacheMountKeys, fingerprint: string): string {
  return `${keys.partitionPrefix}${fingerprint}`;
}

/** Sorted, so `linux/arm64,linux/amd64` and `linux/amd64,linux/arm64` share a partition. */
export function resolvePartition(platforms: string[]): string {
  const parts = [...new Set(platforms.map((p) => sanitize(p)))].filter(Boolean).sort();
  return keyPart(parts.join('+') || 'default');
}

/**
 * A readable, prefix-safe key field: `[a-z0-9._+-]` only. When that loses information (an id
 * like `/root/.cache/go-build`), a short hash of the original keeps distinct ids distinct; long
 * fields are clipped the same way (keys are limited to 512 characters and may not hold commas).
 */
export function keyPart(text: string): string {
  const clean = sanitize(text);
  if (clean === text && clean.length <= 80) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, 70).replace(/-+$/, '')}-${hash}`.replace(/^-+/, '');
}

function sanitize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}
