/**
 * Pure ELF reading: enough of the header, program headers and (for 32-bit ARM) section headers to
 * say which architecture a binary is for, which dynamic loader it asks the kernel for, and which
 * ARM architecture version it needs. Garbage and truncated input give ElfFormatError, never a
 * RangeError; data beyond the bytes given is reported as unknown, not guessed.
 */
import type { Platform } from '../types/oci.js';
import { cpuArchLevel, cpuArchName, parseArmAttributes } from './arm-attributes.js';
import { formatPlatform, normalizePlatform, type PlatformSpec } from './platform.js';

/** The input is not an ELF file, or its header is cut short or inconsistent. */
export class ElfFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfFormatError';
  }
}

/** 32-bit ARM specifics: ABI from e_flags, architecture version from `.ARM.attributes`. */
export interface ArmInfo {
  /** EABI version from e_flags (5 for every modern toolchain; 0 for the legacy GNU ABI). */
  eabi: number;
  floatAbi: 'hard' | 'soft' | 'unspecified';
  /** Tag_CPU_arch, when the attributes were read. */
  cpuArch?: number;
  /** `v7`, `v6KZ`, … */
  cpuArchName?: string;
  /** The Docker variant the code needs at least: `v5`, `v6`, `v7`, `v8`. */
  variant?: string;
  /** Whether Tag_CPU_arch could be read, and if not, why. */
  attributes: 'read' | 'absent' | 'beyond-buffer' | 'invalid';
  /**
   * GOARM from a Go binary's build info (`.go.buildinfo`, Go 1.18+), read when no Tag_CPU_arch
   * was: Go's own linker writes no `.ARM.attributes`, so for Go this is the v5/v6/v7 answer.
   */
  goArm?: number;
}

/** What an ELF header says about a binary. */
export interface ElfInfo {
  bits: 32 | 64;
  endian: 'LE' | 'BE';
  /** e_type: 2 executable, 3 shared object or PIE. */
  type: number;
  machine: number;
  /** `x86-64`, `AArch64`, `ARM`, or `e_machine 0x…`. */
  machineName: string;
  /** Docker architecture name, or undefined when no Docker platform runs this class/machine/byte order. */
  arch?: string;
  flags: number;
  /** `dynamic` means a PT_INTERP is present; `unknown` when the program headers lie beyond the bytes given. */
  linkage: 'static' | 'dynamic' | 'unknown';
  /** PT_INTERP: the dynamic loader the kernel starts, e.g. `/lib/ld-linux-aarch64.so.1`. */
  interpreter?: string;
  arm?: ArmInfo;
}

/** The result of comparing a binary with the platform its image claims. */
export interface PlatformMatch {
  ok: boolean;
  expected: string;
  actual: string;
  /** Why, when not ok; or what could not be verified, when ok. */
  detail?: string;
}

/** e_machine names, as `file` and `readelf` print them. */
const MACHINES: Record<number, string> = {
  2: 'SPARC',
  3: 'Intel 80386',
  8: 'MIPS',
  10: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'IBM S/390',
  40: 'ARM',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch'
};

/** What each Docker architecture's binaries look like. */
const EXPECTED: Record<string, { machine: number; bits: 32 | 64; endian: 'LE' | 'BE' }> = {
  amd64: { machine: 62, bits: 64, endian: 'LE' },
  '386': { machine: 3, bits: 32, endian: 'LE' },
  arm64: { machine: 183, bits: 64, endian: 'LE' },
  arm: { machine: 40, bits: 32, endian: 'LE' },
  riscv64: { machine: 243, bits: 64, endian: 'LE' },
  ppc64le: { machine: 21, bits: 64, endian: 'LE' },
  ppc64: { machine: 21, bits: 64, endian: 'BE' },
  s390x: { machine: 22, bits: 64, endian: 'BE' },
  mips: { machine: 8, bits: 32, endian: 'BE' },
  mipsle: { machine: 8, bits: 32, endian: 'LE' },
  mips64: { machine: 8, bits: 64, endian: 'BE' },
  mips64le: { machine: 8, bits: 64, endian: 'LE' },
  loong64: { machine: 258, bits: 64, endian: 'LE' },
  sparc64: { machine: 43, bits: 64, endian: 'BE' }
};

/** Rust targets per ARM level, for the fix hint. */
const RUST_ARM: Record<number, string> = { 5: 'armv5te-unknown-linux-gnueabi', 6: 'arm-unknown-linux-gnueabihf', 7: 'armv7-unknown-linux-gnueabihf' };

const PT_INTERP = 3;
const SHT_ARM_ATTRIBUTES = 0x70000003;
const EF_ARM_ABI_FLOAT_SOFT = 0x200;
const EF_ARM_ABI_FLOAT_HARD = 0x400;
const EM_ARM = 40;
/** Longest PT_INTERP taken seriously; real ones are under 64 bytes. */
const MAX_INTERP = 4096;

/** True when `buf` starts with the ELF magic. */
export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** Parses what `buf` (the start of a file, or all of it) holds. */
export function parseElf(buf: Buffer): ElfInfo {
  if (!isElf(buf)) throw new ElfFormatError(buf.length < 4 ? `too short for an ELF header (${buf.length} bytes)` : 'no ELF magic (7f 45 4c 46)');
  if (buf.length < 6) throw new ElfFormatError(`truncated ELF header (${buf.length} bytes)`);
  const bits = buf[4] === 1 ? 32 : buf[4] === 2 ? 64 : undefined;
  if (!bits) throw new ElfFormatError(`invalid ELF class ${buf[4]} (expected 1 for 32-bit or 2 for 64-bit)`);
  const endian = buf[5] === 1 ? 'LE' : buf[5] === 2 ? 'BE' : undefined;
  if (!endian) throw new ElfFormatError(`invalid ELF data encoding ${buf[5]} (expected 1 for little-endian or 2 for big-endian)`);
  const headerSize = bits === 64 ? 64 : 52;
  if (buf.length < headerSize) throw new ElfFormatError(`truncated ELF header: ${buf.length} bytes, an ELF${bits} header needs ${headerSize}`);

  const r = new FieldReader(buf, endian);
  const type = r.u16(16);
  const machine = r.u16(18);
  const flags = r.u32(bits === 64 ? 48 : 36);
  const phoff = bits === 64 ? r.u64(32) : r.u32(28);
  const shoff = bits === 64 ? r.u64(40) : r.u32(32);
  const at = bits === 64 ? 54 : 42;
  const phentsize = r.u16(at);
  const phnum = r.u16(at + 2);
  const shentsize = r.u16(at + 4);
  const shnum = r.u16(at + 6);

  const info: ElfInfo = {
    bits,
    endian,
    type,
    machine,
    machineName: MACHINES[machine] ?? `e_machine 0x${machine.toString(16)}`,
    arch: archOf(machine, bits, endian),
    flags,
    linkage: 'static'
  };
  readProgramHeaders(r, info, phoff, phentsize, phnum);
  if (machine === EM_ARM && bits === 32) {
    info.arm = readArm(r, flags, shoff, shentsize, shnum);
    if (info.arm.cpuArch === undefined) readGoArm(r, info.arm, shoff, shentsize, shnum, r.u16(at + 8));
  }
  return info;
}

/** `amd64 (ELF64 LE, x86-64)`; for ARM also the version and float ABI: `arm/v7 (ELF32 LE, ARM, EABI5 hard-float)`. */
export function describeElf(elf: ElfInfo): string {
  let label = elf.arch ?? 'unknown';
  const extra: string[] = [];
  if (elf.arm) {
    if (elf.arm.variant) label += `/${elf.arm.variant}`;
    extra.push(`${elf.arm.eabi ? `EABI${elf.arm.eabi}` : 'legacy ABI'}${elf.arm.floatAbi === 'unspecified' ? '' : ` ${elf.arm.floatAbi}-float`}`);
    if (elf.arm.cpuArchName && `v${cpuArchLevel(elf.arm.cpuArch ?? -1)}` !== elf.arm.cpuArchName) extra.push(`ARM${elf.arm.cpuArchName}`);
    if (elf.arm.goArm !== undefined) extra.push(`GOARM=${elf.arm.goArm}`);
  }
  return `${label} (ELF${elf.bits} ${elf.endian}, ${[elf.machineName, ...extra].join(', ')})`;
}

/** The binary a platform needs, in describeElf's words: `arm64 (ELF64 LE, AArch64)`. */
export function describeExpected(platform: string | Platform | PlatformSpec): string {
  const p = toSpec(platform);
  const want = EXPECTED[p.architecture];
  if (!want) return `${formatPlatform(p)} binary`;
  const arch = p.architecture === 'arm' && p.variant ? `arm/${p.variant}` : p.architecture;
  const armNote = p.architecture === 'arm' && p.variant ? `, ARM${p.variant} or older` : '';
  return `${arch} (ELF${want.bits} ${want.endian}, ${MACHINES[want.machine]}${armNote})`;
}

/**
 * Does this binary run on `platform`? For arm/vN the ARM version must be N or older. Parts that
 * an ELF header cannot show (amd64 v2/v3 levels, a missing .ARM.attributes) pass, and say so.
 */
export function matchesPlatform(elf: ElfInfo, platform: string | Platform | PlatformSpec): PlatformMatch {
  const p = toSpec(platform);
  const expected = describeExpected(p);
  const actual = describeElf(elf);
  const want = EXPECTED[p.architecture];
  if (!want) {
    return { ok: true, expected, actual, detail: `multiarch does not know which ELF machine ${p.architecture} uses, so this binary was not compared` };
  }
  const machineOk = elf.machine === want.machine || (want.machine === 8 && elf.machine === 10);
  if (!machineOk || elf.bits !== want.bits || elf.endian !== want.endian) {
    const built = elf.arch ? `${elf.arch}` : `ELF${elf.bits} ${elf.endian} ${elf.machineName}`;
    return { ok: false, expected, actual, detail: `built for ${built}, but the platform is ${formatPlatform(p)}` };
  }
  if (p.architecture === 'arm') return matchArmVersion(elf, p, expected, actual);
  if (p.architecture === 'amd64' && p.variant) {
    return { ok: true, expected, actual, detail: `the x86-64 level ${p.variant} is not recorded in an ELF header; only x86-64 itself was checked` };
  }
  if (p.variant) {
    return { ok: true, expected, actual, detail: `the ${p.architecture} variant ${p.variant} is not recorded in an ELF header; only the architecture was checked` };
  }
  return { ok: true, expected, actual };
}

function matchArmVersion(elf: ElfInfo, p: PlatformSpec, expected: string, actual: string): PlatformMatch {
  const arm = elf.arm;
  if (!p.variant) return { ok: true, expected, actual };
  const wanted = Number(p.variant.slice(1));
  const level = arm?.cpuArch === undefined ? arm?.goArm : cpuArchLevel(arm.cpuArch);
  const recorded = arm?.cpuArch === undefined ? `Go build info: GOARM=${arm?.goArm}` : `Tag_CPU_arch ${arm.cpuArchName}`;
  if (level === undefined) {
    const why = {
      read: `an unknown Tag_CPU_arch ${arm?.cpuArch}`,
      absent: 'no .ARM.attributes section',
      'beyond-buffer': 'its .ARM.attributes section was not within the bytes read',
      invalid: 'a malformed .ARM.attributes section'
    }[arm?.attributes ?? 'absent'];
    return { ok: true, expected, actual, detail: `the ARM architecture version could not be read (${why}), so ${p.variant} was not verified` };
  }
  if (level > wanted) {
    return {
      ok: false,
      expected,
      actual,
      detail:
        `needs ARMv${level} (${recorded}), but linux/arm/${p.variant} promises only ARMv${wanted} CPUs: ` +
        `it dies with "illegal instruction" there. Build it for ARMv${wanted} (Go: GOARM=${wanted}; gcc/clang: -march=armv${wanted}…${RUST_ARM[wanted] ? `; Rust: --target ${RUST_ARM[wanted]}` : ''})`
    };
  }
  if (level < wanted) return { ok: true, expected, actual, detail: `built for ARMv${level}, which also runs on ARMv${wanted}` };
  return { ok: true, expected, actual };
}

function toSpec(platform: string | Platform | PlatformSpec): PlatformSpec {
  if (typeof platform !== 'string') return normalizePlatform(platform);
  const [os = '', architecture = '', variant] = platform.split('/');
  return normalizePlatform({ os, architecture, variant });
}

function archOf(machine: number, bits: 32 | 64, endian: 'LE' | 'BE'): string | undefined {
  for (const [arch, want] of Object.entries(EXPECTED)) {
    if ((machine === want.machine || (machine === 10 && want.machine === 8)) && bits === want.bits && endian === want.endian) return arch;
  }
  return undefined;
}

function readProgramHeaders(r: FieldReader, info: ElfInfo, phoff: number, entsize: number, count: number): void {
  if (count === 0) return;
  const min = info.bits === 64 ? 56 : 32;
  if (entsize < min) throw new ElfFormatError(`e_phentsize ${entsize} is smaller than an ELF${info.bits} program header (${min})`);
  if (!r.fits(phoff, entsize * count)) {
    info.linkage = 'unknown';
    return;
  }
  for (let i = 0; i < count; i++) {
    const at = phoff + i * entsize;
    if (r.u32(at) !== PT_INTERP) continue;
    const offset = info.bits === 64 ? r.u64(at + 8) : r.u32(at + 4);
    const size = info.bits === 64 ? r.u64(at + 32) : r.u32(at + 16);
    info.linkage = 'dynamic';
    if (size === 0 || size > MAX_INTERP) throw new ElfFormatError(`PT_INTERP of ${size} bytes is not a loader path`);
    if (!r.fits(offset, size)) return;
    const raw = r.buf.subarray(offset, offset + size);
    const nul = raw.indexOf(0);
    info.interpreter = raw.toString('utf8', 0, nul < 0 ? raw.length : nul);
    return;
  }
}

function readArm(r: FieldReader, flags: number, shoff: number, entsize: number, count: number): ArmInfo {
  const eabi = flags >>> 24;
  const floatAbi = flags & EF_ARM_ABI_FLOAT_HARD ? 'hard' : flags & EF_ARM_ABI_FLOAT_SOFT ? 'soft' : 'unspecified';
  const arm: ArmInfo = { eabi, floatAbi, attributes: 'absent' };
  const section = findArmAttributes(r, shoff, entsize, count);
  if (section === 'absent' || section === 'beyond-buffer') {
    arm.attributes = section;
    return arm;
  }
  try {
    const attrs = parseArmAttributes(section, r.endian === 'LE');
    arm.attributes = 'read';
    if (attrs.cpuArch !== undefined) {
      arm.cpuArch = attrs.cpuArch;
      arm.cpuArchName = cpuArchName(attrs.cpuArch);
      const level = cpuArchLevel(attrs.cpuArch);
      if (level !== undefined) arm.variant = `v${level}`;
    }
    if (arm.floatAbi === 'unspecified' && attrs.vfpArgs !== undefined) arm.floatAbi = attrs.vfpArgs === 1 ? 'hard' : 'soft';
  } catch {
    arm.attributes = 'invalid';
  }
  return arm;
}

function findArmAttributes(r: FieldReader, shoff: number, entsize: number, count: number): Buffer | 'absent' | 'beyond-buffer' {
  if (shoff === 0) return 'absent';
  if (entsize < 40) throw new ElfFormatError(`e_shentsize ${entsize} is smaller than an ELF32 section header (40)`);
  if (!r.fits(shoff, entsize)) return 'beyond-buffer';
  // Extended numbering: with 0xff00 or more sections, e_shnum is 0 and section 0 holds the count.
  const total = count === 0 ? r.u32(shoff + 20) : count;
  if (!r.fits(shoff, entsize * total)) return 'beyond-buffer';
  for (let i = 0; i < total; i++) {
    const at = shoff + i * entsize;
    if (r.u32(at + 4) !== SHT_ARM_ATTRIBUTES) continue;
    const offset = r.u32(at + 16);
    const size = r.u32(at + 20);
    return r.fits(offset, size) ? r.buf.subarray(offset, offset + size) : 'beyond-buffer';
  }
  return 'absent';
}

const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/**
 * GOARM from the `.go.buildinfo` section of a Go 1.18+ binary: a 32-byte header (magic, pointer
 * size, flags; flag 2 = strings inline), then the Go version and the module info as uvarint-
 * prefixed strings; the module info has `build\tGOARM=7` lines. Anything unexpected leaves
 * goArm unset (the version then reads as unknown, as before).
 */
function readGoArm(r: FieldReader, arm: ArmInfo, shoff: number, entsize: number, count: number, shstrndx: number): void {
  try {
    if (shoff === 0 || count === 0 || entsize < 40 || shstrndx >= count || !r.fits(shoff, entsize * count)) return;
    const strtab = shoff + shstrndx * entsize;
    const namesAt = r.u32(strtab + 16);
    const namesSize = r.u32(strtab + 20);
    if (!r.fits(namesAt, namesSize)) return;
    for (let i = 0; i < count; i++) {
      const at = shoff + i * entsize;
      const name = r.u32(at);
      if (name >= namesSize || r.buf.toString('latin1', namesAt + name, namesAt + name + 14) !== '.go.buildinfo\0') continue;
      const offset = r.u32(at + 16);
      const size = r.u32(at + 20);
      if (size < 32 || !r.fits(offset, size)) return;
      const section = r.buf.subarray(offset, offset + size);
      if (!section.subarray(0, 14).equals(GO_BUILDINFO_MAGIC) || ((section[15] as number) & 2) === 0) return;
      let pos = 32;
      const str = (): string | undefined => {
        let length = 0;
        for (let shift = 0; pos < section.length && shift < 35; shift += 7) {
          const byte = section[pos++] as number;
          length += (byte & 0x7f) * 2 ** shift;
          if ((byte & 0x80) === 0) return pos + length <= section.length ? section.toString('latin1', pos, (pos += length)) : undefined;
        }
        return undefined;
      };
      if (str() === undefined) return;
      const goarm = /^build\tGOARM=([5-7])\b/m.exec(str() ?? '');
      if (goarm) {
        arm.goArm = Number(goarm[1]);
        arm.variant = `v${arm.goArm}`;
      }
      return;
    }
  } catch {
    // A malformed section header table: the version stays unknown.
  }
}

/** Bounds-checked field reads in the file's byte order. */
class FieldReader {
  constructor(
    readonly buf: Buffer,
    readonly endian: 'LE' | 'BE'
  ) {}

  fits(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.buf.length;
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.endian === 'LE' ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.endian === 'LE' ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  /** 64-bit fields become numbers; anything past 2^53 is far beyond any buffer, and fits() says so. */
  u64(at: number): number {
    this.check(at, 8);
    return Number(this.endian === 'LE' ? this.buf.readBigUInt64LE(at) : this.buf.readBigUInt64BE(at));
  }

  private check(at: number, length: number): void {
    if (!this.fits(at, length)) throw new ElfFormatError(`ELF field at offset ${at} lies beyond the ${this.buf.length} bytes read`);
  }
}
