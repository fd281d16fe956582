/**
 * A small tar writer for tests: ustar headers, with long names as GNU `L`/`K` entries or PAX `x`
 * records, so the reader is tested against archives built independently of it.
 */
export interface TarItem {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo';
  data?: Buffer | string;
  mode?: number;
  linkname?: string;
  /** How to store a name or linkname over 100 bytes. */
  longNames?: 'gnu' | 'pax';
  /** Extra PAX records for this entry. */
  pax?: Record<string, string>;
}

const FLAGS = { file: '0', dir: '5', symlink: '2', hardlink: '1', fifo: '6' } as const;

/** Builds an uncompressed tar with the end-of-archive marker unless `trailer` is false. */
export function writeTar(items: TarItem[], opts: { trailer?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const item of items) {
    const type = item.type ?? 'file';
    const data = type === 'file' ? Buffer.from(item.data ?? '') : Buffer.alloc(0);
    const linkname = item.linkname ?? '';
    const style = item.longNames ?? 'pax';
    const pax: Record<string, string> = { ...item.pax };
    let name = item.name;
    let link = linkname;
    if (Buffer.byteLength(name) > 100) {
      if (style === 'gnu') out.push(...metaEntry('L', Buffer.from(name + '\0'), true));
      else pax['path'] = name;
      name = name.slice(0, 99);
    }
    if (Buffer.byteLength(link) > 100) {
      if (style === 'gnu') out.push(...metaEntry('K', Buffer.from(link + '\0'), true));
      else pax['linkpath'] = link;
      link = link.slice(0, 99);
    }
    if (Object.keys(pax).length) out.push(...metaEntry('x', paxRecords(pax), false));
    out.push(header({ name, flag: FLAGS[type], size: data.length, mode: item.mode ?? (type === 'dir' ? 0o755 : 0o644), linkname: link, gnu: style === 'gnu' }));
    out.push(data, pad(data.length));
  }
  if (opts.trailer !== false) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** PAX records, each `<len> key=value\n` where len counts itself. */
export function paxRecords(records: Record<string, string>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyLen = Buffer.byteLength(body);
    let len = bodyLen + 1;
    while (bodyLen + String(len).length !== len) len = bodyLen + String(len).length;
    text += `${len}${body}`;
  }
  return Buffer.from(text);
}

function metaEntry(flag: string, data: Buffer, gnu: boolean): Buffer[] {
  const name = flag === 'x' ? 'PaxHeaders/entry' : '././@LongLink';
  return [header({ name, flag, size: data.length, mode: 0o644, linkname: '', gnu }), data, pad(data.length)];
}

/** One 512-byte header with a valid checksum. */
export function header(h: { name: string; flag: string; size: number; mode: number; linkname: string; gnu?: boolean }): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  b.write(octal(h.mode, 7), 100, 'latin1');
  b.write(octal(0, 7), 108, 'latin1');
  b.write(octal(0, 7), 116, 'latin1');
  b.write(octal(h.size, 11), 124, 'latin1');
  b.write(octal(0, 11), 136, 'latin1');
  b.write(h.flag, 156, 'latin1');
  b.write(h.linkname, 157, 100, 'utf8');
  if (h.gnu) b.write('ustar  \0', 257, 'latin1');
  else b.write('ustar\x0000', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, '0') + '\0';
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}
