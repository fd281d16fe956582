/**
 * Platform strings (`os/arch[/variant]`): parse, validate and normalise the way containerd does,
 * so `linux/arm64/v8` and `linux/arm64` are one platform and `linux/arm/v9` is an error.
 */
import type { Platform } from './types/oci.js';

const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'plan9', 'android']);

/** Architectures and the variants each accepts; the first variant listed is the default dropped or added on normalise. */
const ARCH_VARIANTS: Record<string, string[]> = {
  amd64: ['v1', 'v2', 'v3', 'v4'],
  arm64: ['v8'],
  arm: ['v7', 'v6', 'v5', 'v8'],
  '386': [],
  ppc64le: [],
  ppc64: [],
  s390x: [],
  riscv64: [],
  mips64le: [],
  mips64: [],
  mipsle: [],
  mips: [],
  loong64: [],
  wasm: []
};

/**
 * Spellings that uname and distros use for the same architectures: the one table, for input
 * parsing here and for verification (src/verify/platform.ts, which differs only on a bare `arm`).
 */
export const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
  x86: '386'
};

export class InvalidPlatformError extends Error {}

const EXPECTED = 'expected os/arch[/variant], e.g. linux/amd64, linux/arm64 or linux/arm/v7';

/** Parse and normalise; throws InvalidPlatformError with the expected form. */
export function parsePlatform(text: string): Platform {
  const raw = text.trim().toLowerCase();
  const parts = raw.split('/');
  if (raw === '' || parts.length > 3 || parts.some((p) => p === '')) {
    throw new InvalidPlatformError(`"${text}" is not a valid platform (${EXPECTED})`);
  }
  // buildx accepts a bare architecture and assumes linux.
  const [os, archRaw, variantRaw] = parts.length === 1 ? ['linux', parts[0]!, undefined] : [parts[0]!, parts[1]!, parts[2]];
  if (!KNOWN_OS.has(os)) {
    throw new InvalidPlatformError(`"${text}" is not a valid platform: unknown os "${os}" (${EXPECTED})`);
  }
  const arch = ARCH_ALIASES[archRaw] ?? archRaw;
  const variants = ARCH_VARIANTS[arch];
  if (!variants) {
    throw new InvalidPlatformError(`"${text}" is not a valid platform: unknown architecture "${archRaw}" (${EXPECTED})`);
  }
  let variant = variantRaw;
  if (variant !== undefined && !variants.includes(variant)) {
    const allowed = variants.length ? `one of ${variants.join(', ')}` : 'no variant';
    throw new InvalidPlatformError(`"${text}" is not a valid platform: ${arch} takes ${allowed}, not "${variant}" (${EXPECTED})`);
  }
  if (arch === 'arm64' || (arch === 'amd64' && variant === 'v1')) variant = undefined;
  if (arch === 'arm' && variant === undefined) variant = archRaw === 'armel' ? 'v6' : 'v7';
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch };
}

export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Normalised string form, e.g. `arm64` → `linux/arm64`. */
export function normalizePlatform(text: string): string {
  return formatPlatform(parsePlatform(text));
}

/** True when two platform descriptions name the same platform after normalisation. */
export function isSamePlatform(a: Partial<Platform>, b: Partial<Platform>): boolean {
  if (!a.os || !a.architecture || !b.os || !b.architecture) return false;
  try {
    return normalizePlatform(formatPlatform(a as Platform)) === normalizePlatform(formatPlatform(b as Platform));
  } catch {
    return false;
  }
}

/** The platform this process runs on, in OCI terms. */
export function hostPlatform(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return normalizePlatform(`linux/${arch}`);
}
