/**
 * Caches that never collide, on the real stack: two legs export `type=registry` caches (mode=max)
 * to per-platform refs resolved by buildLegArgs; then only the arm64 leg changes and re-exports,
 * BuildKit's local cache is pruned, and the amd64 leg must still come back from its own cache.
 * A control run with one shared ref (what buildx does when every leg gets the same spec) shows
 * the same sequence loses amd64's cache, so the test can tell the difference.
 *
 * The Dockerfile is built so that ARM_ONLY reaches arm64's leg only: it is declared in a stage
 * that only `FROM leg-${TARGETARCH}` with TARGETARCH=arm64 reaches (an ARG in scope enters every
 * later RUN's cache key, so declaring it in a shared stage would change both legs).
 *
 * Legs run through buildLegArgs and runLegs (the project's exec seam), not the whole pipeline.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildLegArgs } from '../../src/build/args.js';
import { resolveCacheWarnings } from '../../src/cache/warnings.js';
import { runLegs, type LegOutput, type LegRun } from '../../src/build/legs.js';
import { resolveConfig } from '../../src/config.js';
import { exec } from '../../src/exec.js';
import { decide } from '../../src/plan/decide.js';
import { hostPlatform } from '../../src/platform.js';
import { probeCacheFacts } from '../../src/setup/builder.js';
import { buildxVersion } from '../../src/setup/buildx.js';
import type { Config } from '../../src/types/config.js';
import type { PlatformPlan } from '../../src/types/plan.js';
import { engineEnv } from '../stack/engines.js';
import { BASE_CONTEXTS, REGISTRY, registryManifest, requireRegistry, requireStack, uniqueTag } from './harness.js';

const BUSYBOX = BASE_CONTEXTS.split('\n').find((c) => c.startsWith('busybox:'))!;
const REPO = 'multiarch-e2e/cache-collision';
const STEPS = 12;

function dockerfile(): string {
  const lines = ['FROM busybox:1.35 AS base'];
  for (let i = 1; i <= STEPS; i++) lines.push(`RUN echo base-${i} > /base-${i}`);
  lines.push('', 'FROM base AS leg-amd64', 'RUN echo amd64 > /leg');
  lines.push('', 'FROM base AS leg-arm64', 'ARG ARM_ONLY=0', 'RUN echo "arm64 $ARM_ONLY" > /leg');
  lines.push('', 'FROM leg-${TARGETARCH}');
  for (let i = 1; i <= STEPS; i++) lines.push(`RUN echo final-${i} > /final-${i}`);
  return lines.join('\n') + '\n';
}

/**
 * Steps of the Dockerfile only (`#N [stage k/n] …`): countCacheSteps also counts `[internal]` and
 * `[context …]` vertices (loading the definition, resolving a named context), which BuildKit
 * never reports as CACHED, so they would cap the ratio well below 100% for a fully cached build.
 */
function dockerfileSteps(log: string): { steps: number; cached: number; uncached: string[] } {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) \[((?:[^\]\s]+\s+)?\d+\/\d+)\] (.*)$/.exec(line);
    if (m) names.set(m[1]!, `[${m[2]}] ${m[3]}`);
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cached.add(c[1]!);
  }
  const ids = [...names.keys()];
  return { steps: ids.length, cached: ids.filter((id) => cached.has(id)).length, uncached: ids.filter((id) => !cached.has(id)).map((id) => names.get(id)!) };
}

let work: string;
let context: string;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-collision-'));
  context = path.join(work, 'ctx');
  fs.mkdirSync(context);
  fs.writeFileSync(path.join(context, 'Dockerfile'), dockerfile());
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function configFor(ref: string, armOnly: string): Config {
  const inputs: Record<string, string> = {
    context,
    platforms: 'linux/amd64,linux/arm64',
    'build-args': `ARM_ONLY=${armOnly}`,
    'build-contexts': BUSYBOX,
    network: 'host',
    'cache-from': `type=registry,ref=${ref}`,
    'cache-to': `type=registry,ref=${ref},mode=max`,
    'cross-compile': 'off'
  };
  return resolveConfig((name) => inputs[name] ?? '', { workspace: work, tempDir: work, onSecret: () => undefined, onWarning: () => undefined });
}

function planFor(config: Config): PlatformPlan[] {
  return decide({
    dockerfileText: fs.readFileSync(config.file, 'utf8'),
    dockerfilePath: config.file,
    contextDir: config.context,
    platforms: config.platforms,
    buildArgs: { ARM_ONLY: config.buildArgs[0]!.split('=')[1]! },
    nativePlatforms: [hostPlatform()],
    crossCompile: 'off',
    image: config.imageName,
    cacheScopePrefix: config.cacheScopePrefix || undefined
  }).platforms;
}

/** Legs for `only` (all when absent), as the pipeline builds them; `rewrite` edits the argv (the control). */
async function build(config: Config, only: string[] | undefined, round: string, rewrite: (args: string[]) => string[] = (a) => a): Promise<Record<string, LegOutput>> {
  const runs: LegRun[] = planFor(config)
    .filter((p) => !only || only.includes(p.platform))
    .map((p) => {
      const slug = `${round}-${p.platform.replace(/\//g, '-')}`;
      const leg = { platform: p, outDir: path.join(work, 'legs', slug), metadataFile: path.join(work, 'legs', `${slug}.json`) };
      return { leg, args: rewrite(buildLegArgs({ config, platform: p, builder: 'default', dockerfile: config.file, outDir: leg.outDir, metadataFile: leg.metadataFile, secretFiles: {} })) };
    });
  const outs = await runLegs(runs);
  const byPlatform: Record<string, LegOutput> = {};
  for (const o of outs) {
    if (!o.built.ok) throw new Error(`leg ${o.built.platform.platform} failed: ${o.built.error}\n${o.log.slice(-3000)}`);
    byPlatform[o.built.platform.platform] = o;
  }
  return byPlatform;
}

async function pruneBuildCache(): Promise<void> {
  const res = await exec('docker', ['buildx', 'prune', '--builder', 'default', '--all', '--force']);
  if (res.code !== 0) throw new Error(`prune failed: ${res.stderr}`);
}

/** Build both, change arm64 only, prune, rebuild amd64: how much of amd64 came back from its cache. */
async function scenario(ref: string, rewrite?: (args: string[]) => string[]): Promise<{ first: Record<string, LegOutput>; armChanged: LegOutput; amd64: ReturnType<typeof dockerfileSteps> }> {
  const first = await build(configFor(ref, '1'), undefined, `${ref.split(':').pop()}-1`, rewrite);
  const armChanged = (await build(configFor(ref, '2'), ['linux/arm64'], `${ref.split(':').pop()}-2`, rewrite))['linux/arm64']!;
  await pruneBuildCache();
  const amd = (await build(configFor(ref, '2'), ['linux/amd64'], `${ref.split(':').pop()}-3`, rewrite))['linux/amd64']!;
  return { first, armChanged, amd64: dockerfileSteps(amd.log) };
}

describe('per-platform registry caches', () => {
  const tag = uniqueTag('cc');
  const ref = `${REGISTRY}/${REPO}:${tag}`;
  let result: Awaited<ReturnType<typeof scenario>>;

  beforeAll(async () => {
    result = await scenario(ref);
  }, 900_000);

  test('buildLegArgs gives each leg its own ref', () => {
    expect(Object.keys(result.first).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const cfg = configFor(ref, '1');
    const [amd, arm] = planFor(cfg);
    const argv = (p: PlatformPlan) => buildLegArgs({ config: cfg, platform: p, builder: 'default', dockerfile: cfg.file, outDir: '/o', metadataFile: '/m', secretFiles: {} });
    expect(argv(amd!)).toEqual(expect.arrayContaining(['--cache-to', `type=registry,ref=${ref}-linux-amd64,mode=max`, '--cache-from', `type=registry,ref=${ref}-linux-amd64`]));
    expect(argv(arm!)).toEqual(expect.arrayContaining(['--cache-to', `type=registry,ref=${ref}-linux-arm64,mode=max`, '--cache-from', `type=registry,ref=${ref}-linux-arm64`]));
  });

  test('the registry holds one cache per platform and none under the shared ref', async () => {
    expect(await registryManifest(REPO, `${tag}-linux-amd64`)).toBeDefined();
    expect(await registryManifest(REPO, `${tag}-linux-arm64`)).toBeDefined();
    expect(await registryManifest(REPO, tag)).toBeUndefined();
  });

  test('the change reached the arm64 leg only', () => {
    const arm = dockerfileSteps(result.armChanged.log);
    expect(arm.uncached).toEqual(expect.arrayContaining(['[leg-arm64 1/1] RUN echo "arm64 2" > /leg']));
    // base is shared by both legs and unchanged: it comes from the (still warm) local cache.
    expect(arm.uncached.filter((s) => s.startsWith('[base'))).toEqual([]);
  });

  test('after a prune, amd64 rebuilds at least 95% from its own registry cache', () => {
    const { steps, cached, uncached } = result.amd64;
    process.stderr.write(`cache-collision: amd64 after prune: ${cached}/${steps} Dockerfile steps CACHED (per-platform refs)\n`);
    expect(steps).toBe(STEPS * 2 + 1);
    expect({ ratio: cached / steps >= 0.95, cached, steps, uncached }).toEqual({ ratio: true, cached, steps, uncached });
  });
});

describe('control: one shared ref for both legs', () => {
  const tag = uniqueTag('cc-shared');
  const shared = `${REGISTRY}/${REPO}:${tag}`;
  let result: Awaited<ReturnType<typeof scenario>>;

  beforeAll(async () => {
    // Undo the per-platform ref, as if every leg got the user's spec verbatim.
    const unsuffix = (args: string[]) => args.map((a) => a.replace(new RegExp(`ref=${shared.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}-linux-(amd64|arm64)`), `ref=${shared}`));
    result = await scenario(shared, unsuffix);
  }, 900_000);

  test('arm64 exporting last overwrites amd64 cache: most amd64 steps rebuild', () => {
    const { steps, cached } = result.amd64;
    process.stderr.write(`cache-collision: amd64 after prune: ${cached}/${steps} Dockerfile steps CACHED (one shared ref)\n`);
    expect(steps).toBe(STEPS * 2 + 1);
    expect(cached / steps).toBeLessThan(0.5);
  });

  test('every leg exported to the one shared ref', async () => {
    expect(await registryManifest(REPO, tag)).toBeDefined();
    expect(await registryManifest(REPO, `${tag}-linux-amd64`)).toBeUndefined();
    expect(await registryManifest(REPO, `${tag}-linux-arm64`)).toBeUndefined();
  });
});

/**
 * The ACTIONS_* variables reach buildx, and buildx hands them to the docker driver's BuildKit:
 * legs run `docker` with this process's environment (src/build/legs.ts spreads process.env), and
 * buildx 0.13 turns ACTIONS_RUNTIME_TOKEN / ACTIONS_CACHE_URL into the gha cache's token and url.
 * A loopback stand-in for the (v1) cache service records what BuildKit asks: a miss for every
 * lookup and a refusal for every save, which ignore-error=true keeps from failing the leg.
 */
describe('gha cache credentials travel through the environment, not argv', () => {
  // BuildKit reads the token's claims (unverified) for the cache scopes it may use: it has to be
  // JWT-shaped, or the exporter fails to configure (and ignore-error does not cover that).
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]), nbf: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 3600, nonce: Math.random().toString(36).slice(2) };
  const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.not-a-signature`;
  const seen: { method: string; url: string; auth: string }[] = [];
  let server: http.Server;
  let out: LegOutput;
  let argv: string[];
  const saved = { ...process.env };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '' });
      req.resume();
      res.statusCode = req.method === 'GET' ? 204 : 400;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_')) delete process.env[k];
    // The v1 protocol is what buildx 0.13 speaks: this block runs on the stack's Docker 26 engine.
    Object.assign(process.env, engineEnv('docker26-containerd'), { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_CACHE_URL: `http://127.0.0.1:${port}/` });
    const inputs: Record<string, string> = { context, platforms: 'linux/amd64', 'build-args': 'ARM_ONLY=gha', 'build-contexts': BUSYBOX, network: 'host', 'cache-from': 'type=gha', 'cache-to': 'type=gha,mode=max', 'cache-scope-prefix': 'e2e-' };
    const config = resolveConfig((name) => inputs[name] ?? '', { workspace: work, tempDir: work, onSecret: () => undefined, onWarning: () => undefined });
    const [p] = planFor(config);
    const leg = { platform: p!, outDir: path.join(work, 'legs', 'gha'), metadataFile: path.join(work, 'legs', 'gha.json') };
    argv = buildLegArgs({ config, platform: p!, builder: 'default', dockerfile: config.file, outDir: leg.outDir, metadataFile: leg.metadataFile, secretFiles: {} });
    // No env argument: the leg gets process.env, as in the action.
    [out] = (await runLegs([{ leg, args: argv }])) as [LegOutput];
  }, 300_000);

  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('argv carries the per-platform scope and ignore-error, never the token or the URL', () => {
    expect(argv).toEqual(expect.arrayContaining(['--cache-from', 'type=gha,scope=e2e-ctx-linux-amd64', '--cache-to', 'type=gha,mode=max,scope=e2e-ctx-linux-amd64,ignore-error=true']));
    expect(argv.join(' ')).not.toContain(token);
    expect(argv.join(' ')).not.toContain('127.0.0.1');
  });

  test('BuildKit asked the cache service with the token, for that scope', () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.auth === `Bearer ${token}`)).toBe(true);
    // v1 protocol (BuildKit 0.13): the index key is `index-<scope>-…`.
    expect(seen.some((r) => r.method === 'GET' && r.url.includes('keys=index-e2e-ctx-linux-amd64-'))).toBe(true);
  });

  test('the leg built although the cache service refused every save', () => {
    expect({ ok: out.built.ok, error: out.built.error }).toEqual({ ok: true, error: undefined });
    expect(out.log).not.toContain(token);
  });
});

test('on Docker 26 with buildx 0.13 (containerd store) the warnings say a gha cache would be lost, and why', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, engineEnv('docker26-containerd'));
  try {
    await expectV1Warnings();
  } finally {
    process.env = saved;
  }
});

test('on Docker 28.5 with buildx 0.29 (containerd store) a gha cache with a token and the results URL draws no warning', async () => {
  const facts = await probeCacheFacts('default', 'docker');
  expect(facts).toEqual({ buildkitVersions: [], dockerVersion: expect.stringMatching(/^28\./), containerdStore: true });
  const warnings = resolveCacheWarnings({
    cacheFrom: ['type=gha'],
    cacheTo: ['type=gha,mode=max'],
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' },
    buildxVersion: await buildxVersion(),
    driver: 'docker',
    platforms: ['linux/amd64', 'linux/arm64'],
    ...facts
  });
  expect(warnings).toEqual([]);
});

test('on Docker 28.5 with the classic store the warnings name gha and registry cache exports as dropped', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, engineEnv('docker28-classic'));
  try {
    const facts = await probeCacheFacts('default', 'docker');
    expect(facts).toEqual({ buildkitVersions: [], dockerVersion: expect.stringMatching(/^28\./), containerdStore: false });
    const warnings = resolveCacheWarnings({ cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max', 'type=registry,ref=r/c'], env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' }, buildxVersion: await buildxVersion(), driver: 'docker', platforms: ['linux/amd64'], ...facts });
    expect(warnings).toEqual([expect.stringMatching(/cannot export caches .*: cache-to type=gha,mode=max; cache-to type=registry,ref=r\/c dropped/)]);
  } finally {
    process.env = saved;
  }
});

async function expectV1Warnings(): Promise<void> {
  const facts = await probeCacheFacts('default', 'docker');
  expect(facts).toEqual({ buildkitVersions: [], dockerVersion: expect.stringMatching(/^26\./), containerdStore: true });
  const version = await buildxVersion();
  const warnings = resolveCacheWarnings({
    cacheFrom: ['type=gha'],
    cacheTo: ['type=gha,mode=max'],
    env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://127.0.0.1:9/', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' },
    buildxVersion: version,
    driver: 'docker',
    platforms: ['linux/amd64', 'linux/arm64'],
    ...facts
  });
  expect(warnings).toEqual([expect.stringMatching(/^buildx 0\.13\.1 speaks only the retired GitHub cache service v1/), expect.stringMatching(/^Docker Engine 26\.\d+\.\d+ \(its built-in BuildKit\) speaks only/)]);
}

