/**
 * Verify before tag on the real stack: a broken arm64 leg (an amd64 binary inside) is caught
 * before any tag moves, and the tag keeps its previous digest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, registryManifest, requireRegistry, requireStack, runAction, uniqueTag } from './harness.js';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

const common = { network: 'host', 'build-contexts': BASE_CONTEXTS, platforms: 'linux/amd64,linux/arm64', push: 'true' };
const repo = 'e2e/verify';

/** The cross example with GOARCH hardcoded: every leg ships an x86-64 binary. */
function brokenContext(): string {
  const dir = fs.mkdtempSync(path.join(process.cwd(), '.tmp-goarch-'));
  for (const f of ['main.go', 'go.mod']) fs.copyFileSync(path.join('examples/go-cross', f), path.join(dir, f));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    ['FROM --platform=$BUILDPLATFORM golang:1.19 AS build', 'WORKDIR /src', 'COPY go.mod main.go ./', 'RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/hello .', 'FROM busybox:1.35', 'COPY --from=build /out/hello /usr/local/bin/hello', 'ENTRYPOINT ["/usr/local/bin/hello"]', ''].join('\n')
  );
  return dir;
}

describe('a hardcoded GOARCH=amd64 in the arm64 leg', () => {
  const tag = uniqueTag('goarch');
  let broken: string;
  let previous: string;

  beforeAll(async () => {
    const good = await runAction({ ...common, context: 'examples/go-cross', tags: `${REGISTRY}/${repo}:${tag}` });
    expect(good.main.code).toBe(0);
    previous = (await registryManifest(repo, tag))!.digest;
    broken = brokenContext();
  }, 600_000);
  afterAll(() => fs.rmSync(broken, { recursive: true, force: true }));

  test('strict: the step fails on the exact check and the tag keeps its previous digest', async () => {
    const run = await runAction({ ...common, context: path.relative(process.cwd(), broken), tags: `${REGISTRY}/${repo}:${tag}` });
    expect(run.main.code).not.toBe(0);
    const error = run.main.stdout.split('\n').find((l) => l.startsWith('::error::'));
    expect(error).toMatch(/verification failed for linux\/arm64: entrypoint-arch: expected arm64 \(ELF64 LE, AArch64\), got amd64 \(ELF64 LE, x86-64\); no tag moved/);
    expect((await registryManifest(repo, tag))!.digest).toBe(previous);
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; verified: boolean; checks: { name: string; ok: boolean }[] }[];
    expect(platforms.map((p) => [p.platform, p.verified])).toEqual([['linux/amd64', true], ['linux/arm64', false]]);
    expect(run.main.summary).toContain('Failed checks for linux/arm64');
    expect(run.main.summary).toContain('Tags (not moved)');
  }, 600_000);

  test('warn: tags move anyway, and the run says so loudly', async () => {
    const run = await runAction({ ...common, context: path.relative(process.cwd(), broken), tags: `${REGISTRY}/${repo}:${tag}`, verify: 'warn' });
    expect(run.main.code).toBe(0);
    expect(run.main.stdout).toMatch(/::warning::verification failed but verify is "warn": tags moved anyway/);
    const now = (await registryManifest(repo, tag))!.digest;
    expect(now).not.toBe(previous);
    expect(now).toBe(run.main.outputs.digest);
  }, 600_000);
});

test('the emulated Go example under cross-compile: auto builds arm64 as cross, and the binary runs', async () => {
  const tag = uniqueTag('rewrite');
  // no-cache: the RUN must really execute, so the log shows where it ran.
  const run = await runAction({ ...common, context: 'examples/go-emulated', tags: `${REGISTRY}/${repo}:${tag}`, 'no-cache': 'true' });
  expect(run.main.code).toBe(0);
  const plan = JSON.parse(run.main.outputs.plan!);
  const arm64 = plan.platforms.find((p: any) => p.platform === 'linux/arm64');
  expect(arm64.strategy).toBe('cross');
  expect(arm64.rewrite).toEqual(expect.objectContaining({ kind: 'go' }));
  expect(plan.qemu).toEqual([]);
  // The arm64 leg's compile ran from the rewritten file as a cross compile (GOARCH=arm64 on the
  // build platform), and the build stage is pinned to $BUILDPLATFORM.
  expect(run.main.stdout).toMatch(/\[build \d\/\d\] RUN CGO_ENABLED=0 GOOS=linux GOARCH=arm64 .*go build/);
  expect(run.main.stdout).toMatch(/load build definition from Dockerfile\.multiarch/);
  expect(run.main.summary).toContain('Cross-compile rewrite for linux/arm64');
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('docker', ['run', '--rm', '--network', 'host', '--pull', 'always', '--platform', 'linux/arm64', `${REGISTRY}/${repo}:${tag}`], { encoding: 'utf8' });
  expect(out).toContain('hello from linux/arm64');
}, 600_000);

test('cross-compile: off builds arm64 under QEMU, verifies it, and annotates the exact Dockerfile line', async () => {
  const tag = uniqueTag('emulated');
  const run = await runAction({ ...common, context: 'examples/go-emulated', tags: `${REGISTRY}/${repo}:${tag}`, 'cross-compile': 'off' });
  expect(run.main.code).toBe(0);
  const plan = JSON.parse(run.main.outputs.plan!);
  expect(plan.platforms.map((p: any) => [p.platform, p.strategy])).toEqual([['linux/amd64', 'native'], ['linux/arm64', 'emulated']]);
  expect(plan.qemu).toEqual(['linux/arm64']);
  const line = fs.readFileSync('examples/go-emulated/Dockerfile', 'utf8').split('\n').findIndex((l) => l.startsWith('RUN go build')) + 1;
  expect(run.main.stdout).toMatch(new RegExp(`::warning file=examples/go-emulated/Dockerfile,line=${line}::RUN go build`));
  const platforms = JSON.parse(run.main.outputs.platforms!);
  expect(platforms.every((p: any) => p.verified)).toBe(true);
}, 600_000);
