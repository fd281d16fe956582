/** Inputs for the plan, leg and merge modes: what each mode needs, rejected before anything starts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configIn } from '../helpers/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-modes-'));
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const { configOf, errorOf } = configIn(() => workspace);

const leg = { mode: 'leg', push: 'true', tags: 'localhost:5000/app:1' };

test('defaults: runners for amd64 and arm64, and ubuntu-24.04 for the rest', () => {
  const c = configOf({ runners: 'linux/amd64=ubuntu-24.04\nlinux/arm64=ubuntu-24.04-arm', 'default-runner': '' });
  expect(c.mode).toBe('all');
  expect(c.defaultRunner).toBe('ubuntu-24.04');
  expect(c.runners).toEqual({ 'linux/amd64': 'ubuntu-24.04', 'linux/arm64': 'ubuntu-24.04-arm' });
});

test('self-hosted runners as JSON arrays of labels', () => {
  const c = configOf({ runners: 'arm64=["self-hosted", "ARM64"]', 'default-runner': '["self-hosted","X64"]' });
  expect(c.runners).toEqual({ 'linux/arm64': '["self-hosted", "ARM64"]' });
  expect(c.defaultRunner).toBe('["self-hosted","X64"]');
});

test.each<[string, Record<string, string>, string, RegExp]>([
  ['a leg with two platforms', { ...leg, platforms: 'linux/amd64,linux/arm64' }, 'platforms', /mode leg builds exactly one platform, got linux\/amd64, linux\/arm64 \(expected one, e\.g\. platforms: \$\{\{ matrix\.platform \}\}\)/],
  ['a leg with no platform', { ...leg }, 'platforms', /mode leg builds exactly one platform, got none/],
  ['a leg without push', { ...leg, platforms: 'linux/arm64', push: 'false' }, 'push', /mode leg pushes by digest to the registry, so push must be true/],
  ['a merge without tags', { mode: 'merge', push: 'true', platforms: 'linux/amd64' }, 'tags', /push is true but no tags are set|mode merge needs the image's tags/],
  ['a merge without platforms', { mode: 'merge', push: 'true', tags: 'localhost:5000/app:1' }, 'platforms', /mode merge needs every platform the legs built/],
  ['a merge that loads', { mode: 'merge', push: 'true', tags: 'localhost:5000/app:1', platforms: 'linux/amd64', load: 'true' }, 'load', /mode merge cannot load/],
  ['a bad runner', { runners: 'linux/arm64=["self-hosted"' }, 'runners', /is not a JSON array of labels/],
  ['a bad default runner', { 'default-runner': 'two words' }, 'default-runner', /is not a runner label/],
  ['an unknown mode', { mode: 'build' }, 'mode', /"build" is not allowed \(expected one of: all, plan, leg, merge\)/]
])('%s is an InputError naming the input', (_, inputs, input, message) => {
  const err = errorOf(inputs);
  expect(err.input).toBe(input);
  expect(err.message).toMatch(message);
});

test('a leg with one platform, pushed and tagged, is valid; so is plan with no push', () => {
  expect(configOf({ ...leg, platforms: 'arm64' }).platforms).toEqual(['linux/arm64']);
  expect(configOf({ mode: 'plan', platforms: 'linux/amd64,linux/arm64' }).mode).toBe('plan');
});
