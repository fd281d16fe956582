/** A build record that holds a secret value is refused; one that holds none passes. Bundles made with the real tar and gzip. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { scanRecordForSecrets } from '../../src/build/record-scan.js';
import { Redactor } from '../../src/report/redact.js';

const SECRET = 'ghp_s3cretValue1234567890';
let dir: string;
let redactor: Redactor;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-scan-'));
  redactor = new Redactor();
  redactor.add(SECRET);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A `.dockerbuild` as buildx writes one: a gzip'd tar of an OCI layout whose blobs are the record's parts. */
function bundle(blobs: Record<string, Buffer | string>): string {
  const root = path.join(dir, 'layout');
  fs.mkdirSync(path.join(root, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(root, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  for (const [name, data] of Object.entries(blobs)) fs.writeFileSync(path.join(root, 'blobs', 'sha256', name), data);
  const file = path.join(dir, 'acme~app~ABCDEF.dockerbuild');
  execFileSync('tar', ['-czf', file, '-C', root, '.']);
  return file;
}

const holds = (data: Buffer) => redactor.isFoundIn(data);

test('a record of build args, provenance and logs without the secret is clean', async () => {
  const file = bundle({ aa: '{"FrontendAttrs":{"build-arg:VERSION":"1.2.3"}}', bb: Buffer.from('\x0a\x12#5 RUN echo hello\n') });
  expect(await scanRecordForSecrets(file, holds)).toEqual({ clean: true });
});

test('a step that printed the secret: found in the plain log blob', async () => {
  const file = bundle({ aa: '{}', e5: Buffer.concat([Buffer.from([0x0a, 0x47]), Buffer.from(`the token is ${SECRET}\n`)]) });
  expect(await scanRecordForSecrets(file, holds)).toEqual({ clean: false, reason: './blobs/sha256/e5 holds the value of a secret (a build step printed it; BuildKit logs are kept unmasked in the record)' });
});

test('inside a gzip or zstd blob, and base64-encoded', async () => {
  expect((await scanRecordForSecrets(bundle({ gz: zlib.gzipSync(`log: ${SECRET}`) }), holds)).clean).toBe(false);
  expect((await scanRecordForSecrets(bundle({ zs: zlib.zstdCompressSync(Buffer.from(`log: ${SECRET}`)) }), holds)).clean).toBe(false);
  expect((await scanRecordForSecrets(bundle({ b64: `{"data":"${Buffer.from(`x${SECRET}`).toString('base64')}"}` }), holds)).clean).toBe(false);
});

test('a file that is not a bundle is not uploaded either', async () => {
  const file = path.join(dir, 'broken.dockerbuild');
  fs.writeFileSync(file, 'not gzip');
  const scan = await scanRecordForSecrets(file, holds);
  expect(scan.clean).toBe(false);
  expect(!scan.clean && scan.reason).toMatch(/^it could not be read to search for secrets: /);
});
