/**
 * Cache scopes for `type=gha` caches. One scope per image and platform, so the legs of a
 * multi-platform build don't overwrite each other's cache (they run in parallel and would race).
 */

/** Lowercase, and anything outside `[a-z0-9._-]` becomes `-`, collapsed. */
function sanitize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-');
}

/**
 * `<prefix><image>-<platform>`, e.g. `ghcr.io/acme/api:1.2` + `linux/arm/v7` → `ghcr.io-acme-api-linux-arm-v7`.
 * The tag and digest are dropped so every tag of an image shares its cache.
 */
export function resolveCacheScope(image: string, platform: string, prefix = ''): string {
  const repository = image.trim().split('@')[0]!.replace(/:[^/:]*$/, '');
  const parts = [sanitize(repository), sanitize(platform)].map((p) => p.replace(/^-+|-+$/g, '')).filter(Boolean);
  return sanitize(prefix) + parts.join('-');
}
