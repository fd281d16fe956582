/**
 * QEMU only where the plan needs it: read what binfmt_misc already has, and install handlers
 * just for the emulated platforms that are missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePlatform } from '../platform.js';
import { exec, execOk } from '../exec.js';
import type { QemuMode } from '../types/config.js';

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** The binfmt_misc handler name qemu registers for each architecture. */
const QEMU_NAMES: Record<string, string> = {
  arm64: 'aarch64',
  arm: 'arm',
  '386': 'i386',
  amd64: 'x86_64',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
  mips64: 'mips64',
  loong64: 'loongarch64'
};

export interface QemuDecision {
  /** Platforms that need QEMU and already have an enabled handler. */
  registered: string[];
  /** Platforms that need QEMU and will be installed. */
  install: string[];
  /** Platforms that need QEMU but mode=never leaves without one. */
  missing: string[];
}

/** Names of enabled binfmt handlers, e.g. ['qemu-aarch64']. */
export function readBinfmt(dir = BINFMT_DIR): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((name) => {
    if (name === 'register' || name === 'status') return false;
    try {
      return fs.readFileSync(path.join(dir, name), 'utf8').split('\n')[0]?.trim() === 'enabled';
    } catch {
      return false;
    }
  });
}

/** True when one of the `enabled` binfmt handlers runs ARCH's binaries (e.g. qemu-i386 for 386). */
export function handlerEnabled(arch: string, enabled: readonly string[]): boolean {
  const handler = QEMU_NAMES[arch];
  return handler !== undefined && enabled.some((e) => e === `qemu-${handler}` || e.endsWith(`-${handler}`));
}

/** Pure: which emulated platforms need a handler installed. `always` installs every non-native one. */
export function decideQemu(mode: QemuMode, emulated: string[], nonNative: string[], enabled: string[]): QemuDecision {
  const wanted = mode === 'always' ? nonNative : emulated;
  const decision: QemuDecision = { registered: [], install: [], missing: [] };
  for (const platform of wanted) {
    const has = handlerEnabled(parsePlatform(platform).architecture, enabled);
    if (has && mode !== 'always') decision.registered.push(platform);
    else if (mode === 'never') decision.missing.push(platform);
    else decision.install.push(platform);
  }
  return decision;
}

export function buildQemuInstallArgs(image: string, platforms: string[]): string[] {
  const archs = [...new Set(platforms.map((p) => parsePlatform(p).architecture))];
  return ['run', '--rm', '--privileged', image, '--install', archs.join(',')];
}

export async function installQemu(image: string, platforms: string[]): Promise<void> {
  if (platforms.length === 0) return;
  await execOk('docker', buildQemuInstallArgs(image, platforms));
}

/**
 * The version of the QEMU the kernel runs for foreign binaries: the `interpreter` of an enabled
 * qemu handler, asked for `--version`. Undefined when none is registered or its file is not on
 * this host (a handler installed from a container image with the F flag keeps working without it).
 */
export async function readQemuVersion(dir = BINFMT_DIR): Promise<string | undefined> {
  const handler = readBinfmt(dir).filter((n) => n.startsWith('qemu-')).sort((a, b) => Number(b === 'qemu-aarch64') - Number(a === 'qemu-aarch64'))[0];
  if (!handler) return undefined;
  const interpreter = /^interpreter (\S+)/m.exec(fs.readFileSync(path.join(dir, handler), 'utf8'))?.[1];
  if (!interpreter || !fs.existsSync(interpreter)) return undefined;
  // Debian registers /usr/libexec/qemu-binfmt/aarch64-binfmt-P, a link that refuses to run
  // outside binfmt_misc ("has to be run using kernel binfmt-misc"): ask the binary it names.
  const res = await exec(fs.realpathSync(interpreter), ['--version']);
  return res.code === 0 ? parseQemuVersion(res.stdout) : undefined;
}

/** "qemu-aarch64 version 7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)\nCopyright…" → "7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)". */
export function parseQemuVersion(stdout: string): string | undefined {
  return /version\s+(\S+(?:\s+\([^)]*\))?)/.exec(stdout)?.[1];
}
