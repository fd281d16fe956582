import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChunkReader } from '../../src/verify/chunks.js';
import { parsePax, TarFormatError, TarReader, type TarEntry } from '../../src/verify/tar.js';
import { header, paxRecords, writeTar } from './helpers/tar-writer.js';

/** Reads every entry (and each file's data) from a tar split into `chunk`-byte pieces. */
async function readAll(tar: Buffer, chunk = 100): Promise<Array<TarEntry & { data?: string }>> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < tar.length; i += chunk) yield tar.subarray(i, i + chunk);
  }
  const reader = new TarReader(new ChunkReader(chunks()));
  const out: Array<TarEntry & { data?: string }> = [];
  for (let e = await reader.next(); e; e = await reader.next()) {
    out.push(e.type === 'file' ? { ...e, data: (await reader.readData(e.size)).toString() } : e);
  }
  return out;
}

const long = 'd/'.repeat(60) + 'file-with-a-long-name.txt';

test('ustar entries of every kind', async () => {
  const tar = writeTar([
    { name: 'etc/', type: 'dir' },
    { name: 'etc/hostname', data: 'box\n', mode: 0o644 },
    { name: 'bin/sh', type: 'symlink', linkname: 'dash' },
    { name: 'bin/ls', type: 'hardlink', linkname: 'bin/busybox' },
    { name: 'dev/fifo', type: 'fifo' }
  ]);
  const entries = await readAll(tar, 7);
  expect(entries.map((e) => [e.name, e.type, e.linkname, e.data])).toEqual([
    ['etc/', 'dir', '', undefined],
    ['etc/hostname', 'file', '', 'box\n'],
    ['bin/sh', 'symlink', 'dash', undefined],
    ['bin/ls', 'hardlink', 'bin/busybox', undefined],
    ['dev/fifo', 'other', '', undefined]
  ]);
  expect(entries[1]?.mode).toBe(0o644);
});

test.each(['gnu', 'pax'] as const)('%s long names and long link targets', async (longNames) => {
  const tar = writeTar([
    { name: long, data: 'x', longNames },
    { name: 'link', type: 'symlink', linkname: '/' + long, longNames },
    { name: 'after', data: 'y' }
  ]);
  const entries = await readAll(tar);
  expect(entries.map((e) => [e.name, e.linkname, e.data])).toEqual([
    [long, '', 'x'],
    ['link', '/' + long, undefined],
    ['after', '', 'y']
  ]);
});

test('PAX size overrides the header, after a global header', async () => {
  const data = 'abcdef';
  const tar = Buffer.concat([
    header({ name: 'g', flag: 'g', size: paxRecords({ comment: 'x' }).length, mode: 0, linkname: '' }),
    pad(paxRecords({ comment: 'x' })),
    header({ name: 'x', flag: 'x', size: paxRecords({ size: '6' }).length, mode: 0, linkname: '' }),
    pad(paxRecords({ size: '6' })),
    header({ name: 'f', flag: '0', size: 0, mode: 0o755, linkname: '' }),
    pad(Buffer.from(data)),
    Buffer.alloc(1024)
  ]);
  expect((await readAll(tar)).map((e) => [e.name, e.size, e.data])).toEqual([['f', 6, data]]);
});

test('a global PAX header does not rename, resize or relink later entries (as Go and containerd)', async () => {
  const global = paxRecords({ path: 'etc/shadow', linkpath: '/etc/passwd', size: '3' });
  const tar = Buffer.concat([
    header({ name: 'pax_global_header', flag: 'g', size: global.length, mode: 0, linkname: '' }),
    pad(global),
    header({ name: 'bin/app', flag: '0', size: 6, mode: 0o755, linkname: '' }),
    pad(Buffer.from('abcdef')),
    header({ name: 'bin/sh', flag: '2', size: 0, mode: 0o777, linkname: 'dash' }),
    Buffer.alloc(1024)
  ]);
  expect((await readAll(tar)).map((e) => [e.name, e.size, e.linkname, e.data])).toEqual([
    ['bin/app', 6, '', 'abcdef'],
    ['bin/sh', 0, 'dash', undefined]
  ]);
});

test('the ustar prefix field joins the name', async () => {
  const h = header({ name: 'name.txt', flag: '0', size: 0, mode: 0o644, linkname: '' });
  h.write('some/prefix', 345, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  expect((await readAll(Buffer.concat([h, Buffer.alloc(1024)])))[0]?.name).toBe('some/prefix/name.txt');
});

test('an archive without the end marker still ends cleanly; a cut header does not', async () => {
  expect(await readAll(writeTar([{ name: 'a', data: 'a' }], { trailer: false }))).toHaveLength(1);
  await expect(readAll(writeTar([{ name: 'a', data: 'a' }]).subarray(0, 700))).rejects.toThrow(TarFormatError);
  await expect(readAll(writeTar([{ name: 'a', data: 'a'.repeat(600) }]).subarray(0, 800))).rejects.toThrow(/truncated/);
});

test('garbage is rejected by the header checksum', async () => {
  await expect(readAll(Buffer.alloc(512, 0x41))).rejects.toThrow(/checksum mismatch at offset 0/);
});

test('malformed PAX records are clean errors', () => {
  expect(() => parsePax(Buffer.from('99 path=x\n'), 0)).toThrow(TarFormatError);
  expect(() => parsePax(Buffer.from('abc'), 0)).toThrow(TarFormatError);
  expect(() => parsePax(Buffer.from('5 ab\n'), 0)).toThrow(/no key=value/);
  expect(parsePax(Buffer.from('11 path=ab\n'), 0)).toEqual({ path: 'ab' });
});

const execFileP = promisify(execFile);

describe('archives written by the system tar', () => {
  let dir: string;
  let hasTar = true;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'multiarch-tar-'));
    await mkdir(join(dir, 'root', ...long.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(dir, 'root', long), 'long');
    await writeFile(join(dir, 'root', 'busybox'), 'bb');
    await link(join(dir, 'root', 'busybox'), join(dir, 'root', 'sh'));
    await symlink('busybox', join(dir, 'root', 'ls'));
    await execFileP('tar', ['--version']).catch(() => (hasTar = false));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test.each(['gnu', 'pax', 'ustar'])('tar --format=%s', async (format) => {
    if (!hasTar) return;
    // ustar cannot hold the 170-byte name; leave it out of that archive.
    const exclude = format === 'ustar' ? ['--exclude', './d'] : [];
    const args = ['--format', format, ...exclude, '-cf', '-', '-C', join(dir, 'root'), '.'];
    const { stdout } = await execFileP('tar', args, { encoding: 'buffer', maxBuffer: 1 << 24 });
    const entries = await readAll(stdout, 333);
    const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
    if (format !== 'ustar') expect(byName.get(long)?.data).toBe('long');
    expect(byName.get('ls')).toMatchObject({ type: 'symlink', linkname: 'busybox' });
    const sh = byName.get('sh');
    const bb = byName.get('busybox');
    // Whichever of the two tar meets first holds the data; the other is a hardlink to it.
    expect([sh?.type, bb?.type].sort()).toEqual(['file', 'hardlink']);
  });
});

function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}
