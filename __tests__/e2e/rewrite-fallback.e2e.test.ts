/**
 * A rewrite never turns a green build red. The fixture's Dockerfile builds as written on every
 * platform, but its cross-compile rewrite fails for linux/arm64 (see the fixture's comment). With
 * `cross-compile: auto` the arm64 leg is rebuilt once as written, under QEMU, and the run says so
 * everywhere; with `strict` the run fails and no tag moves.
 */
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, ROOT, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const CONTEXT = path.relative(ROOT, path.join(ROOT, '__tests__', 'e2e', 'fixtures', 'rewrite-fallback'));
const REPO = 'e2e/rewrite-fallback';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

function run(crossCompile: string, tag: string): Promise<ActionRun> {
  return runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, context: CONTEXT, platforms: 'linux/amd64,linux/arm64', push: 'true', tags: `${REGISTRY}/${REPO}:${tag}`, 'cross-compile': crossCompile });
}

describe('cross-compile: auto', () => {
  const tag = uniqueTag('auto');
  let r: ActionRun;
  beforeAll(async () => {
    r = await run('auto', tag);
  }, 900_000);

  test('the run succeeds, and the index holds both platforms, verified', async () => {
    expect({ code: r.main.code, errors: r.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    expect(indexPlatforms((await registryManifest(REPO, tag))!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect((JSON.parse(r.main.outputs.platforms!) as { verified: boolean }[]).map((p) => p.verified)).toEqual([true, true]);
  });

  test('a warning quotes the rewrite\'s error', () => {
    const warnings = r.main.stdout.split('\n').filter((l) => l.startsWith('::warning') && l.includes('cross-compile rewrite failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/linux\/arm64: the cross-compile rewrite failed \(.*undefined: greeting.*\); rebuilding that leg once from .*Dockerfile as written, under QEMU/);
  });

  test('the plan output keeps both outcomes', () => {
    const plan = JSON.parse(r.main.outputs.plan!);
    const arm64 = plan.platforms.find((p: { platform: string }) => p.platform === 'linux/arm64');
    expect(arm64).toMatchObject({ strategy: 'emulated', rewrite: null, fallback: { rewrite: { kind: 'go' } } });
    expect(arm64.fallback.error).toMatch(/undefined: greeting/);
    expect(arm64.emulatedSteps.length).toBeGreaterThan(0);
    expect(plan.platforms.find((p: { platform: string }) => p.platform === 'linux/amd64')).toMatchObject({ strategy: 'native', fallback: null });
  });

  test('the summary marks the leg "rewrite fell back"', () => {
    expect(r.main.summary).toMatch(/\| `linux\/arm64` \| emulated \(rewrite fell back\) \|/);
    expect(r.main.summary).toContain('Cross-compile rewrite for linux/arm64 fell back');
  });
});

test('cross-compile: strict fails the run on the rewrite\'s error and moves no tag', async () => {
  const tag = uniqueTag('strict');
  const r = await run('strict', tag);
  expect(r.main.code).not.toBe(0);
  expect(r.main.stdout.split('\n').filter((l) => l.startsWith('::error'))).toEqual([expect.stringMatching(/leg linux\/arm64 failed: the cross-compile rewrite failed and cross-compile is strict: .*undefined: greeting/)]);
  expect(await registryManifest(REPO, tag)).toBeUndefined();
}, 900_000);
