/**
 * Hand-built dynamically linked ELF files for tests, laid out as GNU ld does: headers, PT_INTERP,
 * the dynamic string table, "code", and the dynamic section last (in the RW segment), with one
 * PT_LOAD mapping the file at a non-zero virtual address so the string table's address must be
 * translated. `stringsLast` moves the string table after the dynamic section, as no linker does,
 * to prove the reader follows it anyway.
 */
import { EM } from './elf-builder.js';

export interface DynamicSpec {
  bits?: 32 | 64;
  machine: number;
  endian?: 'LE' | 'BE';
  /** 2 executable, 3 shared object (default: 3 with a soname, else 2). */
  type?: number;
  flags?: number;
  interp?: string;
  needed?: string[];
  rpath?: string;
  runpath?: string;
  soname?: string;
  /** Bytes of filler between the string table and the dynamic section. */
  codeSize?: number;
  stringsLast?: boolean;
}

const BASE = 0x400000;

/** A dynamic ELF as specified. */
export function buildDynamicElf(spec: DynamicSpec): Buffer {
  const is64 = (spec.bits ?? 64) === 64;
  const le = (spec.endian ?? 'LE') === 'LE';
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = spec.interp ? 3 : 2;
  const phoff = ehsize;
  const interp = spec.interp ? Buffer.from(spec.interp + '\0') : Buffer.alloc(0);

  // The string table, and each string's offset in it.
  const strings: string[] = [...(spec.needed ?? []), ...(spec.soname ? [spec.soname] : []), ...(spec.rpath ? [spec.rpath] : []), ...(spec.runpath ? [spec.runpath] : [])];
  const offsets = new Map<string, number>();
  const parts: Buffer[] = [Buffer.from([0])];
  let size = 1;
  for (const s of strings) {
    if (offsets.has(s)) continue;
    offsets.set(s, size);
    const b = Buffer.from(s + '\0');
    parts.push(b);
    size += b.length;
  }
  const dynstr = Buffer.concat(parts);

  const entries: Array<[number, number]> = [];
  for (const n of spec.needed ?? []) entries.push([1, offsets.get(n)!]);
  if (spec.soname) entries.push([14, offsets.get(spec.soname)!]);
  if (spec.rpath) entries.push([15, offsets.get(spec.rpath)!]);
  if (spec.runpath) entries.push([29, offsets.get(spec.runpath)!]);
  const entSize = is64 ? 16 : 8;
  const dynSize = (entries.length + 3) * entSize;

  const interpOff = phoff + phnum * phentsize;
  const code = Buffer.alloc(spec.codeSize ?? 128, 0x90);
  let strOff: number;
  let codeOff: number;
  let dynOff: number;
  if (spec.stringsLast) {
    codeOff = interpOff + interp.length;
    dynOff = codeOff + code.length;
    strOff = dynOff + dynSize;
  } else {
    strOff = interpOff + interp.length;
    codeOff = strOff + dynstr.length;
    dynOff = codeOff + code.length;
  }
  entries.push([5, BASE + strOff], [10, dynstr.length]);
  const file = Buffer.alloc(Math.max(dynOff + dynSize, strOff + dynstr.length));
  const w = writer(file, le);

  file.write('\x7fELF', 0, 'latin1');
  file[4] = is64 ? 2 : 1;
  file[5] = le ? 1 : 2;
  file[6] = 1;
  w.u16(16, spec.type ?? (spec.soname ? 3 : 2));
  w.u16(18, spec.machine);
  w.u32(20, 1);
  if (is64) {
    w.u64(32, phoff);
    w.u32(48, spec.flags ?? 0);
    w.u16(52, ehsize);
    w.u16(54, phentsize);
    w.u16(56, phnum);
  } else {
    w.u32(28, phoff);
    w.u32(36, spec.flags ?? 0);
    w.u16(40, ehsize);
    w.u16(42, phentsize);
    w.u16(44, phnum);
  }
  const ph = (i: number, type: number, offset: number, vaddr: number, filesz: number): void => {
    const at = phoff + i * phentsize;
    w.u32(at, type);
    if (is64) {
      w.u64(at + 8, offset);
      w.u64(at + 16, vaddr);
      w.u64(at + 24, vaddr);
      w.u64(at + 32, filesz);
      w.u64(at + 40, filesz);
    } else {
      w.u32(at + 4, offset);
      w.u32(at + 8, vaddr);
      w.u32(at + 12, vaddr);
      w.u32(at + 16, filesz);
      w.u32(at + 20, filesz);
    }
  };
  let i = 0;
  ph(i++, 1, 0, BASE, file.length);
  if (spec.interp) ph(i++, 3, interpOff, BASE + interpOff, interp.length);
  ph(i++, 2, dynOff, BASE + dynOff, dynSize);
  interp.copy(file, interpOff);
  dynstr.copy(file, strOff);
  code.copy(file, codeOff);
  entries.forEach(([tag, value], k) => {
    const at = dynOff + k * entSize;
    if (is64) {
      w.u64(at, tag);
      w.u64(at + 8, value);
    } else {
      w.u32(at, tag);
      w.u32(at + 4, value);
    }
  });
  // The DT_NULL terminator and padding are already zero.
  return file;
}

function writer(buf: Buffer, le: boolean) {
  return {
    u16: (at: number, v: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at)),
    u32: (at: number, v: number) => (le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at)),
    u64: (at: number, v: number) => (le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at))
  };
}

/** Loaders by architecture, as Debian installs them. */
export const LOADER = { amd64: '/lib64/ld-linux-x86-64.so.2', arm64: '/lib/ld-linux-aarch64.so.1' } as const;

/** A library or program for amd64 or arm64. */
export function dyn(arch: 'amd64' | 'arm64', spec: Omit<DynamicSpec, 'machine'> = {}): Buffer {
  return buildDynamicElf({ machine: arch === 'amd64' ? EM.X86_64 : EM.AARCH64, ...spec });
}
