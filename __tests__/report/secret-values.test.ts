/** secret-envs and secret-files: their values are read at the edge so they can be redacted. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MASK, Redactor } from '../../src/report/redact.js';
import { MAX_SECRET_FILE_BYTES, resolveSecretValues } from '../../src/report/secret-values.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-values-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('secret-envs: the variable value; secret-files: the file contents', () => {
  const file = path.join(dir, 'npmrc');
  fs.writeFileSync(file, '//registry.npmjs.org/:_authToken=npm_fileSecret123\n');
  const { values, skipped } = resolveSecretValues(
    [
      { id: 'gh', kind: 'env', env: 'MY_TOKEN' },
      { id: 'npmrc', kind: 'file', path: file },
      { id: 'unset', kind: 'env', env: 'NOT_SET' },
      { id: 'v', kind: 'value', value: 'already-registered' }
    ],
    { MY_TOKEN: 'ghp_envSecret456' }
  );
  expect(values).toEqual(['ghp_envSecret456', '//registry.npmjs.org/:_authToken=npm_fileSecret123\n']);
  expect(skipped).toEqual([]);

  const r = new Redactor();
  for (const v of values) r.add(v);
  const log = '#9 0.3 ghp_envSecret456\n#10 0.1 //registry.npmjs.org/:_authToken=npm_fileSecret123\n';
  expect(r.redact(log)).toBe(`#9 0.3 ${MASK}\n#10 0.1 ${MASK}\n`);
  expect(r.redact(Buffer.from('ghp_envSecret456').toString('base64'))).toBe(MASK);
});

test('a missing or oversized file is skipped with a reason, not a failure', () => {
  const big = path.join(dir, 'big');
  fs.writeFileSync(big, Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 'a'));
  const { values, skipped } = resolveSecretValues(
    [
      { id: 'gone', kind: 'file', path: path.join(dir, 'nope') },
      { id: 'big', kind: 'file', path: big }
    ],
    {}
  );
  expect(values).toEqual([]);
  expect(skipped).toEqual([expect.stringMatching(/^secret gone: cannot read .*nope/), expect.stringMatching(/^secret big: .* is \d+ bytes/)]);
});
