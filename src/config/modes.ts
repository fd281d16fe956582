/** The inputs that split a build across jobs (mode, runners) or run it as a subrequest (call). */
import { InputError } from '../input-error.js';
import { parseRunner } from '../modes/matrix.js';
import { normalizePlatform } from '../platform.js';
import type { Config } from '../types/config.js';

/**
 * BPA's `call`: a subrequest evaluates the build in this one step and builds nothing, so it is
 * for mode all only, and push (which buildx ignores with --call) is dropped with a warning.
 */
export function resolveCall(call: Config['call'], mode: string, push: boolean, warn: (message: string) => void): Config['call'] {
  if (call === 'build') return call;
  if (mode && mode !== 'all') throw new InputError('call', `call ${call} evaluates the build in one step (expected mode all, or call build)`);
  if (push) warn(`Input "push": call ${call} builds no image, so nothing is pushed (as with build-push-action)`);
  return call;
}

/**
 * A leg builds one platform and pushes it by digest; merge moves the tags of the platforms the
 * legs built. Both need the registry, and merge must be told which platforms to expect.
 */
export function checkMode(mode: Config['mode'], c: { platforms: string[]; push: boolean; tags: string[]; load: boolean }): void {
  if (mode !== 'leg' && mode !== 'merge') return;
  if (mode === 'leg' && c.platforms.length !== 1) {
    throw new InputError('platforms', `mode leg builds exactly one platform, got ${c.platforms.length ? c.platforms.join(', ') : 'none'} (expected one, e.g. platforms: \${{ matrix.platform }})`);
  }
  if (mode === 'merge' && c.platforms.length === 0) {
    throw new InputError('platforms', 'mode merge needs every platform the legs built (expected the same list as the plan, e.g. linux/amd64,linux/arm64)');
  }
  if (!c.push) throw new InputError('push', `mode ${mode} pushes by digest to the registry, so push must be true`);
  if (c.tags.length === 0) throw new InputError('tags', `mode ${mode} needs the image's tags (expected the same tags in the leg and merge steps)`);
  if (c.load) throw new InputError('load', `mode ${mode} cannot load into the Docker image store (expected load: false; pull the merged image instead)`);
}

export function resolveRunners(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new InputError('runners', `"${item}" is malformed (expected platform=runner-label, e.g. linux/arm64=ubuntu-24.04-arm, or platform=["self-hosted","ARM64"])`);
    try {
      const runner = item.slice(i + 1).trim();
      parseRunner(runner);
      out[normalizePlatform(item.slice(0, i))] = runner;
    } catch (err) {
      throw new InputError('runners', (err as Error).message);
    }
  }
  return out;
}
