/**
 * Which machine runs a leg, and which platforms it executes without QEMU.
 *
 * Another architecture counts as native only when the caller says so. We do not infer "amd64 runs
 * 386" or "arm64 runs arm/v7": most x86-64 kernels run i386 code and many arm64 CPUs run AArch32,
 * but not all (kernels built without IA32 emulation; Graviton 3 and Ampere Altra have no AArch32).
 * The caller asks the kernel (setup/compat-probe.ts) and passes linux/386 or linux/arm/v7 among
 * the native platforms when it ran the probe itself.
 *
 * Variants of the same architecture are different: amd64/v2..v4 are ISA levels of one ELF machine,
 * so the kernel runs them directly and binfmt_misc never hands them to QEMU (a CPU without the
 * instructions fails either way); arm64/v8 is arm64; and an ARM CPU runs older ARM variants.
 */
import { normalizePlatform } from '../platform.js';

/** A builder node (or runner) and the platforms it executes natively. */
export interface BuilderNode {
  name: string;
  platforms: string[];
}

/** Where a leg runs and what that machine executes natively. */
export interface Machine {
  /** Platforms this machine runs without emulation. */
  platforms: string[];
  /** Value of $BUILDPLATFORM for the leg. */
  buildPlatform: string;
  /** True when the target platform itself is native here. */
  native: boolean;
  /** Node that builds the leg natively, when one does. */
  node?: string;
}

/** Used only when the caller knows no native platform at all (GitHub-hosted runners are amd64). */
const FALLBACK_BUILD_PLATFORM = 'linux/amd64';

/** Normalise, but keep unknown spellings (a literal in a Dockerfile may be anything). */
export function canonicalPlatform(platform: string): string {
  try {
    return normalizePlatform(platform);
  } catch {
    return platform.trim().toLowerCase();
  }
}

/** True when a machine with platforms `natives` runs `platform` without QEMU. */
export function isNativeOn(natives: readonly string[], platform: string): boolean {
  const [os, arch, variant = ''] = canonicalPlatform(platform).split('/');
  return natives.some((native) => {
    const [nOs, nArch, nVariant = ''] = canonicalPlatform(native).split('/');
    if (nOs !== os || nArch !== arch) return false;
    // arm/v7 runs v6 and v5 code; canonical arm always has a variant (arm = arm/v7).
    if (arch === 'arm') return variant <= nVariant;
    return true;
  });
}

/** Pick the machine for a leg: a node that has the platform, else the host, native or not. */
export function resolveMachine(platform: string, nativePlatforms: readonly string[], nodes: readonly BuilderNode[] = []): Machine {
  const node = nodes.find((n) => isNativeOn(n.platforms, platform));
  if (node) {
    return { platforms: node.platforms, buildPlatform: canonicalPlatform(node.platforms[0]!), native: true, node: node.name };
  }
  const host = nativePlatforms.length ? [...nativePlatforms] : [FALLBACK_BUILD_PLATFORM];
  if (isNativeOn(host, platform)) {
    // On the host $BUILDPLATFORM is the host's primary platform, even when building linux/386 on amd64.
    return { platforms: host, buildPlatform: canonicalPlatform(host[0]!), native: true };
  }
  return { platforms: host, buildPlatform: canonicalPlatform(host[0]!), native: false };
}
