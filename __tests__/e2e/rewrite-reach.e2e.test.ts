/**
 * Rewrite reach, proven by builds on the stack through the bundled action. For each pattern the
 * same Dockerfile is built twice for linux/arm64: with `cross-compile: auto` (rewritten, the
 * compile on the amd64 build platform) and with `off` (as written). Both pass verification, and
 * their final filesystems hold the same set of paths.
 *
 * - build-only packages in a base stage shared by the build stage (apt-get is a stand-in, see
 *   __tests__/stack/apt-get-standin.sh: it installs an executable of the stage's architecture);
 * - `go install` of the image's binary, cross-compiled and moved to where a native install puts it.
 *
 * - a Node install and build stage whose output is JavaScript (fixtures/rewrite-node: `npm ci`
 *   of a local dependency, offline, and a build script writing dist/), the final stage taking
 *   only dist/; and, planned only, an app whose node_modules leaves with an `@esbuild/linux-*`
 *   package in its lockfile (fixtures/rewrite-node-addon), which stays emulated.
 *
 * And `GOARCH=$TARGETARCH` in a stage pinned to $BUILDPLATFORM that never declares the ARG: the
 * warning sits on the line, `auto` declares the ARG and the image passes, `off` ships an amd64
 * binary in the arm64 image and verification catches it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, ROOT, docker, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';
import { finalPaths } from './image-paths.js';

const REPO = 'e2e/rewrite-reach';
const MAIN_GO = 'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\nfunc main() { fmt.Println("hello from", runtime.GOOS+"/"+runtime.GOARCH) }\n';
let work: string;

const DOCKERFILES: Record<string, string> = {
  'base-packages': [
    'FROM golang:1.19 AS base',
    'COPY apt-get /usr/local/bin/apt-get',
    'RUN apt-get update && apt-get install -y file make',
    'WORKDIR /src',
    'COPY go.mod ./',
    'RUN go mod download',
    '',
    'FROM base AS build',
    'COPY main.go ./',
    'RUN CGO_ENABLED=0 go build -o /out/hello .',
    '',
    'FROM busybox:1.35',
    'COPY --from=build /out/hello /usr/local/bin/hello',
    'ENTRYPOINT ["/usr/local/bin/hello"]'
  ].join('\n'),
  'go-install': [
    'FROM golang:1.19 AS build',
    'WORKDIR /src',
    'COPY go.mod main.go ./',
    'RUN go install .',
    '',
    'FROM busybox:1.35',
    'COPY --from=build /go/bin/hello /usr/local/bin/hello',
    'ENTRYPOINT ["/usr/local/bin/hello"]'
  ].join('\n'),
  'missing-arg': [
    'FROM --platform=$BUILDPLATFORM golang:1.19 AS build',
    'WORKDIR /src',
    'COPY go.mod main.go ./',
    'RUN CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH go build -o /out/hello .',
    '',
    'FROM busybox:1.35',
    'COPY --from=build /out/hello /usr/local/bin/hello',
    'ENTRYPOINT ["/usr/local/bin/hello"]'
  ].join('\n')
};

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  work = fs.mkdtempSync(path.join(ROOT, '.tmp-rewrite-reach-'));
  for (const [name, dockerfile] of Object.entries(DOCKERFILES)) {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.19\n');
    fs.writeFileSync(path.join(dir, 'main.go'), MAIN_GO);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile + '\n');
    fs.copyFileSync(path.join(ROOT, '__tests__', 'stack', 'apt-get-standin.sh'), path.join(dir, 'apt-get'));
    fs.chmodSync(path.join(dir, 'apt-get'), 0o755);
  }
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Built {
  run: ActionRun;
  tag: string;
  arm64: { strategy: string; rewrite: { kind: string; line: number } | null; reasons: string[]; savings: Record<string, unknown> | null };
  verified: boolean;
}

async function build(name: string, crossCompile: 'auto' | 'off', context = path.relative(ROOT, path.join(work, name))): Promise<Built> {
  const tag = uniqueTag(`${name}-${crossCompile}`);
  const run = await runAction({
    network: 'host',
    'build-contexts': BASE_CONTEXTS,
    context,
    platforms: 'linux/arm64',
    push: 'true',
    tags: `${REGISTRY}/${REPO}:${tag}`,
    'cross-compile': crossCompile
  });
  const plan = JSON.parse(run.main.outputs.plan ?? '{"platforms":[]}');
  const platforms = JSON.parse(run.main.outputs.platforms ?? '[]') as { verified: boolean }[];
  return { run, tag, arm64: plan.platforms[0], verified: platforms[0]?.verified ?? false };
}

const errors = (r: ActionRun) => r.main.stdout.split('\n').filter((l) => l.startsWith('::error'));

describe.each([
  ['base-packages', 'stage base (Dockerfile:1) to $BUILDPLATFORM and set GOOS/GOARCH on its go build; cgo is off (CGO_ENABLED=0 at line 10); the packages it installs (file make) stay in the pinned stages: only /out/hello leaves them'],
  ['go-install', 'stage build (Dockerfile:1) to $BUILDPLATFORM and set GOOS/GOARCH on its go build']
])('%s', (name, reason) => {
  let auto: Built;
  let off: Built;
  beforeAll(async () => {
    auto = await build(name, 'auto');
    off = await build(name, 'off');
  }, 1_500_000);

  test('auto: rewritten to cross for linux/arm64, built, verified, no fallback', () => {
    expect({ code: auto.run.main.code, errors: errors(auto.run) }).toEqual({ code: 0, errors: [] });
    expect(auto.arm64.strategy).toBe('cross');
    expect(auto.arm64.rewrite).toEqual({ kind: 'go', line: 1 });
    expect(auto.arm64.reasons.join('\n')).toContain(reason);
    expect(auto.run.main.stdout).not.toMatch(/cross-compile rewrite failed/);
    expect(auto.verified).toBe(true);
  });

  test('off: the same file as written, emulated, verified', () => {
    expect({ code: off.run.main.code, errors: errors(off.run) }).toEqual({ code: 0, errors: [] });
    expect(off.arm64.strategy).toBe('emulated');
    expect(off.verified).toBe(true);
  });

  test('both images hold the same set of paths', async () => {
    const [a, b] = await Promise.all([finalPaths(REPO, auto.tag, 'linux/arm64'), finalPaths(REPO, off.tag, 'linux/arm64')]);
    expect(a).toContain('usr/local/bin/hello');
    expect(a).toEqual(b);
  });

  test('the summary shows the measured leg beside the estimate', () => {
    expect(auto.arm64.savings).toMatchObject({ built: 'cross', basis: 'measured ratio', ratio: 3.8 });
    expect(off.arm64.savings).toMatchObject({ built: 'emulated', basis: 'measured ratio', ratio: 3.8 });
    expect(auto.run.main.summary).toMatch(/\| `linux\/arm64` \| cross \(rewritten\) \| ~\d+(\.\d)? s \(estimate\) \| \d+(\.\d)? s \| ~\d+(\.\d)? s \| 3\.8× measured by this project/);
    expect(off.run.main.summary).toMatch(/\| `linux\/arm64` \| emulated \| \d+(\.\d)? s \| ~\d+(\.\d)? s \(estimate\) \| would save ~/);
  });
});

describe('missing-arg: GOARCH=$TARGETARCH in a pinned stage that never declares it', () => {
  let auto: Built;
  let off: Built;
  beforeAll(async () => {
    auto = await build('missing-arg', 'auto');
    off = await build('missing-arg', 'off');
  }, 1_500_000);

  test('both runs warn on line 4 with the fix', () => {
    for (const r of [auto, off]) {
      expect(r.run.main.stdout).toMatch(/::warning file=[^,]*Dockerfile,line=4[^:]*::.*uses \$TARGETARCH, but stage build \(line 1\) never declares it.*add `ARG TARGETARCH` right after line 1/);
    }
  });

  test('auto: the rewrite declares the ARG and the arm64 image passes', () => {
    expect({ code: auto.run.main.code, errors: errors(auto.run) }).toEqual({ code: 0, errors: [] });
    expect(auto.arm64.rewrite).toEqual({ kind: 'arg', line: 4 });
    expect(auto.verified).toBe(true);
  });

  test('off: the file as written ships an amd64 binary in the arm64 image, and verification says so', () => {
    expect(off.run.main.code).not.toBe(0);
    expect(off.verified).toBe(false);
    expect(off.run.main.summary).toMatch(/expected arm64 \(ELF64 LE, AArch64\), got amd64/);
  });
});

describe('node: an install and build stage whose output is JavaScript, only dist/ leaves', () => {
  const context = '__tests__/e2e/fixtures/rewrite-node';
  const reason = 'pinned stage build (Dockerfile:1) to $BUILDPLATFORM to install and build the JavaScript there; only build output (/app/dist) leaves the pinned stages, so the architecture of the installed dependencies does not matter';
  let auto: Built;
  let off: Built;
  beforeAll(async () => {
    auto = await build('node', 'auto', context);
    off = await build('node', 'off', context);
  }, 1_500_000);

  test('auto: the stage is pinned to the build platform, built, verified, no fallback', () => {
    expect({ code: auto.run.main.code, errors: errors(auto.run) }).toEqual({ code: 0, errors: [] });
    expect(auto.arm64.strategy).toBe('cross');
    expect(auto.arm64.rewrite).toEqual({ kind: 'node', line: 1 });
    expect(auto.arm64.reasons.join('\n')).toContain(reason);
    expect(auto.run.main.stdout).not.toMatch(/cross-compile rewrite failed/);
    expect(auto.verified).toBe(true);
  });

  test('the summary says the stage was pinned, and why', () => {
    expect(auto.run.main.summary).toContain('only build output (/app/dist) leaves the pinned stages');
  });

  test('off: the same file as written, the install under QEMU, verified', () => {
    expect({ code: off.run.main.code, errors: errors(off.run) }).toEqual({ code: 0, errors: [] });
    expect(off.arm64.strategy).toBe('emulated');
    expect(off.arm64.reasons.join('\n')).toContain('RUN npm ci --offline at Dockerfile:5 (stage build) executes in linux/arm64, so it runs under QEMU');
    expect(off.verified).toBe(true);
  });

  test('both images hold the same set of paths', async () => {
    const [a, b] = await Promise.all([finalPaths(REPO, auto.tag, 'linux/arm64'), finalPaths(REPO, off.tag, 'linux/arm64')]);
    expect(a).toEqual(expect.arrayContaining(['app/dist/server.js', 'app/dist/greeting.js', 'usr/bin/node']));
    expect(a.filter((p) => p.includes('node_modules/greeting'))).toEqual([]);
    expect(a).toEqual(b);
  });

  test('both images run the bundle on arm64', () => {
    for (const { tag } of [auto, off]) {
      expect(docker(['run', '--rm', '--platform', 'linux/arm64', `${REGISTRY}/${REPO}:${tag}`]).trim()).toBe('hello from linux/arm64');
    }
  }, 180_000);

  test('no measured ratio for Node yet: the plan says so rather than guess', () => {
    expect(auto.arm64.savings).toMatchObject({ built: 'cross', source: 'no measured ratio for node yet' });
    expect(off.arm64.savings).toMatchObject({ built: 'emulated', source: 'no measured ratio for node yet' });
    expect(auto.run.main.summary).toMatch(/\| `linux\/arm64` \| cross \(rewritten\) \| – \| \d+(\.\d)? s \| – \| no measured ratio for node yet \|/);
    expect(off.run.main.summary).toMatch(/\| `linux\/arm64` \| emulated \| \d+(\.\d)? s \| – \| – \| no measured ratio for node yet \|/);
  });
});

test('node: node_modules leaves and the lockfile names @esbuild/linux-arm64 (cpu field): the stage stays emulated, with the reason', () => {
  const res = spawnSync(process.execPath, ['bin/multiarch.js', 'plan', '__tests__/e2e/fixtures/rewrite-node-addon', '--platforms', 'linux/arm64', '--builder-platform', 'linux/amd64', '--json'], { encoding: 'utf8', timeout: 120_000 });
  expect({ code: res.status, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
  const arm64 = JSON.parse(res.stdout).platforms[0];
  expect(arm64).toMatchObject({ platform: 'linux/arm64', strategy: 'emulated', rewrite: null });
  expect(arm64.reasons).toContain(
    'did not rewrite stage build (Dockerfile:1) for cross-compiling: COPY --from=build /app/node_modules at line 10 may take node_modules, and @esbuild/linux-arm64 ships per-architecture binaries (cpu field in package-lock.json)'
  );
});
