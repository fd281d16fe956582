/**
 * The smoke test cannot hang the job: an image whose entrypoint ignores SIGTERM and never exits,
 * built and smoke-tested by the action with `smoke-test-timeout: 5`, fails the step with a
 * "timed out" check, leaves no container behind, and ends soon after the timeout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_CONTEXTS, docker, requireRegistry, requireStack, runAction, uniqueTag } from './harness.js';
import { HANG_DOCKERFILE } from './hang-image.js';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

/** Containers from this run: the smoke image is loaded as multiarch-smoke/<run id>…:check. */
function containersOfRun(runId: string): string[] {
  return docker(['ps', '-a', '--format', '{{.ID}} {{.Image}} {{.Names}}'])
    .split('\n')
    .filter((l) => l.includes(`multiarch-smoke/${runId}`) || l.includes(`multiarch-smoke-${runId}`));
}

describe('smoke-test on an image that ignores SIGTERM', () => {
  const runId = uniqueTag('smokehang');
  let dir: string;
  let run: Awaited<ReturnType<typeof runAction>> | 'hung';
  let seconds: number;
  let leftover: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-hang-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), HANG_DOCKERFILE);
    const started = Date.now();
    // Bounded here so a hang fails the test instead of the whole suite.
    const deadline = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 240_000).unref());
    run = await Promise.race([
      runAction(
        { platforms: 'linux/amd64', network: 'host', 'build-contexts': BASE_CONTEXTS, context: dir, outputs: `type=oci,dest=${dir}-out`, 'smoke-test': '--version', 'smoke-test-timeout': '5' },
        { GITHUB_RUN_ID: runId }
      ),
      deadline
    ]);
    seconds = (Date.now() - started) / 1000;
    leftover = containersOfRun(runId);
  }, 300_000);
  afterAll(() => {
    for (const line of containersOfRun(runId)) docker(['rm', '-f', line.split(' ')[0]!]);
    for (const d of [dir, `${dir}-out`]) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the step fails on a "timed out" smoke check', () => {
    expect(run).not.toBe('hung');
    if (run === 'hung') return;
    expect(run.main.code).not.toBe(0);
    expect(run.main.stdout).toMatch(/::error::verification failed for linux\/amd64: smoke: expected exits within 5 s, got timed out/);
    const platforms = JSON.parse(run.main.outputs.platforms!) as { checks: { name: string; ok: boolean; actual?: string }[] }[];
    expect(platforms[0]!.checks.find((c) => c.name === 'smoke')).toMatchObject({ ok: false, actual: 'timed out' });
  });

  test('no container from the run is left', () => {
    expect(leftover).toEqual([]);
  });

  test('the whole step (plan, build, verify, smoke, post) ends soon after the timeout', () => {
    // Building this one-layer image and loading it take a few seconds; the smoke run 5 s at most.
    expect(seconds).toBeLessThan(5 + 60);
  });
});
