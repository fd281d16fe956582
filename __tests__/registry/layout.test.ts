import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DigestMismatchError } from '../../src/registry/digest.js';
import { OciLayout } from '../../src/registry/layout.js';
import { MediaType } from '../../src/types/oci.js';
import { makeFixtureImage } from './fixtures.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multiarch-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Files under blobs/ whose names mark them as unfinished writes. */
async function tempFiles(): Promise<string[]> {
  const alg = await readdir(join(dir, 'blobs', 'sha256')).catch(() => [] as string[]);
  return alg.filter((name) => name.startsWith('.tmp-'));
}

test('create writes the marker and an empty index; open accepts it', async () => {
  await OciLayout.create(dir);
  expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  const layout = await OciLayout.open(dir);
  expect((await layout.readIndex()).index).toEqual({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });
  expect(layout.name).toBe(`oci-layout://${dir}`);
});

test('open refuses a directory that is not a layout, or a future version', async () => {
  await expect(OciLayout.open(dir)).rejects.toThrow(`${dir} is not an OCI image layout`);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
  await expect(OciLayout.open(dir)).rejects.toThrow('unsupported OCI layout version 2.0.0');
});

test('writeBlob: buffers, streams with and without a known digest; blobs land under blobs/<alg>/<hex>', async () => {
  const layout = await OciLayout.create(dir);
  const a = Buffer.from('alpha');
  const b = Buffer.from('bravo');
  const c = Buffer.from('charlie');
  expect(await layout.writeBlob(a)).toEqual({ digest: sha256(a), size: a.length });
  expect(await layout.writeBlob(Readable.from([b.subarray(0, 2), b.subarray(2)]), { digest: sha256(b), size: b.length })).toEqual({
    digest: sha256(b),
    size: b.length
  });
  expect(await layout.writeBlob(Readable.from([c]))).toEqual({ digest: sha256(c), size: c.length });
  for (const bytes of [a, b, c]) {
    expect(await readFile(join(dir, 'blobs', 'sha256', sha256(bytes).slice(7)))).toEqual(bytes);
    expect(await layout.hasBlob(sha256(bytes))).toBe(true);
    expect(await layout.getBlob(sha256(bytes))).toEqual(bytes);
    expect(await readAll(await layout.openBlob(sha256(bytes)))).toEqual(bytes);
  }
  expect(await tempFiles()).toEqual([]);
});

test('writeBlob refuses bytes that do not match, leaving nothing behind', async () => {
  const layout = await OciLayout.create(dir);
  const wrong = { digest: sha256(Buffer.from('expected')), size: 8 };
  await expect(layout.writeBlob(Readable.from([Buffer.from('imposter')]), wrong)).rejects.toBeInstanceOf(DigestMismatchError);
  await expect(layout.writeBlob(Buffer.from('imposter'), wrong)).rejects.toBeInstanceOf(DigestMismatchError);
  await expect(layout.writeBlob(Readable.from([Buffer.from('too long!')]), wrong)).rejects.toThrow('larger than its expected size');
  expect(await layout.hasBlob(wrong.digest)).toBe(false);
  expect(await tempFiles()).toEqual([]);
});

test('reads are verified: a blob corrupted on disk fails getBlob, and openBlob at the end', async () => {
  const layout = await OciLayout.create(dir);
  const bytes = Buffer.from('precious');
  const { digest } = await layout.writeBlob(bytes);
  await writeFile(layout.blobPath(digest), 'tampered');
  await expect(layout.getBlob(digest)).rejects.toBeInstanceOf(DigestMismatchError);
  await expect(readAll(await layout.openBlob(digest))).rejects.toBeInstanceOf(DigestMismatchError);
  await expect(layout.getBlob(sha256(Buffer.from('absent')))).rejects.toThrow(`blob ${sha256(Buffer.from('absent'))} not found in oci-layout://`);
  await expect(layout.openBlob(sha256(Buffer.from('absent')))).rejects.toThrow('not found');
});

test('getManifest: by tag, by digest, and the layout index itself', async () => {
  const image = await makeFixtureImage(dir, 'v1');
  const layout = await OciLayout.open(dir);

  const byTag = await layout.getManifest('v1');
  expect(byTag).toEqual({ bytes: image.indexBytes, digest: image.root.digest, mediaType: MediaType.OciIndex });

  const child = image.manifests[0];
  const byDigest = await layout.getManifest(child?.digest ?? '');
  expect(byDigest.mediaType).toBe(MediaType.OciManifest);
  expect(byDigest.digest).toBe(child?.digest);

  const top = await layout.getManifest('');
  const indexJson = await readFile(join(dir, 'index.json'));
  expect(top).toEqual({ bytes: indexJson, digest: sha256(indexJson), mediaType: MediaType.OciIndex });
  // index.json can also be fetched by its own digest, so it can be pushed like any root.
  expect((await layout.getManifest(sha256(indexJson))).bytes).toEqual(indexJson);

  await expect(layout.getManifest('v2')).rejects.toThrow('has no manifest tagged "v2"');
  expect(layout.bytesRead()).toBeGreaterThan(0);
});

test('writeIndex replaces index.json atomically and round-trips', async () => {
  const layout = await OciLayout.create(dir);
  const config = await layout.writeBlob(Buffer.from('{}'));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, config: { mediaType: MediaType.OciConfig, ...config }, layers: [] })
  );
  const m = await layout.writeBlob(manifest);
  const index = {
    schemaVersion: 2 as const,
    mediaType: MediaType.OciIndex,
    manifests: [{ mediaType: MediaType.OciManifest, ...m, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }]
  };
  await layout.writeIndex(index);
  expect((await layout.readIndex()).index).toEqual(index);
  const reopened = await OciLayout.open(dir);
  // A manifest without a mediaType field gets its type from the index descriptor.
  expect(await reopened.getManifest('latest')).toEqual({ bytes: manifest, digest: m.digest, mediaType: MediaType.OciManifest });
  expect((await readdir(dir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
});

test('blobPath refuses a digest that would leave the layout', async () => {
  const layout = await OciLayout.create(dir);
  for (const digest of ['sha256:../../etc/passwd', '../x:y', 'sha256']) {
    expect(() => layout.blobPath(digest)).toThrow(/invalid or unsupported digest/);
  }
});
