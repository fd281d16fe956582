/** Issue "drop-in": BPA's inputs and env switches as config sees them (call, cgroup-parent, verify given, DOCKER_BUILD_*). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../src/config.js';
import { INPUTS } from '../src/input-spec.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-bpa-'));
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

function configOf(inputs: Record<string, string>, buildEnv: Record<string, string> = {}, warnings: string[] = []) {
  return resolveConfig((name) => inputs[name] ?? '', { workspace, tempDir: os.tmpdir(), onSecret: () => undefined, onWarning: (m) => warnings.push(m), buildEnv });
}

test('verify: unset is strict but not explicit; given (even strict) is explicit', () => {
  expect(configOf({})).toMatchObject({ verify: 'strict' });
  expect(configOf({}).verifyExplicit).toBeUndefined();
  expect(configOf({ verify: 'strict' })).toMatchObject({ verify: 'strict', verifyExplicit: true });
  expect(configOf({ verify: 'warn' })).toMatchObject({ verify: 'warn', verifyExplicit: true });
  // action.yml has no default for verify, or a runner could not tell "unset" from "strict".
  expect(INPUTS.find((i) => i.name === 'verify')!.default).toBeUndefined();
});

test('call: build by default; check, outline and targets; anything else names the input', () => {
  expect(configOf({}).call).toBe('build');
  for (const m of ['check', 'outline', 'targets', 'build'] as const) expect(configOf({ call: m }).call).toBe(m);
  expect(() => configOf({ call: 'lint' })).toThrow('Input "call": "lint" is not allowed (expected one of: build, check, outline, targets)');
});

test('call other than build only in mode all: legs and merge build and push', () => {
  expect(() => configOf({ call: 'check', mode: 'plan' })).toThrow('Input "call": call check evaluates the build in one step (expected mode all, or call build)');
});

test('call check ignores push with a warning: nothing is built', () => {
  const warnings: string[] = [];
  const c = configOf({ call: 'check', push: 'true', tags: 'localhost:5000/a:1' }, {}, warnings);
  expect(c.call).toBe('check');
  expect(warnings).toContain('Input "push": call check builds no image, so nothing is pushed (as with build-push-action)');
});

test('cgroup-parent', () => {
  expect(configOf({ 'cgroup-parent': 'my-slice' }).cgroupParent).toBe('my-slice');
  expect(configOf({}).cgroupParent).toBeUndefined();
});

test('DOCKER_BUILD_SUMMARY and DOCKER_BUILD_CHECKS_ANNOTATIONS, as BPA reads them', () => {
  expect(configOf({})).toMatchObject({ summary: true, checkAnnotations: true });
  expect(configOf({}, { DOCKER_BUILD_SUMMARY: 'false' })).toMatchObject({ summary: false, checkAnnotations: true });
  expect(configOf({}, { DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false' })).toMatchObject({ summary: true, checkAnnotations: false });
  expect(configOf({}, { DOCKER_BUILD_SUMMARY: '0', DOCKER_BUILD_CHECKS_ANNOTATIONS: 'f' })).toMatchObject({ summary: false, checkAnnotations: false });
  // The input summary: false wins over the env's true.
  expect(configOf({ summary: 'false' }, { DOCKER_BUILD_SUMMARY: 'true' }).summary).toBe(false);
  const warnings: string[] = [];
  expect(configOf({}, { DOCKER_BUILD_SUMMARY: 'nope' }, warnings).summary).toBe(true);
  expect(warnings).toContain('DOCKER_BUILD_SUMMARY="nope" is not a boolean (expected true or false, as build-push-action reads it); the summary stays on.');
});

test('DOCKER_BUILD_RECORD_UPLOAD and _RETENTION_DAYS, as BPA reads them', async () => {
  const { resolveRecordUpload } = await import('../src/bpa-env.js');
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  expect(resolveRecordUpload({}, warn)).toEqual({ upload: true });
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_UPLOAD: 'false' }, warn)).toEqual({ upload: false });
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_UPLOAD: '0', DOCKER_BUILD_RECORD_RETENTION_DAYS: '3' }, warn)).toEqual({ upload: false, retentionDays: 3 });
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_UPLOAD: 'true', DOCKER_BUILD_RECORD_RETENTION_DAYS: '2' }, warn)).toEqual({ upload: true, retentionDays: 2 });
  // 0 (and unset) is the repository's retention, as in BPA's README.
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_RETENTION_DAYS: '0' }, warn)).toEqual({ upload: true });
  expect(warnings).toEqual([]);
  // BPA fails its summary on these; here each warns once and the repository's retention applies.
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_RETENTION_DAYS: 'a week' }, warn)).toEqual({ upload: true });
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_RETENTION_DAYS: '-1' }, warn)).toEqual({ upload: true });
  expect(resolveRecordUpload({ DOCKER_BUILD_RECORD_UPLOAD: 'nope' }, warn)).toEqual({ upload: true });
  expect(warnings).toEqual([
    'DOCKER_BUILD_RECORD_RETENTION_DAYS="a week" is not a number of days (expected a whole number, e.g. 7; 0 for the repository\'s setting); the repository\'s retention applies.',
    'DOCKER_BUILD_RECORD_RETENTION_DAYS="-1" is not a number of days (expected a whole number, e.g. 7; 0 for the repository\'s setting); the repository\'s retention applies.',
    'DOCKER_BUILD_RECORD_UPLOAD="nope" is not a boolean (expected true or false, as build-push-action reads it); build records stay on.'
  ]);
});

test('variables BPA v7 dropped warn once each, naming what replaced them', () => {
  const warnings: string[] = [];
  configOf({}, { DOCKER_BUILD_NO_SUMMARY: 'true', DOCKER_BUILD_EXPORT_RETENTION_DAYS: '3' }, warnings);
  expect(warnings).toEqual([
    'DOCKER_BUILD_NO_SUMMARY is not read (build-push-action v7 dropped it): set DOCKER_BUILD_SUMMARY=false instead.',
    'DOCKER_BUILD_EXPORT_RETENTION_DAYS is not read (build-push-action v7 dropped it): set DOCKER_BUILD_RECORD_RETENTION_DAYS instead.'
  ]);
  // Retired, so not obeyed: the summary stays on.
  expect(configOf({}, { DOCKER_BUILD_NO_SUMMARY: 'true' }).summary).toBe(true);
});

test('secrets: a quoted multi-line value is one secret, as in BPA\'s own CI (git-context-secret)', () => {
  const secrets: string[] = [];
  const c = resolveConfig((name) => ({ secrets: 'GIT_AUTH_TOKEN=tok\n"MYSECRET=aaaaaaaa\nbbbbbbb\nccccccccc"\nFOO=bar\n"EMPTYLINE=aaaa\n\nbbbb\nccc"' })[name] ?? '', { workspace, tempDir: os.tmpdir(), onSecret: (v) => secrets.push(v), onWarning: () => undefined, buildEnv: {} });
  expect(c.secrets).toEqual([
    { id: 'GIT_AUTH_TOKEN', kind: 'value', value: 'tok' },
    { id: 'MYSECRET', kind: 'value', value: 'aaaaaaaa\nbbbbbbb\nccccccccc' },
    { id: 'FOO', kind: 'value', value: 'bar' },
    { id: 'EMPTYLINE', kind: 'value', value: 'aaaa\n\nbbbb\nccc' }
  ]);
  expect(secrets).toContain('aaaaaaaa\nbbbbbbb\nccccccccc');
});
