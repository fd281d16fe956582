/** The platforms a buildx builder lists, and which of them its nodes run natively. */
import { normalizePlatform } from '../platform.js';
import type { BuilderInfo } from './buildx.js';

export function builderPlatforms(info: BuilderInfo): string[] {
  const out = new Set<string>();
  for (const node of info.nodes) for (const p of node.platforms) out.add(safeNormalize(p));
  return [...out];
}

/** BuildKit lists a node's own platform first; the rest come from emulators or compatibility. */
export function nativePlatformsOf(info: BuilderInfo): string[] {
  return [...new Set(info.nodes.map((n) => n.platforms[0]).filter((p): p is string => !!p).map(safeNormalize))];
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
