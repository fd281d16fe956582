/**
 * A small streaming tar reader for image layers: ustar, GNU (long names `L`/`K`, old sparse
 * headers) and PAX (`x` records for path, linkpath and size). It reads headers one at a time and
 * skips data it is not asked for, so a layer is never held in memory.
 */
import type { ChunkReader } from './chunks.js';

const BLOCK = 512;
/** Long names and PAX records larger than this are corrupt input, not real layers. */
const MAX_META_BYTES = 1024 * 1024;
/** Old GNU sparse headers chain extension blocks; real files need a handful. */
const MAX_SPARSE_BLOCKS = 4096;

/** What an entry is, after tar's many spellings are folded together. */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One member of the archive, with PAX and GNU long names already applied. */
export interface TarEntry {
  /** Path as written in the archive (not normalised). */
  name: string;
  type: TarEntryType;
  /** The raw typeflag character, for messages. */
  typeflag: string;
  /** Symlink target, or for a hardlink the archive path of the file it links to. */
  linkname: string;
  mode: number;
  /** Bytes of data that follow the header. */
  size: number;
  /** Offset of the header in the uncompressed stream. */
  offset: number;
}

/** The archive is not tar, or is corrupt or truncated. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

interface RawHeader {
  name: string;
  typeflag: string;
  linkname: string;
  mode: number;
  size: number;
  sparseExtended: boolean;
}

/** Reads entries one by one; data not read with readData is skipped by the next call to next. */
export class TarReader {
  private remaining = 0;
  private padding = 0;

  constructor(private readonly input: ChunkReader) {}

  /** The next entry, or null at the end of the archive. */
  async next(): Promise<TarEntry | null> {
    await this.skipRest();
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      const offset = this.input.position;
      const block = await this.input.read(BLOCK);
      // A clean end without the two zero blocks happens with some writers; accept it.
      if (block.length === 0) return null;
      if (block.length < BLOCK) throw new TarFormatError(`truncated header at offset ${offset} (${block.length} of 512 bytes)`);
      if (isZero(block)) return null;
      const raw = parseHeader(block, offset);
      switch (raw.typeflag) {
        case 'L':
          longName = stripNuls((await this.readMeta(raw, offset)).toString('utf8'));
          continue;
        case 'K':
          longLink = stripNuls((await this.readMeta(raw, offset)).toString('utf8'));
          continue;
        case 'x':
          pax = { ...pax, ...parsePax(await this.readMeta(raw, offset), offset) };
          continue;
        case 'g':
          // Global records are read past but never applied: Go's archive/tar and so containerd,
          // which unpack the image, ignore them. Applying a global `path=` here would make the
          // checks see a different file tree than the one that lands on disk.
          await this.readMeta(raw, offset);
          continue;
      }
      if (raw.typeflag === 'S' && raw.sparseExtended) await this.skipSparseExtensions(offset);
      const attrs = pax;
      const name = attrs['path'] ?? attrs['GNU.sparse.name'] ?? longName ?? raw.name;
      const linkname = attrs['linkpath'] ?? longLink ?? raw.linkname;
      let size = raw.size;
      if (attrs['size'] !== undefined) size = parseDecimal(attrs['size'], 'PAX size', offset);
      let type = entryType(raw.typeflag);
      // Pre-POSIX archives mark directories only by a trailing slash (Go's archive/tar does the same).
      if (raw.typeflag === '\0' && name.endsWith('/')) type = 'dir';
      // Links, devices, directories and fifos carry no data whatever their size field says.
      if (isHeaderOnly(raw.typeflag)) size = 0;
      this.remaining = size;
      this.padding = padOf(size);
      return { name, type, typeflag: raw.typeflag, linkname, mode: raw.mode, size, offset };
    }
  }

  /** Reads up to `max` bytes of the current entry's data. */
  async readData(max: number): Promise<Buffer> {
    const n = Math.min(max, this.remaining);
    const data = await this.input.read(n);
    if (data.length < n) throw new TarFormatError(`entry data truncated at offset ${this.input.position}`);
    this.remaining -= n;
    return data;
  }

  private async skipRest(): Promise<void> {
    const want = this.remaining + this.padding;
    this.remaining = 0;
    this.padding = 0;
    if (want > 0 && (await this.input.skip(want)) < want) {
      throw new TarFormatError(`entry data truncated at offset ${this.input.position}`);
    }
  }

  private async readMeta(raw: RawHeader, offset: number): Promise<Buffer> {
    if (raw.size > MAX_META_BYTES) {
      throw new TarFormatError(`'${raw.typeflag}' header at offset ${offset} claims ${raw.size} bytes; more than ${MAX_META_BYTES} is not a real name or PAX record`);
    }
    const data = await this.input.read(raw.size);
    const pad = padOf(raw.size);
    if (data.length < raw.size || (await this.input.skip(pad)) < pad) {
      throw new TarFormatError(`'${raw.typeflag}' header at offset ${offset} is truncated`);
    }
    return data;
  }

  private async skipSparseExtensions(offset: number): Promise<void> {
    for (let i = 0; i < MAX_SPARSE_BLOCKS; i++) {
      const block = await this.input.read(BLOCK);
      if (block.length < BLOCK) throw new TarFormatError(`GNU sparse header at offset ${offset} is truncated`);
      if (block[504] === 0) return;
    }
    throw new TarFormatError(`GNU sparse header at offset ${offset} has more than ${MAX_SPARSE_BLOCKS} extension blocks`);
  }
}

/** Decodes and checksums one 512-byte header block. */
export function parseHeader(block: Buffer, offset: number): RawHeader {
  const stored = block.subarray(148, 156);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const text = stored.toString('latin1').replace(/\0.*$/s, '').trim();
  const sum = /^[0-7]{1,8}$/.test(text) ? parseInt(text, 8) : -1;
  // Some old writers summed signed bytes; GNU tar and Go accept either.
  if (sum !== unsigned && sum !== signed) {
    throw new TarFormatError(`header checksum mismatch at offset ${offset}: not a tar stream, or it is corrupt`);
  }
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block, 0, 100);
  // Only POSIX ustar has the prefix field; GNU reuses those bytes for times and sparse maps.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const flagByte = block[156] as number;
  return {
    name,
    typeflag: String.fromCharCode(flagByte),
    linkname: cString(block, 157, 100),
    mode: parseNumeric(block.subarray(100, 108), 'mode', offset),
    size: parseNumeric(block.subarray(124, 136), 'size', offset),
    sparseExtended: magic.startsWith('ustar ') && block[482] !== 0
  };
}

/** Parses PAX extended header records: `<len> <key>=<value>\n`, where len counts the whole record. */
export function parsePax(data: Buffer, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    // Trailing NULs pad some writers' records.
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const lenText = space < 0 ? '' : data.toString('latin1', pos, space);
    if (!/^[0-9]{1,7}$/.test(lenText)) throw new TarFormatError(`malformed PAX record at offset ${offset}`);
    const len = Number(lenText);
    const end = pos + len;
    if (len <= lenText.length + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw new TarFormatError(`malformed PAX record at offset ${offset}: length ${len} does not fit`);
    }
    const record = data.toString('utf8', space + 1, end - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarFormatError(`malformed PAX record at offset ${offset}: no key=value`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos = end;
  }
  return out;
}

function entryType(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
    case 'D':
      return 'dir';
    default:
      return 'other';
  }
}

function isHeaderOnly(flag: string): boolean {
  return flag === '1' || flag === '2' || flag === '3' || flag === '4' || flag === '5' || flag === '6';
}

/** Octal (space or NUL padded) or, for values that do not fit, GNU base-256 with the top bit set. */
function parseNumeric(field: Buffer, what: string, offset: number): number {
  const first = field[0] as number;
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError(`negative ${what} at offset ${offset}`);
    let value = first & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + (field[i] as number);
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${what} at offset ${offset} is too large`);
    }
    return value;
  }
  return parseOctal(field, what, offset);
}

function parseOctal(field: Buffer, what: string, offset: number): number {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid ${what} field at offset ${offset}`);
  const value = parseInt(text, 8);
  if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${what} at offset ${offset} is too large`);
  return value;
}

function parseDecimal(text: string, what: string, offset: number): number {
  if (!/^[0-9]{1,16}$/.test(text) || Number(text) > Number.MAX_SAFE_INTEGER) {
    throw new TarFormatError(`invalid ${what} '${text.slice(0, 20)}' at offset ${offset}`);
  }
  return Number(text);
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul < 0 ? length : nul);
}

function stripNuls(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function padOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
