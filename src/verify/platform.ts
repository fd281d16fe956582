/**
 * Platform strings compared the way a runtime compares them: `arm64/v8` is `arm64`, `x86_64` is
 * `amd64`. An `arm` without a variant stays without one (containerd would assume v7), because a
 * config that omits the variant is exactly the mismatch the `config` check must report.
 */
import { ARCH_ALIASES } from '../platform.js';
import type { Platform } from '../types/oci.js';

/** os/architecture/variant after normalisation. */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses `linux/arm/v7`; throws with the expected form on anything else. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`invalid platform '${text}': expected os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform({ os, architecture, variant });
}

/** Lower-cases, maps architecture aliases, and drops variants that mean "the baseline". */
export function normalizePlatform(platform: Platform | PlatformSpec): PlatformSpec {
  const os = platform.os.toLowerCase();
  const rawArch = platform.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  let variant = platform.variant?.toLowerCase() || undefined;
  if (rawArch === 'armhf' && !variant) variant = 'v7';
  if (rawArch === 'armel' && !variant) variant = 'v6';
  if ((architecture === 'arm' || architecture === 'arm64') && variant && /^[0-9]+$/.test(variant)) variant = `v${variant}`;
  // arm64/v8 and amd64/v1 are the baselines; images and requests spell them both ways.
  if ((architecture === 'arm64' && variant === 'v8') || (architecture === 'amd64' && variant === 'v1')) variant = undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `linux/arm/v7`. */
export function formatPlatform(platform: Platform | PlatformSpec): string {
  const p = normalizePlatform(platform);
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Equality after normalisation. */
export function samePlatform(a: Platform | PlatformSpec, b: Platform | PlatformSpec): boolean {
  return formatPlatform(a) === formatPlatform(b);
}
