/**
 * How each architecture is spelled where binaries are looked up: glibc's multiarch tuple
 * directories (Debian's /usr/lib/aarch64-linux-gnu), Node's process.arch (prebuilds/linux-arm64),
 * and the machine part of CPython's extension suffix (.cpython-311-aarch64-linux-gnu.so). The one
 * table of these spellings; uname-style aliases come from src/platform.ts.
 */
import { ARCH_ALIASES } from '../../platform.js';

interface ArchNames {
  /** glibc multiarch tuples, the first being the usual one. */
  tuples: string[];
  /** Whether glibc distributions put this ABI's libraries in lib64 (Fedora, RHEL, SUSE). */
  lib64: boolean;
  /** Node's process.arch. */
  node: string;
  /** The machine field of CPython's EXT_SUFFIX. */
  python: string[];
  /** The machine in a manylinux wheel tag (what `pip download --platform` takes). */
  wheel: string;
}

const ARCHES: Record<string, ArchNames> = {
  amd64: { tuples: ['x86_64-linux-gnu'], lib64: true, node: 'x64', python: ['x86_64'], wheel: 'x86_64' },
  '386': { tuples: ['i386-linux-gnu'], lib64: false, node: 'ia32', python: ['i386', 'i686'], wheel: 'i686' },
  arm64: { tuples: ['aarch64-linux-gnu'], lib64: true, node: 'arm64', python: ['aarch64'], wheel: 'aarch64' },
  arm: { tuples: ['arm-linux-gnueabihf', 'arm-linux-gnueabi'], lib64: false, node: 'arm', python: ['arm'], wheel: 'armv7l' },
  ppc64le: { tuples: ['powerpc64le-linux-gnu'], lib64: true, node: 'ppc64', python: ['powerpc64le'], wheel: 'ppc64le' },
  s390x: { tuples: ['s390x-linux-gnu'], lib64: true, node: 's390x', python: ['s390x'], wheel: 's390x' },
  riscv64: { tuples: ['riscv64-linux-gnu'], lib64: true, node: 'riscv64', python: ['riscv64'], wheel: 'riscv64' },
  mips64le: { tuples: ['mips64el-linux-gnuabi64'], lib64: true, node: 'mips64el', python: ['mips64el'], wheel: 'mips64el' },
  loong64: { tuples: ['loongarch64-linux-gnu'], lib64: true, node: 'loong64', python: ['loongarch64'], wheel: 'loongarch64' }
};

/** Node and Python spellings that are not Docker names or uname aliases. */
const EXTRA_ALIASES: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  armv6l: 'arm',
  armv7l: 'arm',
  armv7: 'arm',
  powerpc64le: 'ppc64le',
  ppc64: 'ppc64le',
  mips64el: 'mips64le',
  mipsel: 'mipsle',
  loongarch64: 'loong64'
};

/** Docker's architecture for a token seen in a path (`x64`, `aarch64`, `arm64`…); undefined when it names none. */
export function archOfToken(token: string): string | undefined {
  const t = token.toLowerCase();
  const arch = EXTRA_ALIASES[t] ?? ARCH_ALIASES[t] ?? t;
  return ARCHES[arch] || arch === 'mipsle' || arch === 'ppc64' ? arch : undefined;
}

/** The glibc multiarch tuples for an architecture (none for one glibc has no tuple for here). */
export function multiarchTuples(arch: string): string[] {
  return ARCHES[arch]?.tuples ?? [];
}

/** Whether lib64 directories belong to this architecture's default search path. */
export function usesLib64(arch: string): boolean {
  return ARCHES[arch]?.lib64 ?? false;
}

/** The manylinux wheel machine for an architecture, e.g. aarch64 for arm64. */
export function wheelMachine(arch: string): string {
  return ARCHES[arch]?.wheel ?? arch;
}

/** Every token a path could use to name `arch` for Node and Python, Docker's own name first. */
export function tokensOf(arch: string): string[] {
  const names = ARCHES[arch];
  if (!names) return [arch];
  return [...new Set([arch, names.node, ...names.python])];
}
