import { MediaType, type Descriptor, type ImageConfig } from '../../src/types/oci.js';
import { verifyImage } from '../../src/verify/checks.js';
import { buildElf, EM, ELF } from './helpers/elf-builder.js';
import { addAttestation, addImage, addIndex, dirs, layer, type LayerBlob } from './helpers/image.js';
import { MemorySource } from './helpers/memory-source.js';

const LOADERS: Record<string, { path: string; elf: () => Buffer }> = {
  amd64: { path: '/lib64/ld-linux-x86-64.so.2', elf: () => ELF.amd64() },
  arm64: { path: '/lib/ld-linux-aarch64.so.1', elf: () => ELF.arm64() },
  'arm/v7': { path: '/lib/ld-linux-armhf.so.3', elf: () => ELF.armv7() },
  'arm/v6': { path: '/lib/ld-linux-armhf.so.3', elf: () => ELF.armv6() }
};

function binary(arch: string, interp?: string): Buffer {
  switch (arch) {
    case 'amd64':
      return ELF.amd64(interp);
    case 'arm64':
      return ELF.arm64(interp);
    case 'arm/v7':
      return ELF.armv7({ interp });
    default:
      return ELF.armv6({ interp });
  }
}

/** A Debian-like base: merged /usr (/lib -> usr/lib), a loader, a dynamic /bin/sh. */
function base(arch: string): LayerBlob {
  const loader = LOADERS[arch]!;
  const lib = loader.path.split('/')[1]!;
  return layer([
    { name: lib, type: 'symlink', linkname: `usr/${lib}` },
    ...dirs('usr', `usr/${lib}`, 'bin', 'usr/bin', 'usr/local', 'usr/local/bin'),
    { name: `usr${loader.path}`, data: loader.elf(), mode: 0o755 },
    { name: 'bin/sh', data: binary(arch, loader.path), mode: 0o755 },
    { name: 'usr/bin/env', data: binary(arch, loader.path), mode: 0o755 }
  ]);
}

function app(data: Buffer | string, name = 'usr/local/bin/hello'): LayerBlob {
  return layer([...dirs('usr', 'usr/local', 'usr/local/bin', 'app'), { name, data, mode: 0o755 }]);
}

const hello: ImageConfig['config'] = { Entrypoint: ['/usr/local/bin/hello'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };

function image(src: MemorySource, platform: string, opts: { binaryArch?: string; configPlatform?: string; config?: ImageConfig['config']; layers?: LayerBlob[] } = {}): Descriptor {
  const arch = platform.split('/').slice(1).join('/');
  const layers = opts.layers ?? [base(arch), app(binary(opts.binaryArch ?? arch, LOADERS[opts.binaryArch ?? arch]!.path))];
  return addImage(src, { platform, layers, configPlatform: opts.configPlatform, config: opts.config ?? hello });
}

const check = (v: Awaited<ReturnType<typeof verifyImage>>, platform: string, name: string) =>
  v.platforms.find((p) => p.platform === platform)?.checks.find((c) => c.name === name);

test('a good multi-platform image with attestations passes, attestations listed apart', async () => {
  const src = new MemorySource();
  const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
  const images = platforms.map((p) => image(src, p));
  addIndex(src, [...images, ...images.map((d) => addAttestation(src, d))]);
  const v = await verifyImage(src, 'latest', platforms, { entrypoint: true });
  expect(v.ok).toBe(true);
  expect(v.extra).toEqual([]);
  expect(v.attestations.map((a) => a.refersTo)).toEqual(images.map((d) => d.digest));
  expect(v.platforms.map((p) => [p.platform, p.digest, p.checks.map((c) => `${c.name}:${c.ok}`)])).toEqual(
    platforms.map((p, i) => [p, images[i]!.digest, ['present:true', 'config:true', 'entrypoint-arch:true', 'interpreter:true', 'size:true']])
  );
  expect(check(v, 'linux/arm64', 'entrypoint-arch')).toMatchObject({ expected: 'arm64 (ELF64 LE, AArch64)', actual: 'arm64 (ELF64 LE, AArch64)', detail: '/usr/local/bin/hello from layer 2 of 2.' });
  expect(check(v, 'linux/arm/v7', 'entrypoint-arch')?.actual).toBe('arm/v7 (ELF32 LE, ARM, EABI5 hard-float)');
  expect(check(v, 'linux/arm64', 'interpreter')).toMatchObject({
    ok: true,
    expected: '/lib/ld-linux-aarch64.so.1 present',
    actual: '/lib/ld-linux-aarch64.so.1 → /usr/lib/ld-linux-aarch64.so.1 (layer 1 of 2)'
  });
  expect(check(v, 'linux/amd64', 'size')?.actual).toMatch(/^\d+(\.\d)? (B|KiB) \(\d+ bytes\)$/);
});

test('a hardcoded amd64 binary in an arm64 image is caught, and so is its missing amd64 loader', async () => {
  const src = new MemorySource();
  const arm = image(src, 'linux/arm64', { binaryArch: 'amd64' });
  addIndex(src, [arm]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(v.ok).toBe(false);
  const c = check(v, 'linux/arm64', 'entrypoint-arch');
  expect(c).toMatchObject({ ok: false, expected: 'arm64 (ELF64 LE, AArch64)', actual: 'amd64 (ELF64 LE, x86-64)' });
  expect(c?.detail).toMatch(/^\/usr\/local\/bin\/hello from layer 2 of 2\. \/usr\/local\/bin\/hello: built for amd64, but the platform is linux\/arm64\. .*GOARCH=\$TARGETARCH/);
  // The amd64 binary also wants the amd64 loader, which an arm64 base does not have.
  expect(check(v, 'linux/arm64', 'interpreter')).toMatchObject({ ok: false, actual: 'missing: /lib64/ld-linux-x86-64.so.2' });
});

test('only the top layer is opened when the binary is static and in the top layer', async () => {
  const src = new MemorySource();
  const d = image(src, 'linux/arm64', { layers: [base('arm64'), app(ELF.arm64())] });
  addIndex(src, [d]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(v.ok).toBe(true);
  expect(check(v, 'linux/arm64', 'interpreter')).toMatchObject({ ok: true, actual: 'statically linked (no PT_INTERP)' });
  expect(src.opened).toHaveLength(1);
});

test('a missing platform and an extra one', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/amd64'), image(src, 'linux/arm64')]);
  const v = await verifyImage(src, 'latest', ['linux/arm64', 'linux/s390x'], { entrypoint: false });
  expect(v.ok).toBe(false);
  expect(v.extra).toEqual(['linux/amd64']);
  expect(v.platforms.map((p) => [p.platform, p.ok])).toEqual([
    ['linux/arm64', true],
    ['linux/s390x', false],
    ['linux/amd64', false]
  ]);
  expect(check(v, 'linux/s390x', 'present')).toMatchObject({
    ok: false,
    expected: expect.stringMatching(/^linux\/s390x in the index sha256:/),
    actual: 'absent (it has linux/amd64, linux/arm64)',
    detail: expect.stringContaining('Check that the linux/s390x build succeeded')
  });
  expect(check(v, 'linux/amd64', 'extra')).toMatchObject({ ok: false, detail: expect.stringContaining('Remove linux/amd64 from the build, or add it to the requested platforms') });
  // Without entrypoint checks no layer is read.
  expect(src.opened).toEqual([]);
});

test('config says amd64 but the index lists arm64', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm64', { configPlatform: 'linux/amd64' })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(check(v, 'linux/arm64', 'config')).toMatchObject({
    ok: false,
    expected: 'linux/arm64 (requested, and the index entry says linux/arm64)',
    actual: 'linux/amd64',
    detail: expect.stringMatching(/says architecture "amd64", but this manifest is listed for linux\/arm64: linux\/arm64 machines would pull an image for amd64/)
  });
});

test('arm/v7 in the index, arm without a variant in the config', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm/v7', { configPlatform: 'linux/arm' })]);
  const v = await verifyImage(src, 'latest', ['linux/arm/v7'], { entrypoint: true });
  expect(check(v, 'linux/arm/v7', 'config')).toMatchObject({
    ok: false,
    actual: 'linux/arm (no variant)',
    detail: expect.stringContaining('says architecture "arm" with no variant, but the request and the index say linux/arm/v7')
  });
  expect(check(v, 'linux/arm/v7', 'entrypoint-arch')?.ok).toBe(true);
});

test('an ARMv7 binary in an arm/v6 image', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm/v6', { binaryArch: 'arm/v7' })]);
  const v = await verifyImage(src, 'latest', ['linux/arm/v6'], { entrypoint: true });
  expect(check(v, 'linux/arm/v6', 'entrypoint-arch')).toMatchObject({
    ok: false,
    expected: 'arm/v6 (ELF32 LE, ARM, ARMv6 or older)',
    actual: 'arm/v7 (ELF32 LE, ARM, EABI5 hard-float)',
    detail: expect.stringContaining('illegal instruction')
  });
});

test('a script entrypoint whose interpreter is for another architecture', async () => {
  const src = new MemorySource();
  const layers = [base('arm64'), layer([...dirs('bin', 'app'), { name: 'bin/bash', data: ELF.amd64(), mode: 0o755 }, { name: 'app/start.sh', data: '#!/bin/bash\nexec app\n', mode: 0o755 }])];
  addIndex(src, [image(src, 'linux/arm64', { layers, config: { Entrypoint: ['/app/start.sh'] } })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  const c = check(v, 'linux/arm64', 'entrypoint-arch');
  expect(c).toMatchObject({ ok: false, actual: 'amd64 (ELF64 LE, x86-64)' });
  expect(c?.detail).toContain('/app/start.sh from layer 2 of 2 (#!/bin/bash) → #! interpreter of /app/start.sh: /bin/bash from layer 2 of 2.');
  expect(c?.detail).toContain('check that the FROM image is built for the target platform');
});

test('shell form checks the shell and the first word of the command', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm64', { binaryArch: 'amd64', config: { Cmd: ['/bin/sh', '-c', '/usr/local/bin/hello --serve'] } })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  const c = check(v, 'linux/arm64', 'entrypoint-arch');
  expect(c?.ok).toBe(false);
  expect(c?.detail).toMatch(/^Shell form: the runtime starts the shell \/bin\/sh, which runs "\/usr\/local\/bin\/hello --serve"; its first word \/usr\/local\/bin\/hello is checked too\./);
});

test('a binary linked against musl on a glibc base', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm64', { layers: [base('arm64'), app(ELF.arm64('/lib/ld-musl-aarch64.so.1'))] })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(check(v, 'linux/arm64', 'interpreter')).toMatchObject({
    ok: false,
    expected: '/lib/ld-musl-aarch64.so.1 present',
    actual: 'missing: /lib/ld-musl-aarch64.so.1',
    detail: expect.stringMatching(/fails with "exec \/usr\/local\/bin\/hello: no such file or directory" although the file exists\. It was linked against musl/)
  });
});

test('an entrypoint that is not in the image', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'linux/arm64', { config: { Entrypoint: ['server'] } })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(check(v, 'linux/arm64', 'entrypoint-arch')).toMatchObject({ ok: false, actual: 'not found: server' });
  expect(check(v, 'linux/arm64', 'interpreter')?.skipped).toBe(true);
});

test('a single-manifest root works for one requested platform', async () => {
  const src = new MemorySource();
  const d = image(src, 'linux/arm64');
  const m = await src.getManifest(d.digest);
  src.addManifest(m.bytes, m.mediaType, 'single');
  const v = await verifyImage(src, 'single', ['linux/arm64'], { entrypoint: true });
  expect(v.ok).toBe(true);
  expect(check(v, 'linux/arm64', 'present')?.expected).toMatch(/in the single-platform manifest sha256:\w+ \(not an index\)/);
  const two = await verifyImage(src, 'single', ['linux/arm64', 'linux/amd64'], { entrypoint: false });
  expect(check(two, 'linux/amd64', 'present')?.ok).toBe(false);
});

test('duplicates, unannotated unknown/unknown, and a manifest without a platform', async () => {
  const src = new MemorySource();
  const a = image(src, 'linux/amd64');
  const b = image(src, 'linux/amd64', { layers: [base('amd64')] });
  const odd = { ...image(src, 'linux/arm64'), platform: { os: 'unknown', architecture: 'unknown' } };
  const { platform: _dropped, ...bare } = image(src, 'linux/arm64', { layers: [app('x')] });
  addIndex(src, [a, b, odd, bare]);
  const v = await verifyImage(src, 'latest', ['linux/amd64'], { entrypoint: false });
  expect(check(v, 'linux/amd64', 'present')).toMatchObject({ ok: false, actual: `2 manifests for linux/amd64: ${a.digest}, ${b.digest}` });
  expect(v.extra).toEqual(['unknown/unknown', '(no platform)']);
  expect(check(v, 'unknown/unknown', 'extra')?.detail).toContain('without the vnd.docker.reference.type=attestation-manifest annotation');
});

test('an unreadable root fails every platform and still returns', async () => {
  const src = new MemorySource();
  const v = await verifyImage(src, 'nope', ['linux/amd64', 'linux/arm64'], { entrypoint: true });
  expect(v.ok).toBe(false);
  expect(v.platforms.map((p) => p.checks[0]?.detail)).toEqual([
    'cannot read memory://test/app@nope: manifest unknown: nope',
    'cannot read memory://test/app@nope: manifest unknown: nope'
  ]);
});

test('an invalid requested platform and a Windows image', async () => {
  const src = new MemorySource();
  addIndex(src, [image(src, 'windows/amd64', { layers: [layer([])] })]);
  const v = await verifyImage(src, 'latest', ['linux', 'windows/amd64'], { entrypoint: true });
  expect(check(v, 'linux', 'present')?.detail).toMatch(/expected os\/architecture\[\/variant\]/);
  expect(check(v, 'windows/amd64', 'entrypoint-arch')).toMatchObject({ skipped: true });
  expect(v.platforms.find((p) => p.platform === 'windows/amd64')?.ok).toBe(true);
});

test('a corrupt layer becomes a failed check, not a rejection', async () => {
  const src = new MemorySource();
  const bad = { bytes: Buffer.from('not a layer at all, not even close'), mediaType: MediaType.OciLayerGzip };
  addIndex(src, [image(src, 'linux/arm64', { layers: [bad] })]);
  const v = await verifyImage(src, 'latest', ['linux/arm64'], { entrypoint: true });
  expect(check(v, 'linux/arm64', 'entrypoint-arch')).toMatchObject({ ok: false, actual: 'unreadable', detail: expect.stringMatching(/^cannot read layer 1 of 1/) });
});

test('an s390x image is checked big-endian', async () => {
  const src = new MemorySource();
  const s390 = buildElf({ bits: 64, endian: 'BE', machine: EM.S390 });
  addIndex(src, [addImage(src, { platform: 'linux/s390x', layers: [app(s390)], config: hello })]);
  const v = await verifyImage(src, 'latest', ['linux/s390x'], { entrypoint: true });
  expect(check(v, 'linux/s390x', 'entrypoint-arch')).toMatchObject({ ok: true, actual: 's390x (ELF64 BE, IBM S/390)' });
});
