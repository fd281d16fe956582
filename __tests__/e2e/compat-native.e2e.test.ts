/**
 * linux/386 on this x86-64 machine is native: the kernel runs i386 code itself (no qemu-i386
 * handler exists here, and none may be installed for it). An image whose RUN executes in linux/386
 * (exec form: the image has no shell, only a static i386 program) is planned native, built with no
 * QEMU, smoke-tested, pushed and verified, on the hosted runner's classic store and the containerd
 * store. Before, linux/386 was planned emulated and the run asked for a qemu-i386 handler.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exitZeroElf } from '../../src/setup/compat-probe.js';
import { readBinfmt } from '../../src/setup/qemu.js';
import { engineEnv, requireEngine, type EngineName } from '../stack/engines.js';
import { REGISTRY, indexPlatforms, registryManifest, requireRegistry, runAction, uniqueTag, type ActionRun } from './harness.js';

const DOCKERFILE = ['FROM scratch', 'COPY probe /probe', 'RUN ["/probe"]', 'ENTRYPOINT ["/probe"]', ''].join('\n');

describe.each(['docker28-classic', 'docker28-containerd'] as EngineName[])('linux/386 on %s', (engine) => {
  const repo = `e2e-compat-${engine}`;
  const tag = uniqueTag('i386');
  let dir: string;
  let run: ActionRun;

  beforeAll(async () => {
    requireEngine(engine);
    await requireRegistry();
    expect(readBinfmt().filter((h) => h.endsWith('i386'))).toEqual([]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-compat-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
    fs.writeFileSync(path.join(dir, 'probe'), exitZeroElf('386'), { mode: 0o755 });
    run = await runAction(
      { platforms: 'linux/386', network: 'host', context: dir, push: 'true', tags: `${REGISTRY}/${repo}:${tag}`, 'smoke-test': '--version' },
      { ...engineEnv(engine), GITHUB_RUN_ID: tag }
    );
  }, 600_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the plan says native, and why', () => {
    expect(run.main.code).toBe(0);
    const plan = JSON.parse(run.main.outputs.plan!) as { platforms: { platform: string; strategy: string; reasons: string[] }[]; qemu: string[] };
    expect(plan.platforms).toEqual([expect.objectContaining({ platform: 'linux/386', strategy: 'native' })]);
    expect(plan.platforms[0]!.reasons.join('\n')).toContain('linux/386 is native on this builder: its linux/amd64 CPU runs 386 code directly');
    expect(plan.qemu).toEqual([]);
  });

  test('no QEMU handler is asked for or installed, and the build RUN ran', () => {
    expect(run.main.stdout).not.toMatch(/installing handlers/);
    expect(run.main.stdout).toContain('no platform needs QEMU');
    expect(readBinfmt().filter((h) => h.endsWith('i386'))).toEqual([]);
  });

  test('the pushed image is linux/386, verified and smoke-tested', async () => {
    const index = await registryManifest(repo, tag);
    expect(index).toBeDefined();
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; verified: boolean; checks: { name: string; ok: boolean }[] }[];
    expect(platforms).toEqual([expect.objectContaining({ platform: 'linux/386', verified: true })]);
    expect(platforms[0]!.checks.find((c) => c.name === 'smoke')).toMatchObject({ ok: true });
    expect(indexPlatforms(index!.body)).toEqual(['linux/386']);
  });
});
