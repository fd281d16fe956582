import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { HEAD_BYTES, LayerReadError, LayerWalker, type Lookup } from '../../src/verify/layers.js';
import { keepForElf } from '../../src/verify/entrypoint.js';
import { parseElf } from '../../src/verify/elf.js';
import { MediaType } from '../../src/types/oci.js';
import { ELF } from './helpers/elf-builder.js';
import { addLayers, dirs, layer, type LayerBlob } from './helpers/image.js';
import { MemorySource } from './helpers/memory-source.js';

function walker(layers: LayerBlob[], opts: ConstructorParameters<typeof LayerWalker>[2] = {}): { w: LayerWalker; src: MemorySource; digests: string[] } {
  const src = new MemorySource();
  const descriptors = addLayers(src, layers);
  return { w: new LayerWalker(src, descriptors, opts), src, digests: descriptors.map((d) => d.digest) };
}

function found(lookup: Lookup): Extract<Lookup, { found: true }>['file'] {
  if (!lookup.found) throw new Error(`expected a file: ${lookup.reason}`);
  return lookup.file;
}

function missing(lookup: Lookup): string {
  if (lookup.found) throw new Error(`expected no file, found ${lookup.file.path}`);
  return lookup.reason;
}

describe('early stop', () => {
  test('a file in the top layer never opens the lower ones, and the top stream stops at the file', async () => {
    const base = layer([...dirs('usr', 'usr/local', 'usr/local/bin'), { name: 'usr/local/bin/hello', data: 'old' }]);
    const noise = randomBytes(1024 * 1024);
    const top = layer([{ name: 'usr/local/bin/hello', data: ELF.arm64(), mode: 0o755 }, { name: 'big', data: noise }]);
    const { w, src, digests } = walker([base, top]);
    const file = found(await w.resolve('/usr/local/bin/hello'));
    expect(file).toMatchObject({ path: '/usr/local/bin/hello', layer: 1, layerCount: 2, mode: 0o755, kind: 'file' });
    expect(parseElf(file.head).arch).toBe('arm64');
    expect(src.opened).toEqual([digests[1]]);
    expect(src.destroyedEarly).toBe(1);
    expect(src.bytesRead()).toBeLessThan(top.bytes.length / 4);
  });

  test('a second lookup answers from what was already read', async () => {
    const base = layer([...dirs('bin'), { name: 'bin/sh', data: '#!x', mode: 0o755 }]);
    const top = layer([...dirs('app'), { name: 'app/run', data: 'r' }]);
    const { w, src, digests } = walker([base, top]);
    expect(missing(await w.resolve('/usr/local/bin/sh'))).toBe('not in any of the 2 layers');
    expect(src.opened).toEqual([digests[1], digests[0]]);
    // Both layers are now fully indexed; only the layer holding the bytes is read again.
    found(await w.resolve('/bin/sh'));
    expect(src.opened).toEqual([digests[1], digests[0], digests[0]]);
    missing(await w.resolve('/usr/sbin/sh'));
    expect(src.opened).toHaveLength(3);
  });
});

describe('digest verification at the end of a blob', () => {
  test('a layer read to its end surfaces the source\'s digest error; an early stop does not reach it', async () => {
    const items = [...dirs('bin'), { name: 'bin/app', data: 'x', mode: 0o755 }, { name: 'bin/zzz', data: randomBytes(1 << 20) }];
    for (const compression of ['gzip', 'none'] as const) {
      const { w, src, digests } = walker([layer(items, compression)]);
      src.failAtEnd.add(digests[0]!);
      found(await w.resolve('/bin/app'));
      await expect(w.resolve('/bin/missing')).rejects.toThrow(/cannot read layer 1 of 1 .*: digest mismatch/);
    }
  });
});

describe('whiteouts and opaque directories', () => {
  const base = layer([
    ...dirs('app', 'etc', 'opt', 'opt/tool'),
    { name: 'app/bin', data: 'x', mode: 0o755 },
    { name: 'etc/foo', data: 'foo' },
    { name: 'opt/tool/run', data: 'run' }
  ]);

  test('.wh.name deletes a lower file', async () => {
    const { w } = walker([base, layer([...dirs('app'), { name: 'app/.wh.bin' }])]);
    expect(missing(await w.resolve('/app/bin'))).toBe('deleted: layer 2 of 2 has a whiteout for /app/bin');
  });

  test('a whiteout of a parent directory deletes everything under it', async () => {
    const { w } = walker([base, layer([{ name: '.wh.opt' }])]);
    expect(missing(await w.resolve('/opt/tool/run'))).toBe('deleted: layer 2 of 2 has a whiteout for /opt');
  });

  test('a file re-added in the same layer as its whiteout is visible', async () => {
    const { w } = walker([base, layer([...dirs('app'), { name: 'app/.wh.bin' }, { name: 'app/bin', data: 'new' }])]);
    expect(found(await w.resolve('/app/bin')).head.toString()).toBe('new');
  });

  test('an opaque directory hides the lower contents but keeps its own', async () => {
    const { w } = walker([base, layer([...dirs('etc'), { name: 'etc/.wh..wh..opq' }, { name: 'etc/bar', data: 'bar' }])]);
    expect(missing(await w.resolve('/etc/foo'))).toMatch(/layer 2 of 2 makes \/etc an opaque directory/);
    expect(found(await w.resolve('/etc/bar')).layer).toBe(1);
  });
});

describe('symlinks', () => {
  test('a chain of relative and absolute links across layers', async () => {
    const l1 = layer([...dirs('usr', 'usr/local', 'usr/local/python', 'usr/local/python/bin'), { name: 'usr/local/python/bin/python3.11', data: ELF.amd64(), mode: 0o755 }]);
    const l2 = layer([...dirs('usr', 'usr/bin'), { name: 'usr/bin/python3.11', type: 'symlink', linkname: '/usr/local/python/bin/python3.11' }]);
    const l3 = layer([...dirs('usr', 'usr/bin'), { name: 'usr/bin/python3', type: 'symlink', linkname: 'python3.11' }]);
    const { w } = walker([l1, l2, l3]);
    const file = found(await w.resolve('/usr/bin/python3'));
    expect(file).toMatchObject({ requested: '/usr/bin/python3', path: '/usr/local/python/bin/python3.11', layer: 0 });
    expect(file.hops).toEqual(['/usr/bin/python3 -> python3.11', '/usr/bin/python3.11 -> /usr/local/python/bin/python3.11']);
  });

  test('a symlinked parent directory (merged /usr: /lib -> usr/lib)', async () => {
    const base = layer([
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      ...dirs('usr', 'usr/lib', 'usr/lib/aarch64-linux-gnu'),
      { name: 'usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1', data: ELF.arm64(), mode: 0o755 },
      { name: 'usr/lib/ld-linux-aarch64.so.1', type: 'symlink', linkname: 'aarch64-linux-gnu/ld-linux-aarch64.so.1' }
    ]);
    const { w } = walker([base, layer(dirs('app'))]);
    const file = found(await w.resolve('/lib/ld-linux-aarch64.so.1'));
    expect(file.path).toBe('/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1');
    expect(file.hops).toEqual(['/lib -> usr/lib', '/usr/lib/ld-linux-aarch64.so.1 -> aarch64-linux-gnu/ld-linux-aarch64.so.1']);
  });

  test('.. in a target cannot climb out of the image', async () => {
    const { w } = walker([layer([...dirs('bin'), { name: 'bin/x', type: 'symlink', linkname: '../../../../bin/y' }, { name: 'bin/y', data: 'y' }])]);
    expect(found(await w.resolve('/bin/x')).path).toBe('/bin/y');
  });

  test('loops stop with a clear reason', async () => {
    const { w } = walker([layer([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: '/a' }])]);
    expect(missing(await w.resolve('/a'))).toMatch(/more than 40 links followed from \/a \(a symlink loop\?\)/);
  });

  test('an upper directory replaces a lower symlink', async () => {
    const base = layer([{ name: 'lib', type: 'symlink', linkname: 'usr/lib' }, ...dirs('usr', 'usr/lib'), { name: 'usr/lib/x', data: 'x' }]);
    const top = layer([...dirs('lib'), { name: 'lib/y', data: 'y' }]);
    const { w } = walker([base, top]);
    expect(found(await w.resolve('/lib/y')).layer).toBe(1);
    expect(missing(await w.resolve('/lib/x'))).toMatch(/\/lib is a directory in an upper layer that replaced the non-directory in layer 1 of 2/);
  });

  test('a file used as a directory', async () => {
    const { w } = walker([layer([...dirs('etc'), { name: 'etc/passwd', data: 'root' }])]);
    expect(missing(await w.resolve('/etc/passwd/x'))).toBe('/etc/passwd is a regular file (layer 1 of 1), not a directory');
  });

  test('the root and empty targets', async () => {
    const { w } = walker([layer([{ name: 'e', type: 'symlink', linkname: '' }])]);
    expect(found(await w.resolve('/')).kind).toBe('dir');
    expect(missing(await w.resolve('/e'))).toMatch(/empty target/);
  });
});

describe('hardlinks', () => {
  test('to a file earlier in the same layer (busybox)', async () => {
    const { w } = walker([layer([...dirs('bin'), { name: 'bin/busybox', data: ELF.armv6(), mode: 0o755 }, { name: 'bin/sh', type: 'hardlink', linkname: 'bin/busybox' }])]);
    const file = found(await w.resolve('/bin/sh'));
    expect(file.path).toBe('/bin/busybox');
    expect(file.hops).toEqual(['/bin/sh => /bin/busybox (hardlink, layer 1 of 1)']);
    expect(parseElf(file.head).arm?.variant).toBe('v6');
  });

  test('to a file in a lower layer', async () => {
    const base = layer([...dirs('bin'), { name: 'bin/busybox', data: 'bb', mode: 0o755 }]);
    const top = layer([...dirs('bin'), { name: 'bin/ls', type: 'hardlink', linkname: './bin/busybox' }]);
    const { w } = walker([base, top]);
    expect(found(await w.resolve('/bin/ls'))).toMatchObject({ path: '/bin/busybox', layer: 0 });
  });
});

describe('directories and long names', () => {
  test('a directory is found as a directory', async () => {
    const { w } = walker([layer(dirs('usr', 'usr/bin'))]);
    expect(found(await w.resolve('/usr/bin/')).kind).toBe('dir');
  });

  test.each(['gnu', 'pax'] as const)('%s long paths', async (longNames) => {
    const name = 'opt/' + 'deep/'.repeat(30) + 'bin';
    const { w } = walker([layer([{ name, data: 'x', longNames }, { name: 'opt/link', type: 'symlink', linkname: '/' + name, longNames }])]);
    expect(found(await w.resolve('/opt/link')).path).toBe('/' + name);
  });
});

describe('compression', () => {
  const items = [...dirs('bin'), { name: 'bin/app', data: 'payload', mode: 0o755 }];

  test.each(['gzip', 'zstd', 'none'] as const)('%s by media type', async (compression) => {
    const { w } = walker([layer(items, compression)]);
    expect(found(await w.resolve('/bin/app')).head.toString()).toBe('payload');
  });

  test.each(['gzip', 'zstd', 'none'] as const)('%s sniffed under an unknown media type', async (compression) => {
    const { w } = walker([layer(items, compression, 'application/vnd.example.layer')]);
    expect(found(await w.resolve('/bin/app')).head.toString()).toBe('payload');
  });

  test('Docker media type for gzip', async () => {
    const { w } = walker([layer(items, 'gzip', MediaType.DockerLayerGzip)]);
    found(await w.resolve('/bin/app'));
  });

  test('a blob that is not what its media type says', async () => {
    const { w } = walker([layer(items, 'none', MediaType.OciLayerGzip)]);
    const err = await w.resolve('/bin/app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerReadError);
    expect((err as Error).message).toMatch(/^cannot read layer 1 of 1 \(sha256:[0-9a-f]+, application\/vnd.oci.image.layer.v1.tar\+gzip\): media type .* says gzip, but the blob starts with 62 69 6e 2f instead of 1f 8b$/);
  });

  test('corrupt gzip is a LayerReadError', async () => {
    const blob = layer(items, 'gzip');
    blob.bytes[20] ^= 0xff;
    const { w } = walker([blob]);
    await expect(w.resolve('/nothing')).rejects.toThrow(LayerReadError);
  });

  test('zstd without a decompressor fails clearly', async () => {
    const { w } = walker([layer(items, 'zstd')], { decompressors: { createGunzip: zlib.createGunzip } });
    await expect(w.resolve('/bin/app')).rejects.toThrow(/zstd-compressed, but this Node.js v[\d.]+ has no zstd decompressor.*Node 24/);
  });
});

describe('how much of a file is kept', () => {
  test('64 KiB by default; all of a 32-bit ARM binary with keepForElf', async () => {
    const arm = ELF.armv7({ codeSize: 200_000 });
    const big = Buffer.concat([ELF.arm64(), Buffer.alloc(200_000)]);
    const { w } = walker([layer([{ name: 'arm', data: arm }, { name: 'a64', data: big }])], { keep: keepForElf });
    const armFile = found(await w.resolve('/arm'));
    expect(armFile.head.length).toBe(arm.length);
    expect(parseElf(armFile.head).arm?.variant).toBe('v7');
    expect(found(await w.resolve('/a64')).head.length).toBe(HEAD_BYTES);
  });
});
