/**
 * Broken multi-arch images, built for real on the stack (buildx, `docker` driver, containerd
 * store) and pushed to localhost:5000, each caught by verifyImage with a precise message; and
 * good ones (plain, and with mode=max provenance) that are not flagged (GitHub issue #4 item 7).
 *
 * Images are built with `docker buildx build --output type=image,push=true` from the Dockerfiles
 * in fixtures/broken (see its README); the indexes that a build cannot produce (an entry that
 * points at another platform's manifest) are written by hand with the project's RegistryClient,
 * after pushImage copies the good image into their repository. Checks run in-process from src/
 * through RemoteSource, and once more through the `multiarch verify` CLI for its exit code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { pushImage } from '../../src/registry/push.js';
import { RemoteSource } from '../../src/registry/remote.js';
import type { ImageIndex } from '../../src/types/oci.js';
import type { Check } from '../../src/types/plan.js';
import { verifyOptionsFor } from '../../src/verify/binaries/options.js';
import { verifyImage, type ImageVerification } from '../../src/verify/checks.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, requireRegistry, requireStack, uniqueTag } from './harness.js';

const FIXTURES = path.join(ROOT, '__tests__', 'e2e', 'fixtures', 'broken');
const GO_SOURCES = path.join(ROOT, 'examples', 'go-cross');
const TAG = uniqueTag('t');
const TWO = ['linux/amd64', 'linux/arm64'];

let client: RegistryClient;
/** Every image:tag buildx also stored in the local image store, removed at the end. */
const built: string[] = [];
/** Index digests by image name. */
const digests: Record<string, string> = {};

interface Build {
  repo: string;
  tag: string;
  context: string;
  platforms: string[];
  provenance: 'false' | 'mode=min' | 'mode=max';
}

/** `docker buildx build … --output type=image,push=true`; returns the pushed index (or manifest) digest. */
function buildAndPush(b: Build): string {
  const name = `${REGISTRY}/${b.repo}:${b.tag}`;
  const metadata = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'broken-meta-')), 'metadata.json');
  const contexts = [...BASE_CONTEXTS.split('\n'), `src=${GO_SOURCES}`].flatMap((c) => ['--build-context', c]);
  // The default builder is the `docker` driver: the one that can push a multi-platform image as built.
  const args = ['buildx', 'build', '--builder', 'default', '--network', 'host', ...contexts, '--platform', b.platforms.join(','), `--provenance=${b.provenance}`];
  args.push('--metadata-file', metadata, '--output', `type=image,name=${name},push=true`, b.context);
  const res = spawnSync('docker', args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  built.push(name);
  if (res.status !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${res.status}):\n${(res.stderr || '').split('\n').slice(-30).join('\n')}`);
  const digest = JSON.parse(fs.readFileSync(metadata, 'utf8'))['containerimage.digest'] as string;
  fs.rmSync(path.dirname(metadata), { recursive: true, force: true });
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  return digest;
}

function verify(repo: string, ref: string, platforms: string[]): Promise<ImageVerification> {
  return verifyImage(new RemoteSource(client, repo), ref, platforms, { entrypoint: true });
}

/** One platform's one check, or a failure that shows what the platform did have. */
function check(v: ImageVerification, platform: string, name: string): Check {
  const p = v.platforms.find((x) => x.platform === platform);
  if (!p) throw new Error(`no result for ${platform}: have ${v.platforms.map((x) => x.platform).join(', ')}`);
  const c = p.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} check for ${platform}: have ${p.checks.map((x) => x.name).join(', ')}`);
  return c;
}

/** `platform check ok` for every check but size, to compare whole results at a glance. */
function outcome(v: ImageVerification): string[] {
  return v.platforms.flatMap((p) => p.checks.filter((c) => c.name !== 'size').map((c) => `${p.platform} ${c.name} ${c.skipped ? 'skip' : c.ok ? 'ok' : 'FAIL'}`));
}

/** A copy of `index` (pushed under `tag` in `repo`) with each entry rewritten by `edit`. */
async function handMadeIndex(repo: string, tag: string, source: { repo: string; digest: string }, edit: (index: ImageIndex) => void): Promise<string> {
  const fetched = await client.getManifest(source.repo, source.digest);
  // The project's own push copies the good image (manifests, configs, layers) into `repo` first.
  await pushImage(new RemoteSource(client, source.repo), { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length }, { client, repo }, { mountFrom: [{ client, repo: source.repo }] });
  const index = JSON.parse(fetched.bytes.toString('utf8')) as ImageIndex;
  edit(index);
  return client.putManifest(repo, tag, Buffer.from(JSON.stringify(index, null, 2)), fetched.mediaType);
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  client = new RegistryClient({ registry: REGISTRY, retry: { attempts: 3, baseDelayMs: 200 } });
  const fixture = (name: string) => path.join(FIXTURES, name);
  const builds: Record<string, Build> = {
    good: { repo: 'e2e-broken/good', tag: TAG, context: GO_SOURCES, platforms: TWO, provenance: 'false' },
    attested: { repo: 'e2e-broken/good', tag: `${TAG}-provenance`, context: GO_SOURCES, platforms: TWO, provenance: 'mode=max' },
    missing: { repo: 'e2e-broken/missing-arm64', tag: TAG, context: GO_SOURCES, platforms: ['linux/amd64'], provenance: 'mode=min' },
    goarch: { repo: 'e2e-broken/goarch-amd64', tag: TAG, context: fixture('goarch-hardcoded'), platforms: TWO, provenance: 'false' },
    goarm7: { repo: 'e2e-broken/goarm7-in-v6', tag: TAG, context: fixture('arm-goarm7'), platforms: ['linux/arm/v6'], provenance: 'mode=min' },
    variants: { repo: 'e2e-broken/arm-variants', tag: TAG, context: fixture('arm-variant'), platforms: ['linux/arm/v6', 'linux/arm/v7'], provenance: 'false' },
    v7only: { repo: 'e2e-broken/arm-variants', tag: `${TAG}-v7`, context: fixture('arm-variant'), platforms: ['linux/arm/v7'], provenance: 'mode=min' },
    interpreter: { repo: 'e2e-broken/foreign-interpreter', tag: TAG, context: fixture('foreign-interpreter'), platforms: TWO, provenance: 'false' }
  };
  for (const [key, b] of Object.entries(builds)) digests[key] = buildAndPush(b);
}, 900_000);

afterAll(() => {
  client?.close();
  // buildx's docker driver also stored each image locally; leave the image store as it was.
  for (const name of built) spawnSync('docker', ['image', 'rm', name], { stdio: 'ignore' });
});

const ALL_OK = (platforms: string[]) => platforms.flatMap((p) => ['present', 'config', 'entrypoint-arch', 'interpreter'].map((c) => `${p} ${c} ok`));
const STATIC = { name: 'interpreter', ok: true, expected: 'no loader, or the loader in the image', actual: 'statically linked (no PT_INTERP)' };
const AMD64_ELF = 'amd64 (ELF64 LE, x86-64)';
const ARM64_ELF = 'arm64 (ELF64 LE, AArch64)';

describe('good images are not flagged', () => {
  test('examples/go-cross for linux/amd64 + linux/arm64', async () => {
    const v = await verify('e2e-broken/good', TAG, TWO);
    expect(outcome(v)).toEqual(ALL_OK(TWO));
    expect(v).toMatchObject({ ok: true, extra: [], attestations: [] });
    expect(check(v, 'linux/amd64', 'entrypoint-arch')).toMatchObject({ ok: true, expected: AMD64_ELF, actual: AMD64_ELF, detail: '/usr/local/bin/hello from layer 2 of 2.' });
    expect(check(v, 'linux/arm64', 'entrypoint-arch')).toMatchObject({ ok: true, expected: ARM64_ELF, actual: ARM64_ELF, detail: '/usr/local/bin/hello from layer 2 of 2.' });
    expect(check(v, 'linux/arm64', 'interpreter')).toMatchObject(STATIC);
    expect(check(v, 'linux/arm64', 'config')).toEqual({ name: 'config', ok: true, expected: 'linux/arm64 (requested, and the index entry says linux/arm64)', actual: 'linux/arm64' });
  });

  test('with --provenance=mode=max: the attestation manifests are listed apart, never as platforms', async () => {
    const index = JSON.parse((await client.getManifest('e2e-broken/good', digests.attested!)).bytes.toString('utf8')) as ImageIndex;
    const attestations = index.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    expect(attestations).toHaveLength(2);
    for (const a of attestations) expect(a.platform).toEqual({ os: 'unknown', architecture: 'unknown' });
    const provenance = JSON.parse((await client.getManifest('e2e-broken/good', attestations[0]!.digest)).bytes.toString('utf8'));
    expect(provenance.layers.map((l: any) => l.annotations['in-toto.io/predicate-type'])).toContain('https://slsa.dev/provenance/v0.2');

    const v = await verify('e2e-broken/good', `${TAG}-provenance`, TWO);
    expect(outcome(v)).toEqual(ALL_OK(TWO));
    expect(v.ok).toBe(true);
    expect(v.extra).toEqual([]);
    expect(v.platforms.map((p) => p.platform)).toEqual(TWO);
    // Each attestation names the platform manifest it describes.
    expect(v.attestations).toEqual(attestations.map((a) => ({ digest: a.digest, refersTo: a.annotations!['vnd.docker.reference.digest'] })));
    expect(v.attestations.map((a) => a.refersTo).sort()).toEqual(v.platforms.map((p) => p.digest).sort());
  });

  test('arm/v6 and arm/v7 with GOARM from $TARGETVARIANT: each binary is for its variant', async () => {
    const v = await verify('e2e-broken/arm-variants', TAG, ['linux/arm/v6', 'linux/arm/v7']);
    expect(outcome(v)).toEqual(ALL_OK(['linux/arm/v6', 'linux/arm/v7']));
    expect(check(v, 'linux/arm/v6', 'entrypoint-arch')).toMatchObject({ ok: true, expected: 'arm/v6 (ELF32 LE, ARM, ARMv6 or older)', actual: 'arm/v6 (ELF32 LE, ARM, EABI5, GOARM=6)' });
    expect(check(v, 'linux/arm/v7', 'entrypoint-arch')).toMatchObject({ ok: true, expected: 'arm/v7 (ELF32 LE, ARM, ARMv7 or older)', actual: 'arm/v7 (ELF32 LE, ARM, EABI5, GOARM=7)' });
  });
});

describe('broken images are caught, each on its exact check', () => {
  test('GOARCH=amd64 hardcoded: the arm64 leg holds an x86-64 binary', async () => {
    const v = await verify('e2e-broken/goarch-amd64', TAG, TWO);
    expect(v.ok).toBe(false);
    expect(outcome(v)).toEqual([...ALL_OK(['linux/amd64']), 'linux/arm64 present ok', 'linux/arm64 config ok', 'linux/arm64 entrypoint-arch FAIL', 'linux/arm64 interpreter ok']);
    const c = check(v, 'linux/arm64', 'entrypoint-arch');
    expect(c).toMatchObject({ ok: false, expected: ARM64_ELF, actual: AMD64_ELF });
    expect(c.detail).toContain('/usr/local/bin/hello from layer 2 of 2. /usr/local/bin/hello: built for amd64, but the platform is linux/arm64.');
    expect(c.detail).toContain('(Go: GOOS=$TARGETOS GOARCH=$TARGETARCH)');
  });

  test('a missing platform: linux/arm64 requested, the index has only linux/amd64 (and its attestation)', async () => {
    const v = await verify('e2e-broken/missing-arm64', TAG, TWO);
    expect(v.ok).toBe(false);
    const arm64 = v.platforms.find((p) => p.platform === 'linux/arm64')!;
    expect(arm64).toEqual({
      platform: 'linux/arm64',
      ok: false,
      checks: [
        {
          name: 'present',
          ok: false,
          expected: `linux/arm64 in the index ${digests.missing}`,
          actual: 'absent (it has linux/amd64)',
          detail: `No manifest in the index ${digests.missing} is for linux/arm64. Check that the linux/arm64 build succeeded and that its digest was included when the index was merged.`
        }
      ]
    });
    expect(outcome(v).filter((o) => o.startsWith('linux/amd64'))).toEqual(ALL_OK(['linux/amd64']));
    // The attestation is not an unknown/unknown platform nobody asked for.
    expect(v.extra).toEqual([]);
    expect(v.attestations).toHaveLength(1);
    expect(v.attestations[0]!.refersTo).toBe(check(v, 'linux/amd64', 'present').actual!.split(' ')[0]);
  });

  test('config/index mismatch: a hand-made index whose linux/arm64 entry points at the amd64 manifest', async () => {
    const good = JSON.parse((await client.getManifest('e2e-broken/good', digests.good!)).bytes.toString('utf8')) as ImageIndex;
    const amd64 = good.manifests.find((m) => m.platform?.architecture === 'amd64')!;
    const root = await handMadeIndex('e2e-broken/config-mismatch', TAG, { repo: 'e2e-broken/good', digest: digests.good! }, (index) => {
      const arm64 = index.manifests.find((m) => m.platform?.architecture === 'arm64')!;
      arm64.digest = amd64.digest;
      arm64.size = amd64.size;
    });
    const v = await verify('e2e-broken/config-mismatch', TAG, TWO);
    expect(v.ok).toBe(false);
    expect(outcome(v)).toEqual([...ALL_OK(['linux/amd64']), 'linux/arm64 present ok', 'linux/arm64 config FAIL', 'linux/arm64 entrypoint-arch FAIL', 'linux/arm64 interpreter ok']);
    expect(check(v, 'linux/arm64', 'present')).toMatchObject({ ok: true, expected: `linux/arm64 in the index ${root}`, actual: `${amd64.digest} (linux/arm64)` });
    const config = check(v, 'linux/arm64', 'config');
    expect(config).toMatchObject({ ok: false, expected: 'linux/arm64 (requested, and the index entry says linux/arm64)', actual: 'linux/amd64' });
    expect(config.detail).toMatch(/^The image config sha256:[0-9a-f]{64} says architecture "amd64", but this manifest is listed for linux\/arm64: linux\/arm64 machines would pull an image for amd64\./);
    expect(check(v, 'linux/arm64', 'entrypoint-arch')).toMatchObject({ ok: false, expected: ARM64_ELF, actual: AMD64_ELF });
  });

  test('config/index mismatch: an index entry says linux/arm/v7 for the arm/v6 image (which only the config shows)', async () => {
    const variants = JSON.parse((await client.getManifest('e2e-broken/arm-variants', digests.variants!)).bytes.toString('utf8')) as ImageIndex;
    const v6 = variants.manifests.find((m) => m.platform?.variant === 'v6')!;
    await handMadeIndex('e2e-broken/config-mismatch', `${TAG}-arm`, { repo: 'e2e-broken/arm-variants', digest: digests.variants! }, (index) => {
      const v7 = index.manifests.find((m) => m.platform?.variant === 'v7')!;
      v7.digest = v6.digest;
      v7.size = v6.size;
    });
    const v = await verify('e2e-broken/config-mismatch', `${TAG}-arm`, ['linux/arm/v6', 'linux/arm/v7']);
    expect(v.ok).toBe(false);
    // A GOARM=6 binary runs on ARMv7, so the ELF check passes: only the config disagrees.
    expect(outcome(v)).toEqual([...ALL_OK(['linux/arm/v6']), 'linux/arm/v7 present ok', 'linux/arm/v7 config FAIL', 'linux/arm/v7 entrypoint-arch ok', 'linux/arm/v7 interpreter ok']);
    const config = check(v, 'linux/arm/v7', 'config');
    expect(config).toMatchObject({ ok: false, expected: 'linux/arm/v7 (requested, and the index entry says linux/arm/v7)', actual: 'linux/arm/v6' });
    expect(config.detail).toMatch(/^The image config sha256:[0-9a-f]{64} says variant "v6", but this manifest is listed for linux\/arm\/v7: the build produced an image for linux\/arm\/v6\./);
    expect(check(v, 'linux/arm/v7', 'entrypoint-arch')).toMatchObject({ ok: true, actual: 'arm/v6 (ELF32 LE, ARM, EABI5, GOARM=6)', detail: '/hello from layer 1 of 1. /hello: built for ARMv6, which also runs on ARMv7.' });
  });

  test('arm variant: a GOARM=7 binary in an image built for linux/arm/v6', async () => {
    const v = await verify('e2e-broken/goarm7-in-v6', TAG, ['linux/arm/v6']);
    expect(outcome(v)).toEqual(['linux/arm/v6 present ok', 'linux/arm/v6 config ok', 'linux/arm/v6 entrypoint-arch FAIL', 'linux/arm/v6 interpreter ok']);
    expect(v).toMatchObject({ ok: false, extra: [] });
    const c = check(v, 'linux/arm/v6', 'entrypoint-arch');
    expect(c).toMatchObject({ ok: false, expected: 'arm/v6 (ELF32 LE, ARM, ARMv6 or older)', actual: 'arm/v7 (ELF32 LE, ARM, EABI5, GOARM=7)' });
    expect(c.detail).toContain('/hello: needs ARMv7 (Go build info: GOARM=7), but linux/arm/v6 promises only ARMv6 CPUs: it dies with "illegal instruction" there.');
    expect(c.detail).toContain('GOARM=${TARGETVARIANT#v}');
  });

  test('arm variant: built for linux/arm/v6, requested as linux/arm/v7', async () => {
    const v = await verify('e2e-broken/goarm7-in-v6', TAG, ['linux/arm/v7']);
    expect(v.ok).toBe(false);
    expect(check(v, 'linux/arm/v7', 'present')).toEqual({
      name: 'present',
      ok: false,
      expected: `linux/arm/v7 in the index ${digests.goarm7}`,
      actual: 'absent (it has linux/arm/v6)',
      detail: `No manifest in the index ${digests.goarm7} is for linux/arm/v7. The index has linux/arm/v6: the same architecture with a different variant. Request that platform instead, or build linux/arm/v7 so the variant matches.`
    });
    // The v6 image is then one nobody asked for: it fails too rather than go out unverified.
    expect(v.extra).toEqual(['linux/arm/v6']);
    expect(check(v, 'linux/arm/v6', 'extra')).toMatchObject({ ok: false, expected: 'no manifest for linux/arm/v6 (not requested; requested linux/arm/v7)' });
  });

  test('arm variant: built for linux/arm/v7, requested as linux/arm/v6', async () => {
    const v = await verify('e2e-broken/arm-variants', `${TAG}-v7`, ['linux/arm/v6']);
    expect(v.ok).toBe(false);
    expect(check(v, 'linux/arm/v6', 'present')).toMatchObject({ ok: false, actual: 'absent (it has linux/arm/v7)' });
    expect(check(v, 'linux/arm/v6', 'present').detail).toContain('The index has linux/arm/v7: the same architecture with a different variant.');
    expect(v.extra).toEqual(['linux/arm/v7']);
  });

  test('a script entrypoint whose #! interpreter is an x86-64 ELF in the arm64 image', async () => {
    const v = await verify('e2e-broken/foreign-interpreter', TAG, TWO);
    expect(v.ok).toBe(false);
    expect(outcome(v)).toEqual([...ALL_OK(['linux/amd64']), 'linux/arm64 present ok', 'linux/arm64 config ok', 'linux/arm64 entrypoint-arch FAIL', 'linux/arm64 interpreter ok']);
    const trace = '/usr/local/bin/run from layer 3 of 3 (#!/usr/local/bin/tool) → #! interpreter of /usr/local/bin/run: /usr/local/bin/tool from layer 2 of 3.';
    expect(check(v, 'linux/amd64', 'entrypoint-arch')).toMatchObject({ ok: true, actual: AMD64_ELF, detail: trace });
    const c = check(v, 'linux/arm64', 'entrypoint-arch');
    expect(c).toMatchObject({ ok: false, expected: ARM64_ELF, actual: AMD64_ELF });
    expect(c.detail).toContain(`${trace} /usr/local/bin/tool: built for amd64, but the platform is linux/arm64. This interpreter must be built for the target platform too`);
  });
});

describe('multiarch verify (the CLI) exits 1 on a broken image', () => {
  let entry: string;
  let fresh: string;

  /**
   * bin/multiarch.js runs dist/, which is rebuilt by hand: use it when dist/cli matches a fresh
   * bundle of src/cli.ts, else that fresh bundle (what dist/ will hold), so that a stale dist/
   * (dist.test.ts reports that) is never mistaken for a verify failure.
   */
  beforeAll(() => {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'broken-cli-'));
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'ncc'), ['build', 'src/cli.ts', '-o', fresh, '--quiet', '--target', 'es2022', '--no-source-map-register', '--license', 'licenses.txt'], { cwd: ROOT, stdio: 'pipe' });
    fs.writeFileSync(path.join(fresh, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
    const shipped = path.join(ROOT, 'dist', 'cli', 'index.js');
    const current = fs.existsSync(shipped) && fs.readFileSync(shipped).equals(fs.readFileSync(path.join(fresh, 'index.js')));
    entry = current ? path.join(ROOT, 'bin', 'multiarch.js') : path.join(fresh, 'index.js');
  }, 300_000);
  afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

  const multiarch = (args: string[]) => {
    const res = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };

  test('--json: exit 1, and the same result as verifyImage in-process', async () => {
    const res = multiarch(['verify', `${REGISTRY}/e2e-broken/goarch-amd64:${TAG}`, '--platforms', TWO.join(','), '--json']);
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 1, stderr: '' });
    // The CLI verifies as the action does by default (verify-binaries: all).
    const inProcess = await verifyImage(new RemoteSource(client, 'e2e-broken/goarch-amd64'), TAG, TWO, verifyOptionsFor({ verifyBinaries: 'all', verifyIgnore: [], smoke: undefined }));
    expect(JSON.parse(res.stdout)).toEqual(JSON.parse(JSON.stringify(inProcess)));
  });

  test('table: exit 1 with the failing row for the GOARM=7 binary in arm/v6', () => {
    const res = multiarch(['verify', `${REGISTRY}/e2e-broken/goarm7-in-v6:${TAG}`, '--platforms', 'linux/arm/v6']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/linux\/arm\/v6\s+entrypoint-arch\s+FAIL\s+arm\/v6 \(ELF32 LE, ARM, ARMv6 or older\)\s+arm\/v7 \(ELF32 LE, ARM, EABI5, GOARM=7\)/);
  });

  test('a good image by digest: exit 0', () => {
    const res = multiarch(['verify', `${REGISTRY}/e2e-broken/good@${digests.attested}`, '--platforms', TWO.join(','), '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).ok).toBe(true);
  });
});
