/**
 * `go install`, cross-compiled, writes to $GOPATH/bin/<os>_<arch>/ (and fails with GOBIN set),
 * so the rewrite clears GOBIN for it and moves the binaries to where a native install puts them:
 * the COPY that follows finds the target's binary, and the image runs as the target. The same
 * program built with `go build -o` is rewritten too. Both ways run through the bundled action on
 * the real stack (rewrite-reach.e2e.test.ts compares the go install image with the emulated one).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, ROOT, docker, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const REPO = 'e2e/go-install';
let work: string;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  work = fs.mkdtempSync(path.join(ROOT, '.tmp-go-install-'));
  for (const [name, build] of [
    ['install', 'RUN go install .\n\nFROM busybox:1.35\nCOPY --from=build /go/bin/hello /usr/local/bin/hello'],
    ['build', 'RUN go build -o /go/bin/hello .\n\nFROM busybox:1.35\nCOPY --from=build /go/bin/hello /usr/local/bin/hello']
  ] as const) {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.19\n');
    fs.writeFileSync(path.join(dir, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\nfunc main() { fmt.Println("hello from", runtime.GOOS+"/"+runtime.GOARCH) }\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM golang:1.19 AS build\nWORKDIR /src\nCOPY go.mod main.go ./\n${build}\nENTRYPOINT ["/usr/local/bin/hello"]\n`);
  }
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function arm64Of(run: ActionRun): { strategy: string; rewrite: unknown; reasons: string[] } {
  return JSON.parse(run.main.outputs.plan!).platforms.find((p: { platform: string }) => p.platform === 'linux/arm64');
}

test.each([
  ['install', 'cross', 'go'],
  ['build', 'cross', 'go']
] as const)('go %s: arm64 is %s, and the image runs as arm64', async (name, strategy, rewrite) => {
  const tag = uniqueTag(name);
  const ref = `${REGISTRY}/${REPO}:${tag}`;
  const run = await runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, context: path.relative(ROOT, path.join(work, name)), platforms: 'linux/amd64,linux/arm64', push: 'true', tags: ref });
  expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
  const arm64 = arm64Of(run);
  expect(arm64.strategy).toBe(strategy);
  expect((arm64.rewrite as { kind?: string } | null)?.kind ?? null).toBe(rewrite);
  expect(run.main.stdout).not.toMatch(/cross-compile rewrite failed/);
  expect(indexPlatforms((await registryManifest(REPO, tag))!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  expect(docker(['run', '--rm', '--network', 'host', '--pull', 'always', '--platform', 'linux/arm64', ref])).toMatch(/hello from linux\/arm64/);
}, 900_000);
