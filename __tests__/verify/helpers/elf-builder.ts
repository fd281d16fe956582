/**
 * Hand-built ELF files for tests: a real header, program headers (a PT_LOAD, and PT_INTERP when
 * asked), optional filler "code", and for ARM a `.ARM.attributes` section placed after the code,
 * with the section header table at the end, the way linkers lay them out.
 */
export interface ElfSpec {
  bits: 32 | 64;
  endian?: 'LE' | 'BE';
  machine: number;
  /** e_type: 2 executable (default), 3 PIE. */
  type?: number;
  flags?: number;
  interp?: string;
  /** Tag_CPU_arch for a .ARM.attributes section. */
  armArch?: number;
  /** Tag_ABI_VFP_args. */
  vfpArgs?: number;
  /** Bytes of filler between the headers and the attributes. */
  codeSize?: number;
}

export const EM = { X86_64: 62, I386: 3, AARCH64: 183, ARM: 40, RISCV: 243, PPC64: 21, S390: 22, MIPS: 8 } as const;

/** An ELF file as specified. */
export function buildElf(spec: ElfSpec): Buffer {
  const le = (spec.endian ?? 'LE') === 'LE';
  const is64 = spec.bits === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const phnum = spec.interp ? 2 : 1;
  const phoff = ehsize;
  const interpOff = phoff + phnum * phentsize;
  const interpBytes = spec.interp ? Buffer.from(spec.interp + '\0') : Buffer.alloc(0);
  const codeOff = interpOff + interpBytes.length;
  const code = Buffer.alloc(spec.codeSize ?? 64, 0x90);
  const attrs = spec.armArch !== undefined ? armAttributes(spec.armArch, spec.vfpArgs, le) : undefined;
  const attrsOff = codeOff + code.length;
  const shoff = attrsOff + (attrs?.length ?? 0);
  const shnum = attrs ? 2 : 0;
  const file = Buffer.alloc(shoff + shnum * shentsize);

  const w = writer(file, le);
  file.write('\x7fELF', 0, 'latin1');
  file[4] = is64 ? 2 : 1;
  file[5] = le ? 1 : 2;
  file[6] = 1;
  w.u16(16, spec.type ?? 2);
  w.u16(18, spec.machine);
  w.u32(20, 1);
  if (is64) {
    w.u64(32, phoff);
    w.u64(40, attrs ? shoff : 0);
    w.u32(48, spec.flags ?? 0);
    w.u16(52, ehsize);
    w.u16(54, phentsize);
    w.u16(56, phnum);
    w.u16(58, shentsize);
    w.u16(60, shnum);
  } else {
    w.u32(28, phoff);
    w.u32(32, attrs ? shoff : 0);
    w.u32(36, spec.flags ?? 0);
    w.u16(40, ehsize);
    w.u16(42, phentsize);
    w.u16(44, phnum);
    w.u16(46, shentsize);
    w.u16(48, shnum);
  }
  // PT_LOAD, then PT_INTERP.
  const ph = (i: number, type: number, offset: number, size: number): void => {
    const at = phoff + i * phentsize;
    w.u32(at, type);
    if (is64) {
      w.u64(at + 8, offset);
      w.u64(at + 32, size);
      w.u64(at + 40, size);
    } else {
      w.u32(at + 4, offset);
      w.u32(at + 16, size);
      w.u32(at + 20, size);
    }
  };
  ph(0, 1, 0, file.length);
  if (spec.interp) ph(1, 3, interpOff, interpBytes.length);
  interpBytes.copy(file, interpOff);
  code.copy(file, codeOff);
  if (attrs) {
    attrs.copy(file, attrsOff);
    // Section 0 is the null section; section 1 is .ARM.attributes.
    const at = shoff + shentsize;
    w.u32(at + 4, 0x70000003);
    if (is64) {
      w.u64(at + 24, attrsOff);
      w.u64(at + 32, attrs.length);
    } else {
      w.u32(at + 16, attrsOff);
      w.u32(at + 20, attrs.length);
    }
  }
  return file;
}

/** A .ARM.attributes section: 'A', one "aeabi" subsection with a file-scope Tag_CPU_name and Tag_CPU_arch. */
export function armAttributes(cpuArch: number, vfpArgs: number | undefined, le = true): Buffer {
  const attrs = Buffer.concat([
    Buffer.from([5]), Buffer.from('7-A\0'), // Tag_CPU_name (a string, to prove strings are skipped)
    Buffer.from([6, cpuArch]), // Tag_CPU_arch
    Buffer.from([7, 0x41]), // Tag_CPU_arch_profile 'A'
    Buffer.from([32, 1]), Buffer.from('gnu\0'), // Tag_compatibility: flag + string
    Buffer.from([65]), Buffer.from('x\0'), // odd tag >= 32: a string
    ...(vfpArgs === undefined ? [] : [Buffer.from([28, vfpArgs])])
  ]);
  const fileSub = Buffer.alloc(5 + attrs.length);
  fileSub[0] = 1;
  if (le) fileSub.writeUInt32LE(fileSub.length, 1);
  else fileSub.writeUInt32BE(fileSub.length, 1);
  attrs.copy(fileSub, 5);
  const vendor = Buffer.from('aeabi\0');
  const sub = Buffer.alloc(4 + vendor.length + fileSub.length);
  if (le) sub.writeUInt32LE(sub.length, 0);
  else sub.writeUInt32BE(sub.length, 0);
  vendor.copy(sub, 4);
  fileSub.copy(sub, 4 + vendor.length);
  return Buffer.concat([Buffer.from('A'), sub]);
}

function writer(buf: Buffer, le: boolean) {
  return {
    u16: (at: number, v: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at)),
    u32: (at: number, v: number) => (le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at)),
    u64: (at: number, v: number) => (le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at))
  };
}

/** Common binaries. */
export const ELF = {
  amd64: (interp?: string) => buildElf({ bits: 64, machine: EM.X86_64, interp }),
  arm64: (interp?: string) => buildElf({ bits: 64, machine: EM.AARCH64, interp }),
  /** ARMv7 hard-float (Debian armhf), EABI5. */
  armv7: (opts: { interp?: string; codeSize?: number } = {}) => buildElf({ bits: 32, machine: EM.ARM, flags: 0x05000400, armArch: 10, vfpArgs: 1, ...opts }),
  /** ARMv6 (Alpine/Raspbian armhf). */
  armv6: (opts: { interp?: string; codeSize?: number } = {}) => buildElf({ bits: 32, machine: EM.ARM, flags: 0x05000400, armArch: 6, vfpArgs: 1, ...opts })
};
