/** A leg's layout is read by digest; a digest must never become a path that leaves the layout. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readLegLayoutIndex } from '../../src/build/layout-index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layout-index-'));
  const blob = Buffer.from('{}');
  const hex = createHash('sha256').update(blob).digest('hex');
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), blob);
  const root = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex}`, size: blob.length };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [root] }));
  // A file outside the layout that a traversing digest would reach.
  fs.writeFileSync(path.join(dir, '..', `${path.basename(dir)}-secret`), 'secret');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(`${dir}-secret`, { force: true });
});

test('reads a blob by a valid digest', () => {
  const { root, read } = readLegLayoutIndex(dir);
  expect(read(root.digest).toString()).toBe('{}');
});

test.each([
  ['a traversing hex', (d: string) => `sha256:../../${path.basename(d)}-secret`],
  ['a traversing algorithm', (d: string) => `../../${path.basename(d)}-secret:x`],
  ['no colon', () => 'sha256'],
  ['uppercase hex', () => `sha256:${'A'.repeat(64)}`]
])('refuses %s before touching the disk', (_name, digest) => {
  const { read } = readLegLayoutIndex(dir);
  expect(() => read(digest(dir))).toThrow(/invalid or unsupported digest/);
});
