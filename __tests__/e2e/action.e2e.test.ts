/**
 * The bundled action against the real stack: dockerd + buildx + QEMU + a distribution registry.
 * Each test runs dist/index.js as main, then as post, the way a runner does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, docker, registryManifest, requireRegistry, requireStack, runAction, uniqueTag } from './harness.js';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

const common = { network: 'host', 'build-contexts': BASE_CONTEXTS, platforms: 'linux/amd64,linux/arm64' };

describe('push two platforms of the Go example', () => {
  const repo = 'e2e/hello';
  const tag = uniqueTag('ok');
  let run: Awaited<ReturnType<typeof runAction>>;
  let decoy: string;

  beforeAll(async () => {
    // A builder the action did not create: post must leave it alone.
    decoy = uniqueTag('decoy');
    docker(['buildx', 'create', '--name', decoy, '--driver', 'docker-container']);
    run = await runAction({ ...common, context: 'examples/go-cross', push: 'true', tags: `${REGISTRY}/${repo}:${tag}` });
  }, 900_000);
  afterAll(() => {
    docker(['buildx', 'rm', decoy]);
  });

  test('main succeeds and the index holds both platforms', async () => {
    expect({ code: run.main.code, out: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, out: [] });
    const index = await registryManifest(repo, tag);
    expect(index).toBeDefined();
    const platforms = index!.body.manifests
      .filter((m: any) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
      .map((m: any) => `${m.platform.os}/${m.platform.architecture}`);
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // The legs' OCI layouts name their entries; those names stay out of the pushed index.
    for (const m of index!.body.manifests) expect(Object.keys(m.annotations ?? {}).filter((k) => k === 'org.opencontainers.image.ref.name' || k === 'io.containerd.image.name')).toEqual([]);
  });

  test('outputs parse and match the registry', async () => {
    const index = await registryManifest(repo, tag);
    expect(run.main.outputs.digest).toBe(index!.digest);
    expect(run.main.outputs.imageid).toBe(index!.digest);
    const metadata = JSON.parse(run.main.outputs.metadata!);
    expect(metadata['containerimage.digest']).toBe(index!.digest);
    expect(metadata['image.name']).toBe(`${REGISTRY}/${repo}:${tag}`);
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; digest: string; strategy: string; verified: boolean }[];
    expect(platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const p of platforms) {
      const entry = index!.body.manifests.find((m: any) => m.digest === p.digest);
      expect(entry?.platform.architecture).toBe(p.platform.split('/')[1]);
      expect(p.verified).toBe(true);
    }
    const plan = JSON.parse(run.main.outputs.plan!);
    expect(plan.platforms.map((p: any) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('the arm64 image runs as arm64 under QEMU', () => {
    const out = docker(['run', '--rm', '--network', 'host', '--pull', 'always', '--platform', 'linux/arm64', `${REGISTRY}/${repo}:${tag}`]);
    expect(out).toMatch(/linux\/arm64/);
  });

  test('the summary names both platforms with their digests', () => {
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; digest: string }[];
    for (const p of platforms) {
      expect(run.main.summary).toContain(`\`${p.platform}\``);
      expect(run.main.summary).toContain(p.digest.slice(0, 19));
    }
    expect(run.main.summary).toContain(run.main.outputs.digest);
  });

  test('post removes only what main created', () => {
    expect(run.post.code).toBe(0);
    expect(docker(['buildx', 'ls'])).toContain(decoy);
    expect(fs.readdirSync(run.runnerTemp).filter((f) => f.startsWith('multiarch-'))).toEqual([]);
  });
});

test('a builder main creates is removed by post, even after main failed', async () => {
  // docker-container needs the moby/buildkit image, which cannot be pulled here (looked for on the
  // loopback registry, so dockerd resolves no public name): main creates the builder, fails to
  // boot it, does not fall back (the input asked for this driver), and post must still remove it.
  const decoy = uniqueTag('keep');
  docker(['buildx', 'create', '--name', decoy, '--driver', 'docker-container']);
  try {
    const run = await runAction({ ...common, context: 'examples/go-cross', driver: 'docker-container', platforms: 'linux/amd64', 'buildkit-image': 'localhost:5000/moby/buildkit:v0.31.2' });
    expect(run.main.code).not.toBe(0);
    expect(run.main.stdout).toMatch(/::error::the docker-container builder \(localhost:5000\/moby\/buildkit:v0\.31\.2\) could not start: .*driver: docker-container does not fall back/);
    const created = JSON.parse(run.main.state.builders ?? '[]') as string[];
    expect(created).toHaveLength(1);
    expect(created[0]).toMatch(/^multiarch-/);
    expect(run.post.code).toBe(0);
    const ls = docker(['buildx', 'ls']);
    expect(ls).not.toContain(created[0]);
    expect(ls).toContain(decoy);
  } finally {
    docker(['buildx', 'rm', decoy]);
  }
}, 600_000);

test('a Dockerfile that fails to build: clear error, a summary, and no tag moved', async () => {
  const tag = uniqueTag('broken');
  const ctx = fs.mkdtempSync(path.join(process.cwd(), '.tmp-broken-'));
  try {
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox:1.35\nRUN echo about to fail && exit 3\n');
    const run = await runAction({ ...common, context: path.relative(process.cwd(), ctx), push: 'true', tags: `${REGISTRY}/e2e/broken:${tag}` });
    expect(run.main.code).not.toBe(0);
    expect(run.main.stdout).toMatch(/::error::leg linux\/(amd64|arm64)(, linux\/arm64)? failed: /);
    expect(run.main.summary).toContain('Failed');
    expect(run.main.summary).toContain('linux/arm64');
    expect(await registryManifest('e2e/broken', tag)).toBeUndefined();
    expect(run.main.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}, 600_000);

test('push with no tags fails on the input, starts no leg, and writes a summary', async () => {
  const run = await runAction({ ...common, context: 'examples/go-cross', push: 'true' });
  expect(run.main.code).not.toBe(0);
  const errors = run.main.stdout.split('\n').filter((l) => l.startsWith('::error'));
  expect(errors).toEqual(['::error::Input "tags": push is true but no tags are set (expected at least one image reference, e.g. ghcr.io/org/app:latest)']);
  expect(run.main.stdout).not.toContain('buildx build');
  expect(run.main.summary).toContain('Input "tags"');
  expect(run.post.code).toBe(0);
});

test('load: the verified image lands in the Docker image store with every platform', async () => {
  const tag = `localhost:5000/e2e/loaded:${uniqueTag('l')}`;
  const run = await runAction({ ...common, context: 'examples/go-cross', load: 'true', tags: tag });
  expect(run.main.code).toBe(0);
  expect(run.main.stdout).toContain(`loaded into the Docker image store as ${tag}`);
  for (const [platform, arch] of [['linux/amd64', 'amd64'], ['linux/arm64', 'arm64']]) {
    const out = docker(['run', '--rm', '--pull', 'never', '--platform', platform!, tag]);
    expect(out).toContain(`hello from linux/${arch}`);
  }
  docker(['image', 'rm', tag]);
}, 600_000);

test('smoke test: each platform runs before tags move; a mismatch fails and moves nothing', async () => {
  const tag = uniqueTag('smoke');
  const ok = await runAction({ ...common, context: 'examples/go-cross', push: 'true', tags: `${REGISTRY}/e2e/smoke:${tag}`, 'smoke-test': '--version', 'smoke-test-expect': 'hello dev \\(go1\\.19' });
  expect(ok.main.code).toBe(0);
  const platforms = JSON.parse(ok.main.outputs.platforms!) as { platform: string; checks: { name: string; ok: boolean; actual: string }[] }[];
  for (const p of platforms) {
    const smoke = p.checks.find((c) => c.name === 'smoke');
    expect(smoke).toEqual(expect.objectContaining({ ok: true }));
    expect(smoke!.actual).toContain(p.platform);
  }
  const bad = await runAction({ ...common, context: 'examples/go-cross', tags: `${REGISTRY}/e2e/smoke:${tag}-layout`, 'smoke-test': '--version', 'smoke-test-expect': '^v9' });
  expect(bad.main.code).not.toBe(0);
  expect(bad.main.stdout).toMatch(/::error::verification failed for linux\/amd64, linux\/arm64: smoke: expected output matching \/\^v9\//);
  expect(docker(['image', 'ls', '--format', '{{.Repository}}'])).not.toContain('multiarch-smoke/');
}, 900_000);
