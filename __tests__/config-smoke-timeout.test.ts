import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, resolveConfig } from '../src/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-smoke-'));
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const configOf = (inputs: Record<string, string>) =>
  resolveConfig((name) => inputs[name] ?? '', { workspace, tempDir: os.tmpdir(), onSecret: () => undefined, onWarning: () => undefined });

test('smoke-test-timeout sets the smoke timeout; 120 s by default', () => {
  expect(configOf({ 'smoke-test': '--version' }).smoke?.timeoutSeconds).toBe(120);
  expect(configOf({ 'smoke-test': '--version', 'smoke-test-timeout': '5' }).smoke?.timeoutSeconds).toBe(5);
  expect(configOf({ 'smoke-test': '--version', 'smoke-test-timeout': ' 600 ' }).smoke?.timeoutSeconds).toBe(600);
});

test.each(['0', '-3', '1.5', '2m', 'abc', '1e3', '9999999'])('smoke-test-timeout %j is refused, naming the input and the form', (value) => {
  let err: unknown;
  try {
    configOf({ 'smoke-test': '--version', 'smoke-test-timeout': value });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).input).toBe('smoke-test-timeout');
  expect((err as Error).message).toMatch(/^Input "smoke-test-timeout": ".*" is not a whole number of seconds \(expected 1 to 999999, e\.g\. 120\)$/);
});
