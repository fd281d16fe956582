import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, resolveConfig } from '../src/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  fs.mkdirSync(path.join(workspace, 'app'));
  fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), 'FROM busybox\n');
  fs.writeFileSync(path.join(workspace, 'Other.Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

function configOf(inputs: Record<string, string>, extra: { secrets?: string[]; warnings?: string[]; given?: string[] } = {}) {
  return resolveConfig((name) => inputs[name] ?? '', {
    workspace,
    tempDir: os.tmpdir(),
    onSecret: (v) => extra.secrets?.push(v),
    onWarning: (m) => extra.warnings?.push(m),
    givenInputs: extra.given
  });
}

test('defaults and normalisation', () => {
  const c = configOf({ context: 'app', platforms: 'linux/amd64,arm64,linux/arm64/v8', tags: 'localhost:5000/team/app:1' });
  expect(c.context).toBe(path.join(workspace, 'app'));
  expect(c.file).toBe(path.join(workspace, 'app', 'Dockerfile'));
  expect(c.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  expect(c.verify).toBe('strict');
  expect(c.qemu).toBe('auto');
  expect(c.driver).toBe('auto');
  expect(c.crossCompile).toBe('auto');
  expect(c.summary).toBe(true);
  expect(c.push).toBe(false);
  expect(c.imageName).toBe('app');
  expect(c.outDir).toBe(path.join(workspace, 'multiarch-out'));
});

test('build args with shell metacharacters are kept verbatim', () => {
  const c = configOf({ context: 'app', 'build-args': 'A=$(touch /tmp/pwned)\nB=x;y "q" \'s\'' });
  expect(c.buildArgs).toEqual(['A=$(touch /tmp/pwned)', 'B=x;y "q" \'s\'']);
});

test('secret values are handed to onSecret before use', () => {
  const secrets: string[] = [];
  const c = configOf({ context: 'app', secrets: 'token=s3cr3t\n"quoted=with,comma"', 'secret-envs': 'gh=GH_TOKEN', 'github-token': 'ghs_abc' }, { secrets });
  expect(secrets).toEqual(expect.arrayContaining(['s3cr3t', 'with,comma', 'ghs_abc']));
  expect(c.secrets).toEqual([
    { id: 'token', kind: 'value', value: 's3cr3t' },
    { id: 'quoted', kind: 'value', value: 'with,comma' },
    { id: 'gh', kind: 'env', env: 'GH_TOKEN' }
  ]);
});

test('outputs type=registry means push; type=oci sets the layout directory', () => {
  expect(configOf({ context: 'app', outputs: 'type=registry', tags: 'localhost:5000/a:1' }).push).toBe(true);
  expect(configOf({ context: 'app', outputs: 'type=oci,dest=out/x' }).outDir).toBe(path.join(workspace, 'out/x'));
});

test('unknown inputs warn instead of failing', () => {
  const warnings: string[] = [];
  configOf({ context: 'app' }, { warnings, given: ['context', 'platfroms'] });
  expect(warnings).toEqual([expect.stringContaining('Unexpected input "platfroms"')]);
});

describe('bad input: one clear error naming the input and the expected form', () => {
  test.each<[string, Record<string, string>, string, RegExp]>([
    ['malformed platform', { platforms: 'linux/arm/v9' }, 'platforms', /expected os\/arch\[\/variant\]/],
    ['unknown arch', { platforms: 'linux/amd64,arm64x' }, 'platforms', /unknown architecture "arm64x"/],
    ['uppercase repository', { tags: 'localhost:5000/Team/App:1' }, 'tags', /lowercase/],
    ['invalid reference', { tags: 'local host/app' }, 'tags', /expected/],
    ['digest as tag', { tags: 'localhost:5000/app@sha256:' + 'a'.repeat(64) }, 'tags', /digest/],
    ['missing context', { context: 'nope' }, 'context', /not a directory \(expected a path/],
    ['missing Dockerfile', { context: 'app', file: 'missing/Dockerfile' }, 'file', /not found \(expected a path to a Dockerfile/],
    ['unknown verify', { verify: 'loose' }, 'verify', /expected one of: strict, warn, off/],
    ['unknown qemu', { qemu: 'sometimes' }, 'qemu', /expected one of: auto, always, never/],
    ['unknown driver', { driver: 'kubernetes' }, 'driver', /expected one of: auto, docker, docker-container/],
    ['unknown cross-compile', { 'cross-compile': 'yes' }, 'cross-compile', /expected one of: auto, strict, off/],
    ['push with no tags', { push: 'true' }, 'tags', /push is true but no tags/],
    ['non-boolean push', { push: 'yes' }, 'push', /expected true or false/],
    ['latest qemu image', { 'qemu-image': 'tonistiigi/binfmt:latest' }, 'qemu-image', /not pinned/],
    ['untagged qemu image', { 'qemu-image': 'tonistiigi/binfmt' }, 'qemu-image', /not pinned/],
    ['unsupported output', { outputs: 'type=s3,bucket=x' }, 'outputs', /not supported \(expected type=registry\|image\|docker\|oci\|local\|tar\|cacheonly/],
    ['malformed build-context', { 'build-contexts': 'justaname' }, 'build-contexts', /expected name=source/],
    ['open quote in smoke-test', { 'smoke-test': 'sh -c "x' }, 'smoke-test', /unterminated " quote \(expected arguments/],
    ['expect without smoke-test', { 'smoke-test-expect': 'x' }, 'smoke-test-expect', /smoke-test is empty/],
    ['cache mount with a space in its id', { 'cache-mounts': 'id=go build,target=/root/.cache/go-build' }, 'cache-mounts', /expected/],
    ['bad expect regex', { 'smoke-test': '--version', 'smoke-test-expect': '(' }, 'smoke-test-expect', /not a valid regular expression/]
  ])('%s', (_name, inputs, input, message) => {
    let error: unknown;
    try {
      configOf({ context: 'app', ...inputs });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as Error).message).toMatch(new RegExp(`^Input "${input}": `));
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\n\s+at /);
  });
});

test('invalid secret entries are skipped with a warning that never shows the entry\'s text, as build-push-action does', () => {
  const warnings: string[] = [];
  const secrets: string[] = [];
  const c = configOf({ context: 'app', secrets: 'INVALID_SECRET=\nhunter2hunter2\nok=v4lue', 'secret-envs': '=X\nGH=GH_TOKEN', 'secret-files': 'missing=does/not/exist' }, { warnings, secrets });
  expect(c.secrets.map((s) => s.id)).toEqual(['ok', 'GH']);
  expect(warnings).toEqual([
    'Input "secrets": entry 1 ("INVALID_SECRET") is not a valid secret (expected id=value): skipped',
    'Input "secrets": entry 2 is not a valid secret (expected id=value): skipped',
    'Input "secret-files": entry 1 ("missing"): file does/not/exist not found: skipped',
    'Input "secret-envs": entry 1 is not a valid secret (expected id=ENV_NAME): skipped'
  ]);
  expect(warnings.join('\n')).not.toContain('hunter2');
  expect(secrets).toEqual(['v4lue']);
});
