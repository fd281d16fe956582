/** The `multiarch` CLI from the bundle: build to an OCI layout (the embedded default), verify it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_CONTEXTS, requireStack } from './harness.js';

beforeAll(() => requireStack());

function multiarch(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/multiarch.js', ...args], { encoding: 'utf8', timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const contexts = BASE_CONTEXTS.split('\n').flatMap((c) => ['--build-context', c]);

describe('build with no --push writes and verifies an OCI layout', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-out-'));
  const layout = path.join(out, 'image');
  let build: ReturnType<typeof multiarch>;
  beforeAll(() => {
    build = multiarch(['build', 'examples/go-emulated', '--platforms', 'linux/amd64,linux/arm64', '--network', 'host', ...contexts, '--out', layout, '--tag', 'localhost:5000/cli/hello:1', '--json']);
  }, 900_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('build exits 0 and reports both platforms verified', () => {
    expect({ code: build.code, stderr: build.code === 0 ? '' : build.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(build.stdout);
    expect(result.layout).toBe(layout);
    expect(result.platforms.map((p: any) => [p.platform, p.strategy, p.verified])).toEqual([
      ['linux/amd64', 'native', true],
      ['linux/arm64', 'cross', true]
    ]);
    expect(fs.readFileSync(`${layout}.summary.md`, 'utf8')).toContain('linux/arm64');
  });

  test('the layout is tagged after verification and verify reads it by tag', () => {
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('1');
    const v = multiarch(['verify', `oci-layout://${layout}:1`, '--platforms', 'linux/amd64,linux/arm64', '--json']);
    expect(v.code).toBe(0);
    const checks = JSON.parse(v.stdout).platforms.flatMap((p: any) => p.checks.map((c: any) => `${p.platform} ${c.name} ${c.ok}`));
    expect(checks).toEqual(expect.arrayContaining(['linux/arm64 entrypoint-arch true', 'linux/amd64 entrypoint-arch true', 'linux/arm64 config true']));
    for (const p of JSON.parse(v.stdout).platforms) for (const c of p.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['name', 'ok']));
  });

  test('verify exits 1 when a requested platform is missing', () => {
    const v = multiarch(['verify', `oci-layout://${layout}`, '--platforms', 'linux/amd64,linux/arm64,linux/arm/v7']);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/linux\/arm\/v7\s+present\s+FAIL/);
  });
});

test('bad input: one line naming the input, exit 2, no build', () => {
  const res = multiarch(['build', 'examples/go-cross', '--platforms', 'linux/arm/v9']);
  expect(res.code).toBe(2);
  expect(res.stderr.trim()).toBe('multiarch: Input "platforms": "linux/arm/v9" is not a valid platform: arm takes one of v7, v6, v5, v8, not "v9" (expected os/arch[/variant], e.g. linux/amd64, linux/arm64 or linux/arm/v7)');
});
