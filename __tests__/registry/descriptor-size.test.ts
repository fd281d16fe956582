/**
 * A descriptor names bytes by digest AND size. When the size is known, a read is capped by it (a
 * longer body is refused without being read to its end) and a shorter one fails, from a registry
 * and from a layout alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RegistryClient } from '../../src/registry/client.js';
import { OciLayout } from '../../src/registry/layout.js';
import { MediaType } from '../../src/types/oci.js';
import { FakeRegistry } from './fake-registry.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blob = randomBytes(200_000);
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256(blob), size: blob.length }, layers: [] }));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('registry', () => {
  let registry: FakeRegistry;
  let client: RegistryClient;
  beforeEach(async () => {
    registry = await new FakeRegistry().start();
    client = new RegistryClient({ registry: registry.host, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    await client.pushBlob('a/b', sha256(blob), blob.length, () => Readable.from([blob]));
    await client.putManifest('a/b', sha256(manifest), manifest, MediaType.OciManifest);
  });
  afterEach(async () => {
    client.close();
    await registry.stop();
  });

  test('the right size reads', async () => {
    expect((await client.getManifest('a/b', sha256(manifest), manifest.length)).bytes).toEqual(manifest);
    expect(await client.getBlob('a/b', sha256(blob), blob.length)).toEqual(blob);
  });

  test('a manifest longer than its descriptor says is refused', async () => {
    await expect(client.getManifest('a/b', sha256(manifest), 10)).rejects.toThrow(/larger than .*10 bytes|10 bytes/);
  });

  test('a manifest shorter than its descriptor says fails', async () => {
    await expect(client.getManifest('a/b', sha256(manifest), manifest.length + 1)).rejects.toThrow(new RegExp(`${manifest.length} bytes.*expected ${manifest.length + 1}`));
  });

  test('a blob longer than its descriptor says is refused before it is read whole', async () => {
    const before = client.bytesRead();
    await expect(client.getBlob('a/b', sha256(blob), 100)).rejects.toThrow(/larger than its expected size of 100 bytes/);
    expect(client.bytesRead() - before).toBeLessThan(blob.length);
  });

  test('a blob shorter than its descriptor says fails', async () => {
    await expect(client.getBlob('a/b', sha256(blob), blob.length + 5)).rejects.toThrow(/expected 200005/);
  });
});

describe('layout', () => {
  let dir: string;
  let layout: OciLayout;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'size-layout-'));
    layout = await OciLayout.create(dir);
    await layout.writeBlob(blob, { digest: sha256(blob), size: blob.length });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('the right size reads', async () => {
    expect(await layout.getBlob(sha256(blob), blob.length)).toEqual(blob);
    expect(await readAll(await layout.openBlob(sha256(blob), blob.length))).toEqual(blob);
  });

  test.each([100, blob.length + 1])('a blob whose size is not %s is refused before it is read', async (size) => {
    const before = layout.bytesRead();
    await expect(layout.getBlob(sha256(blob), size)).rejects.toThrow(new RegExp(`${blob.length} bytes.*descriptor says ${size}`));
    await expect(layout.openBlob(sha256(blob), size)).rejects.toThrow(new RegExp(`descriptor says ${size}`));
    expect(layout.bytesRead()).toBe(before);
  });
});
