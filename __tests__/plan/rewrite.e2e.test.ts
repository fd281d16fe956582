/**
 * The cross-compile rewrite against a real BuildKit: the rewritten Dockerfile must build, and the
 * binary it produces must be for the target (ELF machine, and GOARM=7 for linux/arm/v7), built on
 * the amd64 build platform without QEMU. Uses the stack's local golang:1.19 (scripts/stack.sh).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decide } from '../../src/plan/decide.js';
import { requireStack } from '../e2e/harness.js';

const DOCKERFILE = [
  'FROM golang:1.19 AS build',
  'WORKDIR /src',
  'COPY go.mod ./',
  'RUN go mod download',
  'COPY . .',
  'RUN go build -o /out/app ./cmd/app',
  'FROM scratch',
  'COPY --from=build /out/app /app',
  ''
].join('\n');

/** ELF e_machine values. */
const EM_ARM = 0x28;
const EM_AARCH64 = 0xb7;

let dir: string;

beforeAll(() => {
  requireStack();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-rewrite-e2e-'));
  fs.mkdirSync(path.join(dir, 'cmd/app'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
  fs.writeFileSync(path.join(dir, 'cmd/app/main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function build(dockerfile: string, platform: string): Buffer {
  const out = path.join(dir, `out-${platform.replace(/\//g, '-')}-${path.basename(dockerfile)}`);
  execFileSync(
    'docker',
    ['buildx', 'build', '--network', 'none', '--platform', platform, '--build-context', 'golang:1.19=docker-image://localhost:5000/library/golang:1.19', '-f', dockerfile, '-o', `type=local,dest=${out}`, dir],
    { stdio: 'pipe', timeout: 600_000 }
  );
  return fs.readFileSync(path.join(out, 'app'));
}

test('the rewritten Dockerfile cross-compiles linux/arm64 and linux/arm/v7', () => {
  const plan = decide({
    dockerfileText: DOCKERFILE,
    dockerfilePath: 'Dockerfile',
    contextDir: dir,
    platforms: ['linux/arm64', 'linux/arm/v7'],
    buildArgs: {},
    nativePlatforms: ['linux/amd64'],
    crossCompile: 'auto',
    image: 'e2e/rewrite'
  });
  expect(plan.platforms.map((p) => p.strategy)).toEqual(['cross', 'cross']);
  expect(plan.qemu).toEqual([]);
  const rewritten = path.join(dir, 'Dockerfile.multiarch');
  fs.writeFileSync(rewritten, plan.rewrittenText!);

  const arm64 = build(rewritten, 'linux/arm64');
  expect(arm64.readUInt16LE(18)).toBe(EM_AARCH64);

  const armv7 = build(rewritten, 'linux/arm/v7');
  expect(armv7[4]).toBe(1); // ELFCLASS32
  expect(armv7.readUInt16LE(18)).toBe(EM_ARM);
  // Go records its build settings in the binary.
  expect(armv7.toString('latin1')).toMatch(/build\tGOARM=7\n/);
  expect(armv7.toString('latin1')).toMatch(/build\tCGO_ENABLED=0\n/);
});
