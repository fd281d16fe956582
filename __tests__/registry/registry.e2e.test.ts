/**
 * The registry client against the real registry of the test stack (scripts/stack.sh brings it
 * up on 127.0.0.1:5000). In CI an unreachable registry fails the suite; locally it skips.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RegistryClient } from '../../src/registry/client.js';
import { resolveCredentials } from '../../src/registry/credentials.js';
import { pushImage, putTag } from '../../src/registry/push.js';
import { RemoteSource } from '../../src/registry/remote.js';
import { makeFixtureImage, type FixtureImage } from './fixtures.js';

const REGISTRY = '127.0.0.1:5000';
const PING = `http://${REGISTRY}/v2/`;

/** Any HTTP answer from /v2/ (200, or 401 from a registry with auth) means a registry is there. */
function probe(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(PING, { method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.headers['docker-distribution-api-version'] || res.statusCode === 200 ? undefined : `answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 3s')));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

const problem = await probe();
const inCI = Boolean(process.env['CI']);

if (problem !== undefined) {
  if (inCI) {
    test('the stack registry is reachable', () => {
      throw new Error(`registry at ${PING} is not reachable (${problem}); start it with scripts/stack.sh`);
    });
  } else {
    test.skip(`real registry at ${PING} (not reachable: ${problem})`, () => undefined);
  }
} else {
  describe(`real registry at ${REGISTRY}`, () => {
    let dir: string;
    let image: FixtureImage;
    let client: RegistryClient;
    const run = randomBytes(4).toString('hex');
    const repo = `multiarch-e2e/registry-${run}`;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'multiarch-e2e-'));
      image = await makeFixtureImage(dir);
      const credentials = await resolveCredentials(REGISTRY, { onSecret: () => undefined });
      client = new RegistryClient({ registry: REGISTRY, credentials, retry: { attempts: 3, baseDelayMs: 100 } });
    });

    afterAll(async () => {
      client?.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('pushes a multi-platform layout by digest', async () => {
      const stats = await pushImage(image.layout, image.root, { client, repo });
      expect(stats).toMatchObject({ blobsPushed: image.blobs.length, blobsSkipped: 0, manifestsPushed: 4 });
      const head = await client.headManifest(repo, image.root.digest);
      expect(head).toEqual({ mediaType: image.root.mediaType, digest: image.root.digest, size: image.root.size });
    });

    test('a second push skips everything', async () => {
      const stats = await pushImage(image.layout, image.root, { client, repo });
      expect(stats).toMatchObject({ blobsPushed: 0, blobsSkipped: image.blobs.length, manifestsPushed: 0, bytesPushed: 0 });
    });

    test('tags with the exact bytes and reads them back verified', async () => {
      expect(await putTag(client, repo, 'e2e', image.indexBytes, image.root.mediaType)).toBe(image.root.digest);
      const source = new RemoteSource(client, repo);
      const fetched = await source.getManifest('e2e');
      expect(fetched.bytes).toEqual(image.indexBytes);
      for (const blob of image.blobs) {
        const chunks: Buffer[] = [];
        for await (const chunk of (await source.openBlob(blob.digest)) as AsyncIterable<Buffer>) chunks.push(chunk);
        expect(Buffer.concat(chunks).length).toBe(blob.size);
      }
      expect(source.bytesRead()).toBeGreaterThan(image.blobs.reduce((n, b) => n + b.size, 0));
    });

    test('mounts blobs into a sibling repository', async () => {
      const sibling = `${repo}-mounted`;
      const stats = await pushImage(image.layout, image.root, { client, repo: sibling }, { mountFrom: [{ client, repo }] });
      expect(stats.blobsMounted).toBe(image.blobs.length);
      expect(stats.blobsPushed).toBe(0);
    });

    test("errors carry the registry's own message", async () => {
      await expect(client.getManifest(repo, 'no-such-tag')).rejects.toThrow(
        `GET http://${REGISTRY}/v2/${repo}/manifests/no-such-tag failed with 404: MANIFEST_UNKNOWN`
      );
      const data = Buffer.from('not what the digest says');
      await expect(
        client.pushBlob(repo, `sha256:${'0'.repeat(64)}`, data.length, () => Readable.from([data]))
      ).rejects.toThrow('digest mismatch for local blob');
    });
  });
}
