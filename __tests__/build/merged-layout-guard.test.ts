/** writeMergedLayout replaces its directory: only an old layout (or nothing) may be there. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeMergedLayout } from '../../src/build/publish.js';
import { InputError } from '../../src/input-error.js';
import type { MergedIndex } from '../../src/types/plan.js';

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'merged-guard-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
const index: MergedIndex = { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, mediaType: 'application/vnd.oci.image.index.v1+json', size: bytes.length, bytes, platforms: [], attestations: [] };

test('a non-empty directory that is not an OCI layout is refused, and left as it was', async () => {
  const dir = path.join(tmp, 'docs');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'README.md'), 'keep me\n');
  const err = await writeMergedLayout([], index, dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).message).toMatch(/^Input "outputs": ".*docs" is a non-empty directory that is not an OCI layout/);
  expect(fs.readdirSync(dir)).toEqual(['README.md']);
});

test('an existing OCI layout is replaced', async () => {
  const dir = path.join(tmp, 'multiarch-out');
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', 'stale'), 'old');
  await writeMergedLayout([], index, dir);
  expect(fs.existsSync(path.join(dir, 'blobs', 'sha256', 'stale'))).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')).manifests[0].digest).toBe(index.digest);
});
