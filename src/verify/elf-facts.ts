/**
 * What a streaming reader needs to know about an ELF file, and how much of it to read to know it:
 * the header facts (elf.ts) and the dynamic section (elf-dynamic.ts). `elfBytesNeeded` is asked
 * again after each read, so a layer walk stops reading a file the moment its facts are complete:
 * the headers, then PT_DYNAMIC, then the string table it points at. 32-bit ARM is read whole (up
 * to a bound), because its v6/v7 answer sits in `.ARM.attributes` near the end.
 */
import { readDynamic, type DynamicRead } from './elf-dynamic.js';
import { isElf, parseElf, type ElfInfo } from './elf.js';

/** A bound on what is kept of one file: more than this of a single binary is not read into memory. */
export const ELF_KEEP_BYTES = 64 * 1024 * 1024;
/** Enough for the ELF header and, for almost every binary, its program headers. */
const FIRST_READ = 4096;

/** Parsed facts about one ELF file. */
export interface ElfFacts {
  /** Absent when the header is broken; then `error` says why. */
  elf?: ElfInfo;
  error?: string;
  dynamic: DynamicRead;
}

/** True for a 32-bit ARM ELF, whose attributes need the whole file. */
function isArm32(head: Buffer): boolean {
  return head.length >= 20 && head[4] === 1 && (head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)) === 40;
}

/**
 * How many bytes of a file of `size` bytes, starting with `head`, to hold for its ELF facts:
 * never less than head.length, never more than `size` or ELF_KEEP_BYTES. A non-ELF needs nothing more.
 */
export function elfBytesNeeded(head: Buffer, size: number, cap = ELF_KEEP_BYTES): number {
  const bound = Math.min(size, cap);
  if (head.length < 4) return Math.min(bound, FIRST_READ);
  if (!isElf(head)) return head.length;
  if (head.length < Math.min(bound, FIRST_READ)) return Math.min(bound, FIRST_READ);
  if (isArm32(head)) return Math.max(head.length, bound);
  const dynamic = readDynamic(head, size);
  if (dynamic.kind !== 'need') return head.length;
  return Math.max(head.length, Math.min(dynamic.bytes, bound));
}

/** The facts from the bytes read (as many as elfBytesNeeded asked for, or fewer at the bound). */
export function readElfFacts(bytes: Buffer, size: number): ElfFacts {
  let elf: ElfInfo;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    return { error: (err as Error).message, dynamic: { kind: 'unreadable', reason: 'not a valid ELF file' } };
  }
  const dynamic = readDynamic(bytes, size);
  if (dynamic.kind === 'need') {
    return { elf, dynamic: { kind: 'unreadable', reason: `the dynamic section lies beyond the first ${bytes.length} bytes, more than multiarch reads of one file` } };
  }
  return { elf, dynamic };
}
