/** The platforms a buildx builder lists, and which of them its nodes run natively. */
import { normalizePlatform } from '../platform.js';
import type { BuilderInfo } from './buildx.js';
import { compatNativePlatforms, type KernelFacts } from './compat-probe.js';

export function builderPlatforms(info: BuilderInfo): string[] {
  const out = new Set<string>();
  for (const node of info.nodes) for (const p of node.platforms) out.add(safeNormalize(p));
  return [...out];
}

/**
 * BuildKit lists a node's own platform first; the rest come from emulators or compatibility, and
 * its list is a start-up snapshot (a probe that lost a race on a busy machine leaves linux/386
 * out), so it does not decide what is native. A node on this machine's engine (`kernel`, given
 * only when the engine is local) also runs natively each compatible architecture (386 on amd64,
 * 32-bit ARM on arm64) whose probe program the kernel ran itself with no QEMU handler for it.
 */
export function nativePlatformsOf(info: BuilderInfo, kernel?: KernelFacts): string[] {
  const out = new Set<string>();
  for (const node of info.nodes) {
    const own = node.platforms[0];
    if (!own) continue;
    const primary = safeNormalize(own);
    out.add(primary);
    if (!kernel || kernel.arch !== primary.split('/')[1] || !isLocalEndpoint(node.endpoint)) continue;
    for (const p of compatNativePlatforms(kernel)) out.add(p);
  }
  return [...out];
}

/** A node on this machine's engine: the default Docker context or a unix socket (another context may be remote). */
function isLocalEndpoint(endpoint: string | undefined): boolean {
  return !endpoint || endpoint === 'default' || endpoint.startsWith('unix://');
}

export function canBuildAll(info: BuilderInfo, platforms: string[]): boolean {
  const have = new Set(builderPlatforms(info));
  return platforms.every((p) => have.has(p));
}

function safeNormalize(p: string): string {
  try {
    return normalizePlatform(p);
  } catch {
    return p;
  }
}
