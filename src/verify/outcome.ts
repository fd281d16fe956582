/**
 * Whether failed checks fail the step. A pushed, loaded or tagged image that cannot start must
 * not be shipped, so `strict` fails those. A build that delivers nothing (no push, load, tags or
 * outputs: BPA workflows that build only to check a Dockerfile or fill a cache) has nothing to
 * protect: its failed checks are reported, and fail the step only when `verify: strict` was given.
 */
import type { Config } from '../types/config.js';

/**
 * True when the build hands an image to someone: a registry, the engine, a tag or an image output.
 * `local`, `tar` and `cacheonly` outputs are files or a cache, not the image.
 */
export function deliversImage(c: Pick<Config, 'push' | 'load' | 'tags' | 'exports'>): boolean {
  return c.push || c.load || c.tags.length > 0 || c.exports.some((e) => e.type !== 'local' && e.type !== 'tar' && e.type !== 'cacheonly');
}

export function failsOnChecks(c: Pick<Config, 'verify' | 'verifyExplicit' | 'push' | 'load' | 'tags' | 'exports'>): boolean {
  if (c.verify !== 'strict') return false;
  return c.verifyExplicit === true || deliversImage(c);
}
