/** Secrets given by value become files for `--secret id=…,src=…`; each id must get its own file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSecretFiles } from '../../src/build/secret-files.js';
import type { SecretSpec } from '../../src/types/config.js';

let dir: string;
beforeEach(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'secret-files-')), 'secrets');
});
afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

test('ids that sanitise alike (a b, a_b, a/b) get distinct files with their own values', () => {
  const secrets: SecretSpec[] = [
    { id: 'a b', kind: 'value', value: 'one' },
    { id: 'a_b', kind: 'value', value: 'two' },
    { id: 'a/b', kind: 'value', value: 'three' }
  ];
  const files = writeSecretFiles(secrets, dir);
  expect(new Set(Object.values(files)).size).toBe(3);
  expect(Object.fromEntries(Object.entries(files).map(([id, f]) => [id, fs.readFileSync(f, 'utf8')]))).toEqual({
    'a b': 'one',
    a_b: 'two',
    'a/b': 'three'
  });
});

test('files stay inside the directory, private, whatever the id', () => {
  const ids = ['..', '../../etc/passwd', '.', '', 'x'.repeat(400)];
  const files = writeSecretFiles(ids.map((id) => ({ id, kind: 'value', value: id })), dir);
  for (const file of Object.values(files)) {
    expect(path.dirname(file)).toBe(dir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(path.basename(file).length).toBeLessThan(255);
  }
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
});

test('only value secrets are written; file and env secrets are passed as they are', () => {
  const files = writeSecretFiles(
    [
      { id: 'f', kind: 'file', path: '/x' },
      { id: 'e', kind: 'env', env: 'E' }
    ],
    dir
  );
  expect(files).toEqual({});
  expect(fs.existsSync(dir)).toBe(false);
});
