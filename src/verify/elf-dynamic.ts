/**
 * Pure reading of an ELF file's dynamic section: the libraries it needs (DT_NEEDED), where it
 * asks the loader to look (DT_RPATH, DT_RUNPATH) and its own name (DT_SONAME). The strings live
 * in the dynamic string table, addressed by virtual address, so PT_LOAD segments translate it to
 * a file offset. Works on the first bytes of a file and says how many more it needs, so a reader
 * streaming a layer can stop as soon as the answer is in (see elf-facts.ts).
 */

/** What the dynamic section says. */
export interface DynamicInfo {
  /** DT_NEEDED, in order. */
  needed: string[];
  /** DT_RPATH entries (searched before LD_LIBRARY_PATH, only when there is no DT_RUNPATH). */
  rpath?: string[];
  /** DT_RUNPATH entries (searched after LD_LIBRARY_PATH, for this object's own DT_NEEDED only). */
  runpath?: string[];
  soname?: string;
}

/** The outcome of reading: no dynamic section, more bytes needed, the facts, or a reason. */
export type DynamicRead =
  | { kind: 'static' }
  | { kind: 'need'; bytes: number }
  | { kind: 'read'; info: DynamicInfo }
  | { kind: 'unreadable'; reason: string };

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
/** More DT_NEEDED than any real binary has; a guard against garbage. */
const MAX_ENTRIES = 65536;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Reads the dynamic section from `buf`, the first bytes of an ELF file of `size` bytes. */
export function readDynamic(buf: Buffer, size: number): DynamicRead {
  if (buf.length < 6) return { kind: 'need', bytes: 64 };
  const is64 = buf[4] === 2;
  const le = buf[5] !== 2;
  const headerSize = is64 ? 64 : 52;
  if (buf.length < headerSize) return need(headerSize, size);
  const r = reader(buf, le);
  const phoff = is64 ? r.u64(32) : r.u32(28);
  const phentsize = r.u16(is64 ? 54 : 42);
  const phnum = r.u16(is64 ? 56 : 44);
  if (phnum === 0) return { kind: 'static' };
  if (phentsize < (is64 ? 56 : 32)) return { kind: 'unreadable', reason: `e_phentsize ${phentsize} is too small` };
  const phEnd = phoff + phentsize * phnum;
  if (phEnd > size) return { kind: 'unreadable', reason: 'the program headers lie past the end of the file' };
  if (phEnd > buf.length) return need(phEnd, size);

  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = r.u32(at);
    if (type !== PT_LOAD && type !== PT_DYNAMIC) continue;
    segments.push(
      is64
        ? { type, offset: r.u64(at + 8), vaddr: r.u64(at + 16), filesz: r.u64(at + 32) }
        : { type, offset: r.u32(at + 4), vaddr: r.u32(at + 8), filesz: r.u32(at + 16) }
    );
  }
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dynamic) return { kind: 'static' };
  const dynEnd = dynamic.offset + dynamic.filesz;
  if (dynEnd > size) return { kind: 'unreadable', reason: 'PT_DYNAMIC lies past the end of the file' };
  if (dynEnd > buf.length) return need(dynEnd, size);

  const entrySize = is64 ? 16 : 8;
  const tags: Array<[number, number]> = [];
  for (let at = dynamic.offset; at + entrySize <= dynEnd && tags.length < MAX_ENTRIES; at += entrySize) {
    const tag = is64 ? r.u64(at) : r.u32(at);
    if (tag === DT_NULL) break;
    tags.push([tag, is64 ? r.u64(at + 8) : r.u32(at + 4)]);
  }
  const strtabAddr = tags.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = tags.find(([t]) => t === DT_STRSZ)?.[1];
  const info: DynamicInfo = { needed: [] };
  const wantsStrings = tags.some(([t]) => t === DT_NEEDED || t === DT_SONAME || t === DT_RPATH || t === DT_RUNPATH);
  if (!wantsStrings) return { kind: 'read', info };
  if (strtabAddr === undefined || strsz === undefined) return { kind: 'unreadable', reason: 'the dynamic section has no DT_STRTAB/DT_STRSZ' };
  const load = segments.find((s) => s.type === PT_LOAD && strtabAddr >= s.vaddr && strtabAddr < s.vaddr + s.filesz);
  if (!load) return { kind: 'unreadable', reason: `DT_STRTAB 0x${strtabAddr.toString(16)} is in no PT_LOAD segment` };
  const strOff = load.offset + (strtabAddr - load.vaddr);
  const strEnd = strOff + strsz;
  if (strEnd > size) return { kind: 'unreadable', reason: 'the dynamic string table lies past the end of the file' };
  if (strEnd > buf.length) return need(strEnd, size);

  const str = (offset: number): string | undefined => {
    if (offset >= strsz) return undefined;
    const nul = buf.indexOf(0, strOff + offset);
    return buf.toString('utf8', strOff + offset, nul < 0 || nul > strEnd ? strEnd : nul);
  };
  for (const [tag, value] of tags) {
    const text = tag === DT_NEEDED || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH ? str(value) : undefined;
    if (text === undefined) continue;
    if (tag === DT_NEEDED) info.needed.push(text);
    else if (tag === DT_SONAME) info.soname = text;
    // Both are colon-separated lists; an empty entry means the current directory to glibc, which no image relies on.
    else if (tag === DT_RPATH) info.rpath = text.split(':').filter(Boolean);
    else info.runpath = text.split(':').filter(Boolean);
  }
  return { kind: 'read', info };
}

function need(bytes: number, size: number): DynamicRead {
  return { kind: 'need', bytes: Math.min(bytes, size) };
}

function reader(buf: Buffer, le: boolean) {
  return {
    u16: (at: number) => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at)),
    u32: (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at)),
    // Offsets past 2^53 are beyond any file; the size checks above reject them.
    u64: (at: number) => Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at))
  };
}
