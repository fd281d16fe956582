/**
 * The reusable workflow's jobs as GitHub runs them: prepare (mode plan), one leg per matrix entry
 * (mode leg) and merge (mode merge), each a separate process of the bundled dist/index.js with
 * its own RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STATE and summary, then its post step. Nothing is
 * shared but what GitHub carries between jobs: the matrix output (JSON), and the leg records as
 * artifacts, through the real @actions/artifact client and a stand-in of GitHub's results
 * service backed by Azurite. The registry is the stack's, on loopback.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, REGISTRY, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

let results: ResultsService;
const RUN_ID = String(4_000_000 + Math.floor(Math.random() * 1_000_000));
const PLATFORMS = 'linux/amd64,linux/arm64';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  results = await startResultsService();
}, 120_000);
afterAll(async () => {
  await results?.stop();
});

/** One job of the run: the runtime token and results URL every job step gets, and the run's id. */
function job(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, ...inputs }, { ...results.env, GITHUB_RUN_ID: RUN_ID, GITHUB_RUN_ATTEMPT: '1' });
}

function errorsOf(step: ActionRun['main']): string[] {
  return step.stdout.split('\n').filter((l) => l.startsWith('::error'));
}

/** The matrix as `strategy.matrix: ${{ fromJSON(needs.prepare.outputs.matrix) }}` expands it. */
function matrixOf(prepare: ActionRun): { platform: string; runner: string | string[] }[] {
  return (JSON.parse(prepare.main.outputs.matrix!) as { include: { platform: string; runner: string | string[] }[] }).include;
}

describe('prepare → one leg per platform → merge', () => {
  const repo = 'e2e/modes';
  const tag = uniqueTag('ok');
  const ref = `${REGISTRY}/${repo}:${tag}`;
  let prepare: ActionRun;
  let legs: ActionRun[];
  let merge: ActionRun;

  beforeAll(async () => {
    prepare = await job({ mode: 'plan', context: 'examples/go-cross', platforms: PLATFORMS, tags: ref });
    // The matrix jobs run at the same time, as on GitHub.
    legs = await Promise.all(matrixOf(prepare).map((entry) => job({ mode: 'leg', context: 'examples/go-cross', platforms: entry.platform, push: 'true', tags: ref })));
    merge = await job({ mode: 'merge', context: 'examples/go-cross', platforms: PLATFORMS, push: 'true', tags: ref });
  }, 1_200_000);

  test('prepare plans without building and outputs the matrix and the plan', () => {
    expect({ code: prepare.main.code, errors: errorsOf(prepare.main) }).toEqual({ code: 0, errors: [] });
    expect(JSON.parse(prepare.main.outputs.matrix!)).toEqual({
      include: [
        { platform: 'linux/amd64', runner: 'ubuntu-24.04' },
        { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' }
      ]
    });
    const plan = JSON.parse(prepare.main.outputs.plan!);
    expect(plan.platforms.map((p: { platform: string; strategy: string }) => [p.platform, p.strategy])).toEqual([['linux/amd64', 'native'], ['linux/arm64', 'native']]);
    expect(prepare.main.stdout).not.toContain('buildx');
    expect(prepare.main.summary).toContain('ubuntu-24.04-arm');
    expect(prepare.post.code).toBe(0);
  });

  test('each leg builds its one platform, pushes it by digest and hands off its record', async () => {
    expect(legs.map((l) => ({ code: l.main.code, errors: errorsOf(l.main) }))).toEqual([{ code: 0, errors: [] }, { code: 0, errors: [] }]);
    for (const [i, platform] of ['linux/amd64', 'linux/arm64'].entries()) {
      const leg = legs[i]!;
      const [built] = JSON.parse(leg.main.outputs.platforms!) as { platform: string; digest: string; built: boolean }[];
      expect(built).toEqual(expect.objectContaining({ platform, built: true }));
      expect(leg.main.outputs.digest).toBe(built!.digest);
      const manifest = await registryManifest(repo, built!.digest);
      expect(manifest?.body.config.digest).toMatch(/^sha256:/);
      expect(leg.main.stdout).toContain(`multiarch-localhost-5000-${repo.replace('/', '-')}-${tag}-${platform.replace('/', '-')}-attempt1`);
      expect(leg.post.code).toBe(0);
    }
    // The amd64 host builds arm64 as the plan decides here (cross: the Dockerfile pins its build stage).
    expect(JSON.parse(legs[1]!.main.outputs.plan!).platforms[0].strategy).toBe('cross');
    const names = results.artifacts.filter((a) => a.finalized && a.name.includes(tag)).map((a) => a.name).sort();
    expect(names).toHaveLength(2);
    // Each job had its own runner temp, output and state files.
    expect(new Set([prepare, ...legs, merge].map((r) => r.runnerTemp)).size).toBe(4);
  });

  test('merge composes the index of both platforms, verifies it and moves the tag', async () => {
    expect({ code: merge.main.code, errors: errorsOf(merge.main) }).toEqual({ code: 0, errors: [] });
    const index = await registryManifest(repo, tag);
    expect(index).toBeDefined();
    expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(merge.main.outputs.digest).toBe(index!.digest);
    const platforms = JSON.parse(merge.main.outputs.platforms!) as { platform: string; digest: string; verified: boolean; checks: { name: string; ok: boolean }[] }[];
    expect(platforms.map((p) => [p.platform, p.verified])).toEqual([['linux/amd64', true], ['linux/arm64', true]]);
    // The index lists exactly the manifests the legs pushed.
    const legDigests = legs.map((l) => l.main.outputs.digest);
    expect(platforms.map((p) => p.digest)).toEqual(legDigests);
    for (const p of platforms) expect(p.checks.filter((c) => !c.ok)).toEqual([]);
    expect(merge.main.summary).toContain(index!.digest);
    expect(merge.main.summary).toContain('`linux/arm64`');
    expect(merge.post.code).toBe(0);
  });
});

describe('merge refuses to tag', () => {
  let context: string;
  beforeAll(() => {
    // Quick to build; under QEMU, arm64's `uname -m` is aarch64 and that leg fails.
    context = fs.mkdtempSync(path.join(process.cwd(), '.tmp-modes-'));
    fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox:1.35\nRUN if [ "$(uname -m)" = aarch64 ]; then echo "no arm64 build here" >&2; exit 3; fi\n');
  });
  afterAll(() => fs.rmSync(context, { recursive: true, force: true }));

  test('when a leg never ran: it names the missing platform and moves no tag', async () => {
    const tag = uniqueTag('missing');
    const ref = `${REGISTRY}/e2e/modes:${tag}`;
    const amd64 = await job({ mode: 'leg', context: 'examples/go-cross', platforms: 'linux/amd64', push: 'true', tags: ref });
    expect(amd64.main.code).toBe(0);
    const merge = await job({ mode: 'merge', context: 'examples/go-cross', platforms: PLATFORMS, push: 'true', tags: ref });
    expect(merge.main.code).not.toBe(0);
    expect(errorsOf(merge.main)).toEqual([expect.stringMatching(/^::error::leg linux\/arm64 missing: no leg record was handed off .*; no tag moved$/)]);
    expect(merge.main.summary).toContain('Failed');
    expect(merge.main.summary).toContain('Tags (not moved)');
    expect(await registryManifest('e2e/modes', tag)).toBeUndefined();
    expect(merge.post.code).toBe(0);
  }, 600_000);

  test('when a leg failed: the leg fails after handing off its record, and merge names it with its error', async () => {
    const tag = uniqueTag('failed');
    const ref = `${REGISTRY}/e2e/modes:${tag}`;
    const rel = path.relative(process.cwd(), context);
    const [amd64, arm64] = await Promise.all(['linux/amd64', 'linux/arm64'].map((p) => job({ mode: 'leg', context: rel, platforms: p, push: 'true', tags: ref })));
    expect(amd64!.main.code).toBe(0);
    expect(arm64!.main.code).not.toBe(0);
    expect(errorsOf(arm64!.main)).toEqual([expect.stringMatching(/^::error::leg linux\/arm64 failed: /)]);
    const record = results.artifacts.find((a) => a.finalized && a.name.endsWith(`${tag}-linux-arm64-attempt1`));
    expect(record).toBeDefined();

    const merge = await job({ mode: 'merge', context: rel, platforms: PLATFORMS, push: 'true', tags: ref });
    expect(merge.main.code).not.toBe(0);
    expect(errorsOf(merge.main)).toEqual([expect.stringMatching(/^::error::leg linux\/arm64 failed: .*; no tag moved$/)]);
    // The failed leg's log travelled in its record, into merge's summary.
    expect(merge.main.summary).toContain('no arm64 build here');
    expect(await registryManifest('e2e/modes', tag)).toBeUndefined();
  }, 600_000);
});

test('a leg given two platforms fails on the input before building anything', async () => {
  const run = await job({ mode: 'leg', context: 'examples/go-cross', platforms: PLATFORMS, push: 'true', tags: `${REGISTRY}/e2e/modes:${uniqueTag('two')}` });
  expect(run.main.code).not.toBe(0);
  expect(errorsOf(run.main)).toEqual(['::error::Input "platforms": mode leg builds exactly one platform, got linux/amd64, linux/arm64 (expected one, e.g. platforms: ${{ matrix.platform }})']);
  expect(run.main.stdout).not.toContain('buildx build');
});
