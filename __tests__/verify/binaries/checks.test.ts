/**
 * The libraries and binaries checks over synthesized images: real tar layers (gzip), real ELF
 * headers with dynamic sections, an in-memory registry. Each case is one way a multi-arch image
 * breaks (or looks broken and is not).
 */
import type { ImageConfig } from '../../../src/types/oci.js';
import type { Check } from '../../../src/types/plan.js';
import { compileGlob } from '../../../src/verify/binaries/glob.js';
import type { BinaryOptions } from '../../../src/verify/binaries/run.js';
import { verifyImage } from '../../../src/verify/checks.js';
import type { TarItem } from '../helpers/tar-writer.js';
import { dyn, LOADER } from '../helpers/dynamic-elf.js';
import { ELF } from '../helpers/elf-builder.js';
import { addImage, addIndex, dirs, layer } from '../helpers/image.js';
import { MemorySource } from '../helpers/memory-source.js';

const ARM = 'linux/arm64';
const TUPLE = '/usr/lib/aarch64-linux-gnu';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A Debian-like arm64 base: merged /usr, ld.so.conf with an include, loader, libc, a dynamic /bin/sh. */
function debianBase(): TarItem[] {
  return [
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    ...dirs('etc', 'etc/ld.so.conf.d', 'usr', 'usr/lib', 'usr/lib/aarch64-linux-gnu', 'usr/bin', 'usr/local', 'usr/local/bin', 'usr/local/lib', 'opt'),
    { name: 'etc/ld.so.conf', data: 'include /etc/ld.so.conf.d/*.conf\n\n' },
    { name: 'etc/ld.so.conf.d/aarch64-linux-gnu.conf', data: '# Multiarch support\n/usr/local/lib/aarch64-linux-gnu\n/lib/aarch64-linux-gnu\n/usr/lib/aarch64-linux-gnu\n' },
    { name: 'etc/ld.so.conf.d/libc.conf', data: '/usr/local/lib\n' },
    { name: 'usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1', data: dyn('arm64', { soname: 'ld-linux-aarch64.so.1' }), mode: 0o755 },
    { name: 'usr/lib/ld-linux-aarch64.so.1', type: 'symlink', linkname: 'aarch64-linux-gnu/ld-linux-aarch64.so.1' },
    { name: 'usr/lib/aarch64-linux-gnu/libc.so.6', data: dyn('arm64', { soname: 'libc.so.6', needed: ['ld-linux-aarch64.so.1'] }), mode: 0o755 },
    { name: 'usr/bin/sh', data: dyn('arm64', { interp: LOADER.arm64, needed: ['libc.so.6'] }), mode: 0o755 }
  ];
}

const server = (needed: string[], extra: { runpath?: string; rpath?: string } = {}) => dyn('arm64', { interp: LOADER.arm64, needed, ...extra });

interface ImageOpts {
  /** Items of the second ("app") layer. */
  app: TarItem[];
  /** More layers on top. */
  more?: TarItem[][];
  config?: ImageConfig['config'];
  binaries?: Partial<BinaryOptions>;
  base?: TarItem[];
}

async function verify(opts: ImageOpts) {
  const src = new MemorySource();
  const layers = [opts.base ?? debianBase(), opts.app, ...(opts.more ?? [])];
  const history = [{ created_by: 'ADD rootfs.tar / # buildkit' }, { created_by: 'COPY --from=build /out/ / # buildkit' }, ...(opts.more ?? []).map((_, i) => ({ created_by: `RUN /bin/sh -c step-${i + 3} # buildkit` }))];
  const image = addImage(src, { platform: ARM, layers: layers.map((l) => layer(l)), config: opts.config ?? { Entrypoint: ['/app/server'], Env: [PATH_ENV] }, history });
  addIndex(src, [image]);
  const binaries: BinaryOptions = { scope: 'all', ignore: [], ...opts.binaries };
  const v = await verifyImage(src, 'latest', [ARM], { entrypoint: true, binaries });
  const checks = v.platforms[0]!.checks;
  return { v, src, check: (name: string): Check => checks.find((c) => c.name === name) ?? fail(`no ${name} check in ${checks.map((c) => c.name).join(', ')}`) };
}

function fail(message: string): never {
  throw new Error(message);
}

const appDirs = dirs('app', 'usr', 'usr/lib', 'usr/lib/aarch64-linux-gnu');

test('a good dynamic image: the library closure is found, through a soname link and $ORIGIN runpath', async () => {
  const { v, check } = await verify({
    app: [
      ...appDirs,
      ...dirs('usr/lib/private'),
      { name: 'app/server', data: server(['libfoo.so.1', 'libc.so.6']), mode: 0o755 },
      { name: 'usr/lib/aarch64-linux-gnu/libfoo.so.1.2.3', data: dyn('arm64', { soname: 'libfoo.so.1', needed: ['libbar.so.2', 'libc.so.6'], runpath: '$ORIGIN/../private' }) },
      { name: 'usr/lib/aarch64-linux-gnu/libfoo.so.1', type: 'symlink', linkname: 'libfoo.so.1.2.3' },
      { name: 'usr/lib/private/libbar.so.2', data: dyn('arm64', { soname: 'libbar.so.2' }) }
    ]
  });
  expect(v.ok).toBe(true);
  expect(v.platforms[0]!.checks.map((c) => c.name)).toEqual(['present', 'config', 'entrypoint-arch', 'interpreter', 'libraries', 'binaries', 'size']);
  expect(check('libraries')).toMatchObject({
    ok: true,
    actual: '3 libraries found, all arm64',
    detail: `Found libfoo.so.1 → ${TUPLE}/libfoo.so.1.2.3, libc.so.6 → ${TUPLE}/libc.so.6, libbar.so.2 → /usr/lib/private/libbar.so.2.`
  });
  expect(check('binaries')).toMatchObject({ ok: true, actual: '6 ELF files, all arm64' });
  expect(check('binaries').warnings).toBeUndefined();
});

test('a missing libfoo.so.1 fails with the chain and where the loader looked', async () => {
  const { v, check } = await verify({ app: [...appDirs, { name: 'app/server', data: server(['libfoo.so.1', 'libc.so.6']), mode: 0o755 }] });
  expect(v.ok).toBe(false);
  const c = check('libraries');
  expect(c).toMatchObject({ ok: false, actual: 'missing: libfoo.so.1' });
  expect(c.detail).toContain('/app/server → libfoo.so.1 (not found in /usr/local/lib/aarch64-linux-gnu, /lib/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu, /usr/local/lib, /lib, /usr/lib): starting it fails with "error while loading shared libraries: libfoo.so.1: cannot open shared object file"');
  expect(check('binaries').ok).toBe(true);
});

test('a library missing two levels down names the whole chain', async () => {
  const { check } = await verify({
    app: [...appDirs, { name: 'app/server', data: server(['libfoo.so.1']), mode: 0o755 }, { name: 'usr/lib/aarch64-linux-gnu/libfoo.so.1', data: dyn('arm64', { soname: 'libfoo.so.1', needed: ['libbar.so.2'] }) }]
  });
  expect(check('libraries').detail).toMatch(/^\/app\/server → libfoo\.so\.1 → libbar\.so\.2 \(not found in /);
});

test('an amd64 libfoo.so.1 the arm64 entrypoint links: libraries and binaries both fail, with layer and step', async () => {
  const { check } = await verify({
    app: [...appDirs, { name: 'app/server', data: server(['libfoo.so.1', 'libc.so.6']), mode: 0o755 }, { name: 'usr/lib/aarch64-linux-gnu/libfoo.so.1', data: dyn('amd64', { soname: 'libfoo.so.1' }) }]
  });
  const libs = check('libraries');
  expect(libs).toMatchObject({ ok: false, actual: 'wrong arch: libfoo.so.1 (amd64)' });
  expect(libs.detail).toContain(`/app/server → libfoo.so.1: the only copy is ${TUPLE}/libfoo.so.1 (amd64 (ELF64 LE, x86-64), from layer 2 of 2: COPY --from=build /out/ /), which the linux/arm64 loader skips`);
  const bins = check('binaries');
  expect(bins).toMatchObject({ ok: false, actual: `1 foreign ELF file linux/arm64 would load: ${TUPLE}/libfoo.so.1 (amd64)` });
  expect(bins.detail).toContain(`${TUPLE}/libfoo.so.1 is amd64 (ELF64 LE, x86-64), from layer 2 of 2: COPY --from=build /out/ /; it is in a directory of the loader's search path (${TUPLE})`);
});

test('a foreign copy earlier in the search path is skipped when a right one follows (glibc behaviour)', async () => {
  const { check } = await verify({
    app: [
      ...appDirs,
      ...dirs('opt/amd64', 'opt/arm64'),
      { name: 'app/server', data: server(['libfoo.so.1'], { rpath: '/opt/amd64:/opt/arm64' }), mode: 0o755 },
      { name: 'opt/amd64/libfoo.so.1', data: dyn('amd64', { soname: 'libfoo.so.1' }) },
      { name: 'opt/arm64/libfoo.so.1', data: dyn('arm64', { soname: 'libfoo.so.1' }) }
    ]
  });
  expect(check('libraries')).toMatchObject({ ok: true, actual: '1 library found, all arm64', detail: 'Found libfoo.so.1 → /opt/arm64/libfoo.so.1.' });
  // /opt/amd64 is nobody's search directory but this binary's DT_RPATH: a warning, not a failure.
  expect(check('binaries')).toMatchObject({ ok: true, actual: '6 ELF files; 1 foreign, none loaded', warnings: ['/opt/amd64/libfoo.so.1: amd64, not loaded from there (layer 2 of 2: COPY --from=build /out/ /)'] });
});

test('Node: an amd64 build/Release addon fails; prebuilds beside their arm64 twin pass silently; a lone x64 prebuild is a warning', async () => {
  const nm = 'app/node_modules';
  const { check } = await verify({
    config: { Cmd: ['node', '/app/index.js'], Env: [PATH_ENV] },
    app: [
      ...dirs('app', nm, `${nm}/x`, `${nm}/x/build`, `${nm}/x/build/Release`, `${nm}/bcrypt`, `${nm}/bcrypt/prebuilds`, `${nm}/bcrypt/prebuilds/linux-x64`, `${nm}/bcrypt/prebuilds/linux-arm64`),
      ...dirs(`${nm}/@swc`, `${nm}/@swc/core-linux-x64-gnu`, `${nm}/@swc/core-linux-arm64-gnu`, `${nm}/lonely`, `${nm}/lonely/prebuilds`, `${nm}/lonely/prebuilds/linux-x64`),
      { name: 'app/index.js', data: "require('x');\n" },
      { name: `${nm}/x/build/Release/x.node`, data: dyn('amd64', { soname: 'x.node' }) },
      { name: `${nm}/bcrypt/prebuilds/linux-x64/node.napi.node`, data: dyn('amd64', {}) },
      { name: `${nm}/bcrypt/prebuilds/linux-arm64/node.napi.node`, data: dyn('arm64', {}) },
      { name: `${nm}/@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node`, data: dyn('amd64', {}) },
      { name: `${nm}/@swc/core-linux-arm64-gnu/swc.linux-arm64-gnu.node`, data: dyn('arm64', {}) },
      { name: `${nm}/lonely/prebuilds/linux-x64/lonely.node`, data: dyn('amd64', {}) }
    ]
  });
  const bins = check('binaries');
  expect(bins).toMatchObject({ ok: false, actual: '1 foreign ELF file linux/arm64 would load: /app/node_modules/x/build/Release/x.node (amd64)' });
  expect(bins.detail).toContain('Node loads a .node addon whatever it was built for');
  expect(bins.detail).toContain('2 prebuilds for other architectures sit beside the linux/arm64 one and are never loaded.');
  expect(bins.warnings).toEqual(['/app/node_modules/lonely/prebuilds/linux-x64/lonely.node: amd64, not loaded from there (layer 2 of 2: COPY --from=build /out/ /)']);
});

test('Python: an x86_64 extension module in an arm64 site-packages fails', async () => {
  const sp = 'usr/local/lib/python3.11/site-packages';
  const { check } = await verify({
    config: { Cmd: ['python3', '-c', 'import fastjson'], Env: [PATH_ENV] },
    app: [...dirs('usr', 'usr/local', 'usr/local/lib', 'usr/local/lib/python3.11', sp, `${sp}/fastjson`), { name: `${sp}/fastjson/__init__.py`, data: '' }, { name: `${sp}/fastjson/_speedups.cpython-311-x86_64-linux-gnu.so`, data: dyn('amd64', {}) }]
  });
  const bins = check('binaries');
  expect(bins.ok).toBe(false);
  expect(bins.detail).toContain(`/${sp}/fastjson/_speedups.cpython-311-x86_64-linux-gnu.so is amd64 (ELF64 LE, x86-64), from layer 2 of 2: COPY --from=build /out/ /; its suffix names x86_64, so the arm64 interpreter skips it and the import fails. Install the Python packages in a stage built for linux/arm64, or fetch wheels for it (pip download --platform manylinux2014_aarch64 --only-binary=:all:).`);
});

test('a foreign tool nothing loads is a warning; deleted by a later layer, it is gone; linked into PATH, it fails', async () => {
  const tool = [...dirs('opt', 'opt/tools', 'opt/tools/x86'), { name: 'opt/tools/x86/tool', data: ELF.amd64(), mode: 0o755 }];
  const app = [...appDirs, { name: 'app/server', data: server(['libc.so.6']), mode: 0o755 }, ...tool];

  const warned = await verify({ app });
  expect(warned.v.ok).toBe(true);
  expect(warned.check('binaries')).toMatchObject({ ok: true, actual: '5 ELF files; 1 foreign, none loaded', warnings: ['/opt/tools/x86/tool: amd64, not loaded from there (layer 2 of 2: COPY --from=build /out/ /)'] });

  const deleted = await verify({ app, more: [[...dirs('opt'), { name: 'opt/.wh.tools' }]] });
  expect(deleted.check('binaries')).toMatchObject({ ok: true, actual: '4 ELF files, all arm64' });

  const linked = await verify({ app, more: [[...dirs('usr', 'usr/local', 'usr/local/bin'), { name: 'usr/local/bin/tool', type: 'symlink', linkname: '/opt/tools/x86/tool' }]] });
  const c = linked.check('binaries');
  expect(c.ok).toBe(false);
  expect(c.detail).toContain('/opt/tools/x86/tool is amd64 (ELF64 LE, x86-64), from layer 2 of 3: COPY --from=build /out/ /; /usr/local/bin/tool in a PATH directory leads to it (/usr/local/bin/tool -> /opt/tools/x86/tool)');
});

test('verify-ignore silences a deliberate foreign file and a known-missing library', async () => {
  const app = [...appDirs, ...dirs('opt', 'opt/tools'), { name: 'app/server', data: server(['libfoo.so.1', 'libc.so.6']), mode: 0o755 }, { name: 'opt/tools/tool', data: ELF.amd64(), mode: 0o755 }];
  const { v, check } = await verify({ app, binaries: { ignore: [compileGlob('/opt/tools/**'), compileGlob('libfoo.so*')] } });
  expect(v.ok).toBe(true);
  expect(check('binaries')).toMatchObject({ ok: true, detail: '1 foreign ELF file matched verify-ignore.' });
  expect(check('binaries').warnings).toBeUndefined();
  expect(check('libraries').detail).toContain('1 library problem matched verify-ignore.');
});

test('scope entrypoint follows the libraries without judging the rest of the image, and reads less', async () => {
  const nm = 'app/node_modules';
  const app = [...appDirs, ...dirs(nm, `${nm}/x`), { name: 'app/server', data: server(['libc.so.6']), mode: 0o755 }, { name: `${nm}/x/x.node`, data: dyn('amd64', {}) }];
  const entry = await verify({ app, binaries: { scope: 'entrypoint' } });
  expect(entry.v.ok).toBe(true);
  expect(entry.v.platforms[0]!.checks.map((c) => c.name)).toEqual(['present', 'config', 'entrypoint-arch', 'interpreter', 'libraries', 'size']);
  expect(entry.check('libraries').ok).toBe(true);
  const all = await verify({ app });
  expect(all.check('binaries').ok).toBe(false);
});

test('musl: the path file replaces the defaults, and libc.musl-* is the loader itself', async () => {
  const base: TarItem[] = [
    ...dirs('lib', 'etc', 'opt', 'opt/lib', 'usr', 'usr/lib'),
    { name: 'lib/ld-musl-aarch64.so.1', data: dyn('arm64', { soname: 'libc.musl-aarch64.so.1' }), mode: 0o755 },
    { name: 'etc/ld-musl-aarch64.path', data: '/opt/lib\n' },
    { name: 'opt/lib/libfoo.so.1', data: dyn('arm64', { soname: 'libfoo.so.1' }) },
    { name: 'usr/lib/libbar.so.1', data: dyn('arm64', { soname: 'libbar.so.1' }) }
  ];
  const musl = (needed: string[]) => dyn('arm64', { interp: '/lib/ld-musl-aarch64.so.1', needed });
  const good = await verify({ base, app: [...dirs('app'), { name: 'app/server', data: musl(['libfoo.so.1', 'libc.musl-aarch64.so.1']), mode: 0o755 }] });
  expect(good.check('libraries')).toMatchObject({ ok: true, actual: '1 library found, all arm64', expected: expect.stringContaining('found by the musl loader') });
  const bad = await verify({ base, app: [...dirs('app'), { name: 'app/server', data: musl(['libbar.so.1']), mode: 0o755 }] });
  expect(bad.check('libraries').detail).toMatch(/^\/app\/server → libbar\.so\.1 \(not found in \/opt\/lib\)/);
});

test('the smoke test program is followed too, when no ENTRYPOINT receives its arguments', async () => {
  const app = [...appDirs, { name: 'app/tool', data: server(['libz.so.1']), mode: 0o755 }];
  const { check } = await verify({ app, config: { Cmd: ['/bin/sh'], Env: [PATH_ENV] }, binaries: { smokeArgs: ['/app/tool', '--version'] } });
  expect(check('libraries')).toMatchObject({ ok: false, actual: 'missing: libz.so.1', expected: expect.stringContaining('every library /usr/bin/sh, /app/tool need') });
});

test('a static entrypoint has no libraries to follow', async () => {
  const { check } = await verify({ app: [...appDirs, { name: 'app/server', data: ELF.arm64(), mode: 0o755 }] });
  expect(check('libraries')).toMatchObject({ ok: true, skipped: true, detail: 'No dynamically linked program is started, so there are no libraries to follow.' });
});

test('an unreadable layer fails the first binary check and skips the rest', async () => {
  const src = new MemorySource();
  const image = addImage(src, { platform: ARM, layers: [{ bytes: Buffer.from('not a tar, not gzip'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }], config: { Entrypoint: ['/app/server'] } });
  addIndex(src, [image]);
  const v = await verifyImage(src, 'latest', [ARM], { entrypoint: true, binaries: { scope: 'all', ignore: [] } });
  const checks = v.platforms[0]!.checks.filter((c) => ['entrypoint-arch', 'interpreter', 'libraries', 'binaries'].includes(c.name));
  expect(checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
    ['entrypoint-arch', false, false],
    ['interpreter', true, true],
    ['libraries', true, true],
    ['binaries', true, true]
  ]);
  expect(checks[0]!.detail).toMatch(/cannot read layer 1 of 1/);
});

test('a resuming walker continues a layer where the last lookup stopped, and restarts only for a path it passed', async () => {
  const { LayerWalker } = await import('../../../src/verify/layers.js');
  const src = new MemorySource();
  const blob = layer([...dirs('a', 'b', 'c'), { name: 'a/1', data: 'one' }, { name: 'b/2', data: 'two' }, { name: 'c/3', data: 'three' }]);
  const image = addImage(src, { platform: ARM, layers: [blob] });
  const manifest = JSON.parse((await src.getManifest(image.digest)).bytes.toString('utf8'));
  const plain = new LayerWalker(src, manifest.layers);
  const resuming = new LayerWalker(src, manifest.layers, { resume: true });
  for (const w of [plain, resuming]) {
    for (const p of ['/a/1', '/b/2', '/c/3']) expect((await w.resolve(p)).found).toBe(true);
  }
  expect(plain.opened).toEqual([0, 0, 0]);
  expect(resuming.opened).toEqual([0]);
  // /a/x is not in the part read so far: reading on from /c/3 to the end decides it, without reopening.
  expect((await resuming.resolve('/a/x')).found).toBe(false);
  resuming.close();
  expect(resuming.opened).toEqual([0]);
});
