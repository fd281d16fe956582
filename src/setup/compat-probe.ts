/**
 * Does this CPU run another architecture's code itself? x86-64 kernels usually run i386 programs
 * (IA32 emulation) and many arm64 CPUs run 32-bit ARM (AArch32), but not all: a kernel built
 * without IA32 emulation, or Graviton 3, Ampere Altra and Cobalt 100 with no AArch32. So we ask the
 * kernel: run a tiny static program of that architecture that only exits 0. It is asked only when
 * no binfmt_misc handler serves the architecture (with one, QEMU would answer for the kernel).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exec } from '../exec.js';
import { parsePlatform } from '../platform.js';
import { handlerEnabled, readBinfmt } from './qemu.js';

/** The architectures each host architecture may run directly. */
const COMPAT_ARCHES: Record<string, string[]> = { amd64: ['386'], arm64: ['arm'] };

/** The platform a compatible architecture is built as when it runs natively. */
const COMPAT_PLATFORM: Record<string, string> = { '386': 'linux/386', arm: 'linux/arm/v7' };

const LOAD_ADDRESS: Record<string, number> = { '386': 0x08048000, arm: 0x00010000 };
const MACHINE: Record<string, number> = { '386': 3, arm: 40 };
/** ARM: EABI version 5 in e_flags, as every current toolchain writes. */
const FLAGS: Record<string, number> = { '386': 0, arm: 0x05000000 };
const CODE: Record<string, number[]> = {
  // mov eax, 1 (exit); xor ebx, ebx (status 0); int 0x80
  '386': [0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xcd, 0x80],
  // mov r0, #0; mov r7, #1 (exit); svc #0 — little-endian words
  arm: [0x00, 0x00, 0xa0, 0xe3, 0x01, 0x70, 0xa0, 0xe3, 0x00, 0x00, 0x00, 0xef]
};

const EHDR = 52;
const PHDR = 32;

/** Pure: a static 32-bit little-endian ELF executable for ARCH ('386' or 'arm') that exits 0. */
export function exitZeroElf(arch: string): Buffer {
  const code = CODE[arch];
  if (!code) throw new Error(`no probe program for ${arch}`);
  const base = LOAD_ADDRESS[arch]!;
  const size = EHDR + PHDR + code.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1 /* 32-bit */, 1 /* little-endian */, 1 /* version */], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(MACHINE[arch]!, 18);
  b.writeUInt32LE(1, 20); // EV_CURRENT
  b.writeUInt32LE(base + EHDR + PHDR, 24); // entry: the code right after the headers
  b.writeUInt32LE(EHDR, 28); // program headers follow the ELF header
  b.writeUInt32LE(FLAGS[arch]!, 36);
  b.writeUInt16LE(EHDR, 40);
  b.writeUInt16LE(PHDR, 42);
  b.writeUInt16LE(1, 44); // one program header
  // PT_LOAD of the whole file, read + execute
  b.writeUInt32LE(1, EHDR);
  b.writeUInt32LE(0, EHDR + 4);
  b.writeUInt32LE(base, EHDR + 8);
  b.writeUInt32LE(base, EHDR + 12);
  b.writeUInt32LE(size, EHDR + 16);
  b.writeUInt32LE(size, EHDR + 20);
  b.writeUInt32LE(5, EHDR + 24);
  b.writeUInt32LE(0x1000, EHDR + 28);
  b.set(code, EHDR + PHDR);
  return b;
}

/** True when this machine runs ARCH's probe program and it exits 0. Any failure (ENOEXEC, a noexec temp dir) is false: emulated is the safe answer. */
export async function runsDirectly(arch: string): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-compat-'));
  try {
    const file = path.join(dir, `exit0-${arch}`);
    fs.writeFileSync(file, exitZeroElf(arch), { mode: 0o755 });
    return (await exec(file, [])).code === 0;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What the engine's kernel runs: its architecture, its enabled binfmt handlers, and the compatible architectures it ran itself. */
export interface KernelFacts {
  arch: string;
  handlers: readonly string[];
  runsDirectly: readonly string[];
}

/** Pure: the compatible platforms the kernel runs natively, e.g. ['linux/386'] on an x86-64 kernel that ran the probe. */
export function compatNativePlatforms(kernel: KernelFacts): string[] {
  return (COMPAT_ARCHES[kernel.arch] ?? []).filter((a) => kernel.runsDirectly.includes(a) && !handlerEnabled(a, kernel.handlers)).map((a) => COMPAT_PLATFORM[a]!);
}

/**
 * The facts of this machine's kernel when it is the engine's (DOCKER_HOST unset or a unix
 * socket, and no other DOCKER_CONTEXT; an engine over tcp:// or ssh://, or behind another context,
 * runs on a kernel we cannot see: undefined). Probes only the compatible architectures among
 * `platforms` that no handler serves.
 */
export async function localKernel(hostArch: string, platforms: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<KernelFacts | undefined> {
  const host = env.DOCKER_HOST ?? '';
  if (host !== '' && !host.startsWith('unix://')) return undefined;
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== 'default') return undefined;
  const handlers = readBinfmt();
  const wanted = new Set(platforms.map((p) => parsePlatform(p).architecture));
  const candidates = (COMPAT_ARCHES[hostArch] ?? []).filter((a) => wanted.has(a) && !handlerEnabled(a, handlers));
  const ran: string[] = [];
  for (const arch of candidates) if (await runsDirectly(arch)) ran.push(arch);
  return { arch: hostArch, handlers, runsDirectly: ran };
}
