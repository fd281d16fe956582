import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyOptionsFor } from '../src/verify/binaries/options.js';
import { configIn } from './helpers/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-binaries-'));
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));
const { configOf, errorOf } = configIn(() => workspace);

test('verify-binaries is all by default; entrypoint and off as asked; verify-ignore splits on commas and lines', () => {
  expect(configOf({})).toMatchObject({ verifyBinaries: 'all', verifyIgnore: [] });
  expect(configOf({ 'verify-binaries': 'entrypoint' }).verifyBinaries).toBe('entrypoint');
  expect(configOf({ 'verify-binaries': 'off' }).verifyBinaries).toBe('off');
  expect(configOf({ 'verify-ignore': '/opt/tools/**, *.node\n/usr/share/**/testdata/**' }).verifyIgnore).toEqual(['/opt/tools/**', '*.node', '/usr/share/**/testdata/**']);
  expect(configOf({ 'verify-ignore': '"/usr/lib/{x86_64,i386}-linux-gnu/**"' }).verifyIgnore).toEqual(['/usr/lib/{x86_64,i386}-linux-gnu/**']);
});

test.each([
  [{ 'verify-binaries': 'yes' }, 'verify-binaries', 'Input "verify-binaries": "yes" is not allowed (expected one of: all, entrypoint, off)'],
  [{ 'verify-ignore': '/opt/[x' }, 'verify-ignore', 'Input "verify-ignore": "/opt/[x": a [ with no closing ] (expected globs of image paths, one per line or comma-separated, e.g. /opt/tools/** or *.node)'],
  [{ 'verify-ignore': '/opt/**x' }, 'verify-ignore', /\*\* must be a whole path segment/]
])('%j is one clear input error', (inputs, input, message) => {
  const err = errorOf(inputs);
  expect(err.input).toBe(input);
  expect(err.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
});

test('the Config becomes the options verification runs with', () => {
  expect(verifyOptionsFor(configOf({ 'verify-binaries': 'off' }))).toEqual({ entrypoint: false });
  const all = verifyOptionsFor(configOf({ 'verify-ignore': '/opt/**', 'smoke-test': '/app/tool --version' }));
  expect(all).toMatchObject({ entrypoint: true, binaries: { scope: 'all', smokeArgs: ['/app/tool', '--version'] } });
  expect(all.binaries!.ignore.map((g) => g.test('/opt/x/y'))).toEqual([true]);
  expect(verifyOptionsFor(configOf({ 'verify-binaries': 'entrypoint' })).binaries).toEqual({ scope: 'entrypoint', ignore: [] });
});
