/**
 * The whole-image binary checks on real images (GitHub issue #9, part 1): broken ones built on the
 * stack with buildx and pushed to localhost:5000, each caught by path, and good ones (the stack's
 * Debian-based and busybox base images, static Go, per-arch prebuilds side by side, a foreign tool
 * nothing loads) with no false alarm. The fixtures are in fixtures/binaries (see its README).
 *
 * The checks run in-process from src/ through RemoteSource, then through the bundle as a runner
 * runs it (dist/index.js) and through the `multiarch verify` CLI. Where it is cheap, the real
 * runtime confirms the verdict: the good dynamic program runs on both platforms (arm64 under
 * QEMU) and the broken one fails with the loader's own error.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { RemoteSource } from '../../src/registry/remote.js';
import type { Check } from '../../src/types/plan.js';
import { compileGlob } from '../../src/verify/binaries/glob.js';
import { verifyImage, type ImageVerification } from '../../src/verify/checks.js';
import { BASE_CONTEXTS, REGISTRY, registryManifest, requireRegistry, requireStack, ROOT, runAction, uniqueTag } from './harness.js';

const FIXTURES = path.join(ROOT, '__tests__', 'e2e', 'fixtures', 'binaries');
const GOAPP = path.join(FIXTURES, 'goapp');
const GO_CROSS = path.join(ROOT, 'examples', 'go-cross');
const TAG = uniqueTag('b');
const TWO = ['linux/amd64', 'linux/arm64'];
const REPO = 'e2e-binaries';

let client: RegistryClient;
const built: string[] = [];

/** `docker buildx build` with the `docker` driver, pushed as an index; returns the index digest. */
function buildAndPush(image: string, { context, src }: { context: string; src: string }): string {
  const name = `${REGISTRY}/${REPO}/${image}:${TAG}`;
  const metadata = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'binaries-meta-')), 'metadata.json');
  const contexts = [...BASE_CONTEXTS.split('\n'), `src=${src}`].flatMap((c) => ['--build-context', c]);
  const args = ['buildx', 'build', '--builder', 'default', '--network', 'host', ...contexts, '--platform', TWO.join(','), '--provenance=false', '--metadata-file', metadata, '--output', `type=image,name=${name},push=true`, context];
  const res = spawnSync('docker', args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  built.push(name);
  if (res.status !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${res.status}):\n${(res.stderr || '').split('\n').slice(-30).join('\n')}`);
  const digest = JSON.parse(fs.readFileSync(metadata, 'utf8'))['containerimage.digest'] as string;
  fs.rmSync(path.dirname(metadata), { recursive: true, force: true });
  return digest;
}

function verify(repo: string, ref: string, ignore: string[] = []): Promise<ImageVerification> {
  return verifyImage(new RemoteSource(client, repo), ref, TWO, { entrypoint: true, binaries: { scope: 'all', ignore: ignore.map(compileGlob) } });
}

function check(v: ImageVerification, platform: string, name: string): Check {
  const c = v.platforms.find((p) => p.platform === platform)?.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} check for ${platform}: ${JSON.stringify(v.platforms.map((p) => [p.platform, p.checks.map((x) => x.name)]))}`);
  return c;
}

/** `platform check ok|FAIL|skip` for the binary checks, to compare whole outcomes. */
function outcome(v: ImageVerification): string[] {
  return v.platforms.flatMap((p) => p.checks.filter((c) => ['entrypoint-arch', 'interpreter', 'libraries', 'binaries'].includes(c.name)).map((c) => `${p.platform} ${c.name} ${c.skipped ? 'skip' : c.ok ? 'ok' : 'FAIL'}${c.warnings?.length ? ` (${c.warnings.length} warnings)` : ''}`));
}

/** Runs an image for one platform; the registry copy is pulled, and removed afterwards. */
function run(image: string, platform: string, args: string[] = []): { code: number | null; output: string } {
  const res = spawnSync('docker', ['run', '--rm', '--quiet', '--network', 'host', '--pull', 'always', '--platform', platform, image, ...args], { encoding: 'utf8', timeout: 300_000 });
  spawnSync('docker', ['image', 'rm', image], { stdio: 'ignore' });
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

/** Each image built: its context (a fixture directory, or an example) and the `src` named context. */
const IMAGES: Record<string, { context: string; src: string }> = {
  'go-static': { context: GO_CROSS, src: GO_CROSS },
  'dynamic-good': { context: path.join(FIXTURES, 'dynamic-good'), src: GOAPP },
  'dynamic-foreign-lib': { context: path.join(FIXTURES, 'dynamic-foreign-lib'), src: GOAPP },
  'dynamic-missing-lib': { context: path.join(FIXTURES, 'dynamic-missing-lib'), src: GOAPP },
  'node-addon': { context: path.join(FIXTURES, 'node-addon'), src: GO_CROSS },
  'node-prebuilds': { context: path.join(FIXTURES, 'node-prebuilds'), src: GO_CROSS },
  'python-ext': { context: path.join(FIXTURES, 'python-ext'), src: GO_CROSS },
  'foreign-unloaded': { context: path.join(FIXTURES, 'foreign-unloaded'), src: GO_CROSS }
};
const digests: Record<string, string> = {};

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  client = new RegistryClient({ registry: REGISTRY, retry: { attempts: 3, baseDelayMs: 200 } });
  for (const [name, image] of Object.entries(IMAGES)) digests[name] = buildAndPush(name, image);
}, 1_200_000);

afterAll(() => {
  client?.close();
  // buildx's docker driver also stored each image locally; leave the image store as it was.
  for (const name of built) spawnSync('docker', ['image', 'rm', name], { stdio: 'ignore' });
});

const repoOf = (fixture: string) => `${REPO}/${fixture}`;

describe('good images: no false alarm', () => {
  test('busybox:1.35 (static busybox) and python:3.11-slim (Debian, dynamic python3 with its libraries)', async () => {
    const busybox = await verify('library/busybox', '1.35');
    expect(busybox.ok).toBe(true);
    for (const p of TWO) expect(check(busybox, p, 'binaries').warnings).toBeUndefined();

    const python = await verify('library/python', '3.11-slim');
    expect(outcome(python)).toEqual(TWO.flatMap((p) => [`${p} entrypoint-arch ok`, `${p} interpreter ok`, `${p} libraries ok`, `${p} binaries ok`]));
    const arm = check(python, 'linux/arm64', 'libraries');
    expect(arm.expected).toBe('every library /usr/bin/python3.11 needs, found by the glibc loader and built for arm64 (ELF64 LE, AArch64)');
    expect(arm.detail).toMatch(/libc\.so\.6 → \/(usr\/)?lib\/aarch64-linux-gnu\/libc\.so\.6/);
    expect(check(python, 'linux/amd64', 'binaries').actual).toMatch(/^\d{3,} ELF files, all amd64$/);
  }, 300_000);

  test('static Go (examples/go-cross): no libraries to follow, every ELF for its platform', async () => {
    const v = await verify(repoOf('go-static'), digests['go-static']!);
    expect(v.ok).toBe(true);
    expect(check(v, 'linux/arm64', 'libraries')).toMatchObject({ ok: true, skipped: true });
    // busybox:1.35 brings its own ELF files; all of them, and the Go binary, are arm64.
    expect(check(v, 'linux/arm64', 'binaries')).toMatchObject({ ok: true, actual: expect.stringMatching(/^\d+ ELF files, all arm64$/) });
    expect(check(v, 'linux/arm64', 'binaries').warnings).toBeUndefined();
  }, 120_000);

  test('a dynamically linked program with its library for each platform passes, and really runs on both', async () => {
    const v = await verify(repoOf('dynamic-good'), digests['dynamic-good']!);
    expect(outcome(v)).toEqual(TWO.flatMap((p) => [`${p} entrypoint-arch ok`, `${p} interpreter ok`, `${p} libraries ok`, `${p} binaries ok`]));
    expect(check(v, 'linux/arm64', 'libraries').detail).toMatch(/^Found libfoo\.so\.1 → \/usr\/lib\/libfoo\.so\.1, libc\.so\.6 → \/lib\/aarch64-linux-gnu\/libc\.so\.6/);
    for (const p of TWO) expect(run(`${REGISTRY}/${repoOf('dynamic-good')}:${TAG}`, p)).toEqual({ code: 0, output: `app ok on ${p}\n` });
  }, 300_000);

  test('per-arch prebuilds side by side (node-gyp-build prebuilds/, napi-rs packages): silent', async () => {
    const v = await verify(repoOf('node-prebuilds'), digests['node-prebuilds']!);
    expect(v.ok).toBe(true);
    for (const p of TWO) {
      const c = check(v, p, 'binaries');
      expect(c.warnings).toBeUndefined();
      expect(c.detail).toBe('2 prebuilds for other architectures sit beside the ' + p + ' one and are never loaded.');
    }
  }, 120_000);

  test('a foreign tool nothing loads: a warning with its path, layer and Dockerfile step, not a failure', async () => {
    const v = await verify(repoOf('foreign-unloaded'), digests['foreign-unloaded']!);
    expect(v.ok).toBe(true);
    expect(check(v, 'linux/amd64', 'binaries').warnings).toBeUndefined();
    expect(check(v, 'linux/arm64', 'binaries')).toMatchObject({ ok: true, actual: expect.stringMatching(/ELF files; 1 foreign, none loaded$/) });
    expect(check(v, 'linux/arm64', 'binaries').warnings).toEqual([expect.stringMatching(/^\/opt\/vendor\/x86-tool: amd64, not loaded from there \(layer \d of \d: COPY \/out\/x86-tool \/opt\/vendor\/x86-tool\)$/)]);
    const ignored = await verify(repoOf('foreign-unloaded'), digests['foreign-unloaded']!, ['/opt/vendor/**']);
    expect(check(ignored, 'linux/arm64', 'binaries')).toMatchObject({ ok: true, detail: '1 foreign ELF file matched verify-ignore.' });
    expect(check(ignored, 'linux/arm64', 'binaries').warnings).toBeUndefined();
  }, 120_000);
});

describe('broken images: caught by path', () => {
  test('an amd64 libfoo.so.1 that the arm64 entrypoint links (DT_NEEDED)', async () => {
    const v = await verify(repoOf('dynamic-foreign-lib'), digests['dynamic-foreign-lib']!);
    expect(outcome(v)).toEqual(['linux/amd64 entrypoint-arch ok', 'linux/amd64 interpreter ok', 'linux/amd64 libraries ok', 'linux/amd64 binaries ok', 'linux/arm64 entrypoint-arch ok', 'linux/arm64 interpreter ok', 'linux/arm64 libraries FAIL', 'linux/arm64 binaries FAIL']);
    const libs = check(v, 'linux/arm64', 'libraries');
    expect(libs.actual).toBe('wrong arch: libfoo.so.1 (amd64)');
    expect(libs.detail).toMatch(/^\/usr\/local\/bin\/server → libfoo\.so\.1: the only copy is \/usr\/lib\/libfoo\.so\.1 \(amd64 \(ELF64 LE, x86-64\), from layer \d of \d: COPY \/usr\/lib\/\*-linux-gnu\/libuuid\.so\.1 \/usr\/lib\/libfoo\.so\.1\), which the linux\/arm64 loader skips/);
    expect(check(v, 'linux/arm64', 'binaries').actual).toBe('1 foreign ELF file linux/arm64 would load: /usr/lib/libfoo.so.1 (amd64)');
    // The real loader agrees.
    const real = run(`${REGISTRY}/${repoOf('dynamic-foreign-lib')}:${TAG}`, 'linux/arm64');
    expect(real.code).not.toBe(0);
    expect(real.output).toMatch(/error while loading shared libraries: libfoo\.so\.1: (cannot open shared object file|wrong ELF class)/);
  }, 300_000);

  test('a missing libfoo.so.1, with the chain and the directories searched', async () => {
    const v = await verify(repoOf('dynamic-missing-lib'), digests['dynamic-missing-lib']!);
    for (const p of TWO) expect(check(v, p, 'libraries')).toMatchObject({ ok: false, actual: 'missing: libfoo.so.1' });
    expect(check(v, 'linux/arm64', 'libraries').detail).toMatch(/^\/usr\/local\/bin\/server → libfoo\.so\.1 \(not found in \/lib\/aarch64-linux-gnu, \/usr\/lib\/aarch64-linux-gnu, \/lib, \/usr\/lib\): /);
    expect(check(v, 'linux/arm64', 'binaries').ok).toBe(true);
  }, 120_000);

  test('an amd64 .node addon in the arm64 image that the app requires', async () => {
    const v = await verify(repoOf('node-addon'), digests['node-addon']!);
    expect(check(v, 'linux/amd64', 'binaries').ok).toBe(true);
    const c = check(v, 'linux/arm64', 'binaries');
    expect(c).toMatchObject({ ok: false, actual: '1 foreign ELF file linux/arm64 would load: /app/node_modules/x/build/Release/x.node (amd64)' });
    expect(c.detail).toMatch(/^\/app\/node_modules\/x\/build\/Release\/x\.node is amd64 \(ELF64 LE, x86-64\), from layer \d of \d: COPY \/out\/node_modules \/app\/node_modules; Node loads a \.node addon whatever it was built for/);
  }, 120_000);

  test('a Python extension module of the wrong arch in dist-packages', async () => {
    const v = await verify(repoOf('python-ext'), digests['python-ext']!);
    expect(check(v, 'linux/amd64', 'binaries').ok).toBe(true);
    const c = check(v, 'linux/arm64', 'binaries');
    expect(c.actual).toBe('1 foreign ELF file linux/arm64 would load: /usr/local/lib/python3.11/dist-packages/fastjson/_json.cpython-311-x86_64-linux-gnu.so (amd64)');
    expect(c.detail).toContain('its suffix names x86_64, so the arm64 interpreter skips it and the import fails');
  }, 120_000);
});

describe('through the bundle, as a runner runs it', () => {
  const common = { network: 'host', 'build-contexts': `${BASE_CONTEXTS}\nsrc=${GO_CROSS}`, platforms: TWO.join(','), push: 'true' };

  test('the amd64 addon fails the run on binaries, names the file, and moves no tag', async () => {
    const tag = uniqueTag('addon');
    const result = await runAction({ ...common, context: path.relative(ROOT, path.join(FIXTURES, 'node-addon')), tags: `${REGISTRY}/${REPO}/action:${tag}` });
    expect(result.main.code).not.toBe(0);
    const error = result.main.stdout.split('\n').find((l) => l.startsWith('::error::'));
    expect(error).toContain('verification failed for linux/arm64: binaries: expected no foreign ELF where linux/arm64 loads binaries from');
    expect(error).toContain('got 1 foreign ELF file linux/arm64 would load: /app/node_modules/x/build/Release/x.node (amd64); no tag moved');
    expect(result.main.summary).toContain('Failed checks for linux/arm64');
    // The summary escapes markdown: node\_modules.
    expect(result.main.summary).toContain('/app/node\\_modules/x/build/Release/x.node is amd64 (ELF64 LE, x86-64), from layer 2 of 3');
    expect(await registryManifest(`${REPO}/action`, tag)).toBeUndefined();
  }, 900_000);

  test('the foreign tool nothing loads: the run passes, the summary lists the warning; verify-ignore silences it', async () => {
    const context = path.relative(ROOT, path.join(FIXTURES, 'foreign-unloaded'));
    const warned = await runAction({ ...common, context, tags: `${REGISTRY}/${REPO}/action:${uniqueTag('warn')}` });
    expect(warned.main.code).toBe(0);
    expect(warned.main.summary).toContain('Warnings for linux/arm64 (1)');
    expect(warned.main.summary).toMatch(/\*\*binaries\*\*: \/opt\/vendor\/x86-tool: amd64, not loaded from there/);
    expect(warned.main.summary).toMatch(/\| `linux\/arm64` \|.*✅ \d+\/\d+ ⚠️ 1 warning \|/);
    const quiet = await runAction({ ...common, context, tags: `${REGISTRY}/${REPO}/action:${uniqueTag('quiet')}`, 'verify-ignore': '/opt/vendor/**' });
    expect(quiet.main.code).toBe(0);
    expect(quiet.main.summary).not.toContain('Warnings for');
  }, 900_000);

  test('a bad verify-binaries value is one clear input error before anything is built', async () => {
    const result = await runAction({ ...common, context: path.relative(ROOT, path.join(FIXTURES, 'foreign-unloaded')), tags: `${REGISTRY}/${REPO}/action:${uniqueTag('bad')}`, 'verify-binaries': 'some' });
    expect(result.main.code).not.toBe(0);
    expect(result.main.stdout).toContain('::error::Input "verify-binaries": "some" is not allowed (expected one of: all, entrypoint, off)');
  }, 120_000);
});

test('the multiarch verify CLI takes --verify-binaries and --verify-ignore', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['bin/multiarch.js', 'verify', `${REGISTRY}/${repoOf('node-addon')}:${TAG}`, '--platforms', TWO.join(','), ...args], { encoding: 'utf8', timeout: 300_000 });
  const all = cli([]);
  expect(all.status).toBe(1);
  expect(all.stdout).toMatch(/linux\/arm64 {2}binaries: expected no foreign ELF .* got 1 foreign ELF file linux\/arm64 would load: \/app\/node_modules\/x\/build\/Release\/x\.node \(amd64\)/);
  const ignored = cli(['--verify-ignore', '*.node']);
  expect({ status: ignored.status, stderr: ignored.stderr }).toEqual({ status: 0, stderr: '' });
  const entry = cli(['--verify-binaries', 'entrypoint', '--json']);
  expect(entry.status).toBe(0);
  const names = JSON.parse(entry.stdout).platforms[0].checks.map((c: Check) => c.name);
  expect(names).toEqual(['present', 'config', 'entrypoint-arch', 'interpreter', 'libraries', 'size']);
  const bad = cli(['--verify-binaries', 'everything']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('Input "verify-binaries": "everything" is not allowed (expected one of: all, entrypoint, off)');
}, 600_000);
