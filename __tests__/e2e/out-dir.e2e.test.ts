/**
 * Nothing is deleted that the action did not create: an OCI layout destination that is the
 * workspace itself is refused on the input, before anything runs, and the checkout is intact.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_CONTEXTS, ROOT, requireStack, runAction } from './harness.js';

beforeAll(() => requireStack());

describe('outputs: type=oci,dest=. (the workspace)', () => {
  let workspace: string;
  let before: string[];
  let run: Awaited<ReturnType<typeof runAction>>;

  beforeAll(async () => {
    // A throwaway checkout as GITHUB_WORKSPACE: if the guard failed, this is what would go.
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-workspace-'));
    fs.cpSync('examples/go-cross', workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'canary.txt'), 'still here\n');
    before = fs.readdirSync(workspace).sort();
    // A build that would succeed, so nothing but the guard stands between it and the deletion.
    run = await runAction({ platforms: 'linux/amd64', network: 'host', 'build-contexts': BASE_CONTEXTS, outputs: 'type=oci,dest=.' }, { GITHUB_WORKSPACE: workspace });
  }, 600_000);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  test('the step fails with one input error naming outputs', () => {
    expect(run.main.code).not.toBe(0);
    const errors = run.main.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error::Input "outputs": .*"\." is the workspace.*\(expected type=oci,dest=DIR/);
  });

  test('the checkout is intact', () => {
    expect(fs.readFileSync(path.join(workspace, 'canary.txt'), 'utf8')).toBe('still here\n');
    expect(fs.readdirSync(workspace).sort()).toEqual(before);
  });
});

describe('the CLI: multiarch build --out . (the working directory)', () => {
  let workspace: string;
  let before: string[];
  let res: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-cli-workspace-'));
    fs.cpSync('examples/go-cross', workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'canary.txt'), 'still here\n');
    before = fs.readdirSync(workspace).sort();
    const contexts = BASE_CONTEXTS.split('\n').flatMap((c) => ['--build-context', c]);
    res = spawnSync(process.execPath, [path.join(ROOT, 'bin/multiarch.js'), 'build', '.', '--platforms', 'linux/amd64', '--network', 'host', ...contexts, '--out', '.'], { cwd: workspace, encoding: 'utf8', timeout: 600_000 });
  }, 600_000);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  test('exits 2 with an input error naming --out', () => {
    expect({ code: res.status, stderr: String(res.stderr).trim() }).toEqual({ code: 2, stderr: expect.stringMatching(/^multiarch: Input "--out": "\." is the workspace; .*\(expected --out DIR, /) });
  });

  test('the working directory is intact', () => {
    expect(fs.readFileSync(path.join(workspace, 'canary.txt'), 'utf8')).toBe('still here\n');
    expect(fs.readdirSync(workspace).sort()).toEqual(before);
  });
});
