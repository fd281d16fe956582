import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { pushImage, putTag } from '../../src/registry/push.js';
import { RemoteSource } from '../../src/registry/remote.js';
import { MediaType } from '../../src/types/oci.js';
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.js';
import { makeFixtureImage, type FixtureImage } from './fixtures.js';

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 10 };
let dir: string;
let image: FixtureImage;
const registries: FakeRegistry[] = [];
const clients: RegistryClient[] = [];

async function registry(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const r = await new FakeRegistry(opts).start();
  registries.push(r);
  return r;
}

function client(r: FakeRegistry, opts: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}): RegistryClient {
  const c = new RegistryClient({ registry: r.host, retry: FAST, ...opts });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multiarch-push-'));
  image = await makeFixtureImage(dir);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of registries.splice(0)) await r.stop();
  await rm(dir, { recursive: true, force: true });
});

const blobBytes = (): number => image.blobs.reduce((n, b) => n + b.size, 0);
const manifestBytes = (): number => image.manifests.reduce((n, m) => n + m.size, 0);

test('pushes every blob and manifest by digest, children before parents, root last, no tag', async () => {
  const r = await registry();
  const c = client(r);
  const stats = await pushImage(image.layout, image.root, { client: c, repo: 'org/app' });

  expect(stats).toEqual({
    blobsPushed: image.blobs.length,
    blobsSkipped: 0,
    blobsMounted: 0,
    manifestsPushed: 4,
    manifestsSkipped: 0,
    bytesPushed: blobBytes() + manifestBytes()
  });
  const repo = r.repo('org/app');
  expect([...repo.blobs.keys()].sort()).toEqual(image.blobs.map((b) => b.digest).sort());
  expect(repo.blobs.has(image.foreign.digest)).toBe(false);
  expect(repo.tags.size).toBe(0);

  const manifestPuts = r.registryRequests().filter((q) => q.method === 'PUT' && q.url.includes('/manifests/'));
  expect(manifestPuts.at(-1)?.url).toBe(`/v2/org/app/manifests/${image.root.digest}`);
  // The attestation (third manifest) goes after the platform manifests it describes.
  const order = manifestPuts.map((q) => q.url.split('/').pop());
  expect(order.indexOf(image.manifests[2]?.digest)).toBeGreaterThan(order.indexOf(image.manifests[0]?.digest));
  expect(order.indexOf(image.manifests[2]?.digest)).toBeGreaterThan(order.indexOf(image.manifests[1]?.digest));
  // The foreign layer is never even asked about.
  expect(r.requests.some((q) => q.url.includes(image.foreign.digest))).toBe(false);
  // Uploads ran in parallel, but never more than four at a time.
  expect(r.maxConcurrentUploads).toBeGreaterThan(1);
  expect(r.maxConcurrentUploads).toBeLessThanOrEqual(4);

  // What landed reads back identically through the remote source.
  const remote = new RemoteSource(c, 'org/app');
  expect((await remote.getManifest(image.root.digest)).bytes).toEqual(image.indexBytes);
  expect(remote.name).toBe(`${r.host}/org/app`);
});

test('a second push skips every blob and manifest', async () => {
  const r = await registry();
  const c = client(r);
  await pushImage(image.layout, image.root, { client: c, repo: 'app' });
  const before = r.registryRequests().length;
  const again = await pushImage(image.layout, image.root, { client: c, repo: 'app' });
  expect(again).toEqual({
    blobsPushed: 0,
    blobsSkipped: image.blobs.length,
    blobsMounted: 0,
    manifestsPushed: 0,
    manifestsSkipped: 4,
    bytesPushed: 0
  });
  const methods = new Set(r.registryRequests().slice(before).map((q) => q.method));
  expect([...methods]).toEqual(['HEAD']);
});

test('blobs another repository on the same registry has are mounted, not uploaded', async () => {
  const r = await registry({ auth: 'bearer', users: { ci: 'pw' } });
  const c = client(r, { credentials: { username: 'ci', password: 'pw' } });
  await pushImage(image.layout, image.root, { client: c, repo: 'base' });
  const stats = await pushImage(image.layout, image.root, { client: c, repo: 'app' }, { mountFrom: [{ client: c, repo: 'base' }] });
  expect(stats.blobsMounted).toBe(image.blobs.length);
  expect(stats.blobsPushed).toBe(0);
  expect(stats.bytesPushed).toBe(manifestBytes());
  expect(r.registryRequests().some((q) => q.method === 'PUT' && q.url.includes('/v2/app/blobs/uploads/'))).toBe(false);
});

test('a declined mount falls back to uploading', async () => {
  const r = await registry();
  const c = client(r);
  await pushImage(image.layout, image.root, { client: c, repo: 'base' });
  r.declineMounts = true;
  const stats = await pushImage(image.layout, image.root, { client: c, repo: 'app' }, { mountFrom: [{ client: c, repo: 'base' }] });
  expect(stats.blobsMounted).toBe(0);
  expect(stats.blobsPushed).toBe(image.blobs.length);
  expect(r.repo('app').blobs.size).toBe(image.blobs.length);
});

test('mount sources on another registry are ignored', async () => {
  const r = await registry();
  const other = await registry();
  const c = client(r);
  const elsewhere = client(other);
  await pushImage(image.layout, image.root, { client: elsewhere, repo: 'base' });
  const before = other.requests.length;
  const stats = await pushImage(image.layout, image.root, { client: c, repo: 'app' }, { mountFrom: [{ client: elsewhere, repo: 'base' }] });
  expect(stats.blobsPushed).toBe(image.blobs.length);
  // The other registry is not even asked: a mount cannot cross registries.
  expect(other.requests.length).toBe(before);
});

test('putTag PUTs the exact bytes under a tag and returns the verified digest', async () => {
  const r = await registry();
  const c = client(r);
  await pushImage(image.layout, image.root, { client: c, repo: 'app' });
  expect(await putTag(c, 'app', 'v1.0', image.indexBytes, MediaType.OciIndex)).toBe(image.root.digest);
  const fetched = await c.getManifest('app', 'v1.0');
  expect(fetched.bytes).toEqual(image.indexBytes);
  expect(fetched.digest).toBe(image.root.digest);
  await expect(putTag(c, 'app', '-bad', image.indexBytes, MediaType.OciIndex)).rejects.toThrow('invalid tag "-bad"');
});

test('a registry-to-registry copy works through RemoteSource', async () => {
  const r = await registry();
  const c = client(r);
  await pushImage(image.layout, image.root, { client: c, repo: 'src' });
  const stats = await pushImage(new RemoteSource(c, 'src'), image.root, { client: c, repo: 'copy' });
  expect(stats.blobsPushed).toBe(image.blobs.length);
  expect((await c.getManifest('copy', image.root.digest)).bytes).toEqual(image.indexBytes);
});
