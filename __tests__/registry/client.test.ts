import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import { DigestMismatchError } from '../../src/registry/digest.js';
import { RegistryError } from '../../src/registry/errors.js';
import { MediaType } from '../../src/types/oci.js';
import { FakeRegistry, type FakeRegistryOptions } from './fake-registry.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2000 };

let registry: FakeRegistry;
const clients: RegistryClient[] = [];

async function start(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  registry = await new FakeRegistry(opts).start();
  return registry;
}

function client(opts: Partial<RegistryClientOptions> = {}): RegistryClient {
  const c = new RegistryClient({ registry: registry.host, retry: FAST, ...opts });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await registry?.stop();
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function manifestFor(config: Buffer, layer: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MediaType.OciLayerGzip, digest: sha256(layer), size: layer.length }]
    })
  );
}

/** Push a config and a layer, then a manifest for them by digest; returns the pieces. */
async function seedImage(c: RegistryClient, repo: string) {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layer = randomBytes(3000);
  await c.pushBlob(repo, sha256(config), config.length, () => Readable.from([config]));
  await c.pushBlob(repo, sha256(layer), layer.length, () => Readable.from([layer]));
  const manifest = manifestFor(config, layer);
  const digest = await c.putManifest(repo, sha256(manifest), manifest, MediaType.OciManifest);
  return { config, layer, manifest, digest };
}

describe('anonymous registry', () => {
  test('blob and manifest round trip', async () => {
    await start();
    const c = client();
    const { layer, manifest, digest } = await seedImage(c, 'org/app');

    expect(await c.headBlob('org/app', sha256(layer))).toEqual({ digest: sha256(layer), size: layer.length });
    expect(await c.headBlob('org/app', sha256(Buffer.from('nope')))).toBeUndefined();
    expect(await readAll(await c.openBlob('org/app', sha256(layer)))).toEqual(layer);

    expect(await c.putManifest('org/app', 'v1', manifest, MediaType.OciManifest)).toBe(digest);
    const byTag = await c.getManifest('org/app', 'v1');
    expect(byTag).toEqual({ bytes: manifest, digest, mediaType: MediaType.OciManifest });
    expect((await c.getManifest('org/app', digest)).bytes).toEqual(manifest);
    expect(await c.headManifest('org/app', 'v1')).toEqual({ mediaType: MediaType.OciManifest, digest, size: manifest.length });
    expect(await c.headManifest('org/app', 'v2')).toBeUndefined();

    await c.deleteManifest('org/app', digest);
    expect(await c.headManifest('org/app', digest)).toBeUndefined();
  });

  test('counts bytes read (manifests and blobs) and written', async () => {
    await start();
    const c = client();
    const { layer, manifest, digest } = await seedImage(c, 'app');
    expect(c.bytesRead()).toBe(0);
    await c.getManifest('app', digest);
    await readAll(await c.openBlob('app', sha256(layer)));
    expect(c.bytesRead()).toBe(manifest.length + layer.length);
    expect(c.bytesWritten()).toBeGreaterThanOrEqual(layer.length + manifest.length);
  });

  test('pushBlob streams a large blob in chunks without holding it whole', async () => {
    await start();
    const c = client();
    const chunk = randomBytes(64 * 1024);
    const count = 64; // 4 MiB
    const hash = createHash('sha256');
    for (let i = 0; i < count; i++) hash.update(chunk);
    const digest = `sha256:${hash.digest('hex')}`;
    let opened = 0;
    await c.pushBlob('big', digest, chunk.length * count, () => {
      opened++;
      return Readable.from(
        (function* () {
          for (let i = 0; i < count; i++) yield chunk;
        })()
      );
    });
    expect(opened).toBe(1);
    expect(registry.repo('big').blobs.get(digest)?.length).toBe(chunk.length * count);
  });

  test('a manifest GET error carries the registry message, method and URL, and is not retried', async () => {
    await start();
    const c = client();
    const err = await c.getManifest('org/app', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toBe(
      `GET http://${registry.host}/v2/org/app/manifests/missing failed with 404: MANIFEST_UNKNOWN: manifest unknown`
    );
    expect(registry.registryRequests().filter((r) => r.url.includes('missing'))).toHaveLength(1);
  });

  test('refuses bad repositories and references before sending anything', async () => {
    await start();
    const c = client();
    await expect(c.getManifest('Org/App', 'v1')).rejects.toThrow('repository must be lowercase');
    await expect(c.getManifest('org/app', '../../etc')).rejects.toThrow('invalid manifest reference');
    await expect(c.headBlob('org/app', 'sha256:123')).rejects.toThrow('invalid or unsupported digest');
    expect(registry.requests).toHaveLength(0);
  });
});

describe('digest verification', () => {
  test('a corrupt blob body errors at the end of the stream', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'app');
    registry.corruptBlobs.add(sha256(layer));
    const stream = await c.openBlob('app', sha256(layer));
    await expect(readAll(stream)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  test('a corrupt manifest body is refused, whether asked by tag or digest', async () => {
    await start();
    const c = client();
    const { manifest, digest } = await seedImage(c, 'app');
    await c.putManifest('app', 'v1', manifest, MediaType.OciManifest);
    registry.corruptManifests.add(digest);
    await expect(c.getManifest('app', digest)).rejects.toThrow(`digest mismatch for manifest ${registry.host}/app@${digest}`);
    await expect(c.getManifest('app', 'v1')).rejects.toBeInstanceOf(DigestMismatchError);
  });

  test('putManifest checks the digest the registry reports', async () => {
    await start();
    const c = client();
    const { manifest } = await seedImage(c, 'app');
    registry.wrongPutDigest = true;
    await expect(c.putManifest('app', 'v1', manifest, MediaType.OciManifest)).rejects.toThrow(
      'registry stored manifest v1 as sha256:'
    );
  });

  test('putManifest refuses bytes that do not match the digest they are pushed under', async () => {
    await start();
    const c = client();
    await expect(c.putManifest('app', `sha256:${'0'.repeat(64)}`, Buffer.from('{}'), MediaType.OciManifest)).rejects.toThrow(
      'not to the digest'
    );
    expect(registry.requests).toHaveLength(0);
  });

  test('pushBlob fails with the local error when the source does not match its digest', async () => {
    await start();
    const c = client();
    const data = Buffer.from('hello');
    await expect(
      c.pushBlob('app', sha256(Buffer.from('other')), data.length, () => Readable.from([data]))
    ).rejects.toThrow('digest mismatch for local blob');
    expect(registry.repo('app').blobs.size).toBe(0);
  });

  test('pushBlob aborts (does not hang) when the source stream fails midway', async () => {
    await start();
    const c = client();
    const source = (): Readable =>
      new Readable({
        read() {
          this.push(Buffer.alloc(1024));
          this.destroy(new Error('disk on fire'));
        }
      });
    await expect(c.pushBlob('app', sha256(Buffer.alloc(4096)), 4096, source)).rejects.toThrow('disk on fire');
  });
});

describe('authentication', () => {
  test('Basic: anonymous first, then Basic credentials after the challenge', async () => {
    await start({ auth: 'basic', users: { alice: 's3cret' } });
    const c = client({ credentials: { username: 'alice', password: 's3cret' } });
    await seedImage(c, 'app');
    const [first, second, ...rest] = registry.registryRequests();
    expect(first?.authorization).toBeUndefined();
    expect(second?.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    // Once the scheme is known, credentials go with every request: no further 401 round trips.
    expect(rest.every((r) => r.authorization === second?.authorization)).toBe(true);
  });

  test('Basic without credentials: a 401 error that says none were found', async () => {
    await start({ auth: 'basic', users: { alice: 's3cret' } });
    const c = client();
    await expect(c.headBlob('app', sha256(Buffer.from('x')))).rejects.toThrow(
      `HEAD http://${registry.host}/v2/app/blobs/${sha256(Buffer.from('x'))} failed with 401: unauthorized (no credentials found for ${registry.host})`
    );
  });

  test('Basic with wrong credentials: one retry, then a 401 error that says they were not accepted', async () => {
    await start({ auth: 'basic', users: { alice: 's3cret' } });
    const c = client({ credentials: { username: 'alice', password: 'wrong' } });
    await expect(c.getManifest('app', 'v1')).rejects.toThrow('were not accepted');
    expect(registry.registryRequests()).toHaveLength(2);
  });

  test('Bearer: token from the realm with service and scope, cached per scope, masked', async () => {
    await start({ auth: 'bearer', users: { bob: 'pw' } });
    const secrets: string[] = [];
    const c = client({ credentials: { username: 'bob', password: 'pw' }, onSecret: (s) => secrets.push(s) });
    const { manifest, digest } = await seedImage(c, 'org/app');
    await c.putManifest('org/app', 'v1', manifest, MediaType.OciManifest);
    expect((await c.getManifest('org/app', 'v1')).digest).toBe(digest);
    await c.getManifest('org/app', digest);

    // One token for pull,push and one for pull, however many requests were made.
    expect(registry.tokenScopes).toEqual([['repository:org/app:pull,push'], ['repository:org/app:pull']]);
    const tokenRequests = registry.requests.filter((r) => r.server === 'token');
    expect(tokenRequests.every((r) => r.authorization === `Basic ${Buffer.from('bob:pw').toString('base64')}`)).toBe(true);
    expect(tokenRequests[0]?.url).toContain('service=fake-registry');
    expect(secrets).toEqual(registry.tokensIssued);
    // Only the very first request went without a token.
    expect(registry.registryRequests().filter((r) => !r.authorization)).toHaveLength(1);
  });

  test('Bearer anonymous: pull works with an anonymous token; push fails with a clear 401', async () => {
    await start({ auth: 'bearer', users: { bob: 'pw' }, anonymousPull: true });
    const writer = client({ credentials: { username: 'bob', password: 'pw' } });
    const { digest } = await seedImage(writer, 'app');
    const reader = client();
    expect((await reader.getManifest('app', digest)).digest).toBe(digest);
    await expect(reader.pushBlob('app', sha256(Buffer.from('x')), 1, () => Readable.from([Buffer.from('x')]))).rejects.toThrow(
      `failed with 401: UNAUTHORIZED: authentication required (no credentials found for ${registry.host})`
    );
  });

  test('Bearer: a mount asks for pull on the source repository in the same token', async () => {
    await start({ auth: 'bearer', users: { bob: 'pw' } });
    const c = client({ credentials: { username: 'bob', password: 'pw' } });
    const { layer } = await seedImage(c, 'base');
    expect(await c.mountBlob('app', sha256(layer), 'base')).toBe(true);
    expect(registry.tokenScopes).toContainEqual(['repository:app:pull,push', 'repository:base:pull']);
    expect(registry.repo('app').blobs.has(sha256(layer))).toBe(true);
  });

  test('Bearer: wrong credentials fail at the token endpoint with its message', async () => {
    await start({ auth: 'bearer', users: { bob: 'pw' } });
    const c = client({ credentials: { username: 'bob', password: 'nope' } });
    await expect(c.getManifest('app', 'v1')).rejects.toThrow(
      `GET http://${registry.host}/token failed with 401: {"details":"incorrect username or password"}`
    );
  });
});

describe('redirects', () => {
  test('blob GETs follow a 307 to storage on another port, without the Authorization header', async () => {
    await start({ auth: 'basic', users: { alice: 's3cret' } });
    const c = client({ credentials: { username: 'alice', password: 's3cret' } });
    const { layer } = await seedImage(c, 'app');
    registry.redirectBlobs = true;
    expect(await readAll(await c.openBlob('app', sha256(layer)))).toEqual(layer);
    const storage = registry.requests.filter((r) => r.server === 'storage');
    expect(storage).toHaveLength(1);
    expect(storage[0]?.authorization).toBeUndefined();
    expect(storage[0]?.url).toContain('sig=SIGNED-SECRET');
    // The registry itself did get the credentials.
    expect(registry.registryRequests().at(-1)?.authorization).toMatch(/^Basic /);
  });

  test('a corrupt body from storage is still caught', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'app');
    registry.redirectBlobs = true;
    registry.corruptBlobs.add(sha256(layer));
    await expect(readAll(await c.openBlob('app', sha256(layer)))).rejects.toBeInstanceOf(DigestMismatchError);
  });
});

describe('retries', () => {
  test('429 with Retry-After is honoured', async () => {
    await start();
    const c = client();
    const { digest } = await seedImage(c, 'app');
    registry.faults.push({ method: 'GET', path: '/manifests/', status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] } });
    const started = Date.now();
    expect((await c.getManifest('app', digest)).digest).toBe(digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('503s are retried with backoff until they pass', async () => {
    await start();
    const c = client();
    registry.faults.push({ method: 'POST', path: '/blobs/uploads/', status: 503, times: 2 });
    const data = Buffer.from('retry me');
    await c.pushBlob('app', sha256(data), data.length, () => Readable.from([data]));
    expect(registry.repo('app').blobs.get(sha256(data))).toEqual(data);
    expect(registry.registryRequests().filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  test('a failed upload PUT starts over with a new session and a freshly opened source', async () => {
    await start();
    const c = client();
    registry.faults.push({ method: 'PUT', path: '/blobs/uploads/', status: 500, times: 1 });
    const data = randomBytes(100_000);
    let opened = 0;
    await c.pushBlob('app', sha256(data), data.length, () => {
      opened++;
      return Readable.from([data]);
    });
    expect(opened).toBe(2);
    expect(registry.registryRequests().filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  test('persistent 503s give up after the configured attempts with the registry message', async () => {
    await start();
    const c = client();
    registry.faults.push({ path: '/manifests/', status: 503, times: 100, body: { errors: [{ code: 'UNAVAILABLE', message: 'try later' }] } });
    await expect(c.getManifest('app', 'v1')).rejects.toThrow(
      `GET http://${registry.host}/v2/app/manifests/v1 failed with 503: UNAVAILABLE: try later (after 4 attempts)`
    );
  });

  test('a dropped connection is retried', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'app');
    registry.faults.push({ method: 'HEAD', path: '/blobs/', reset: true, times: 1 });
    expect(await c.headBlob('app', sha256(layer))).toEqual({ digest: sha256(layer), size: layer.length });
  });

  test('a request that times out is retried; if it keeps timing out the error names it without the query', async () => {
    await start();
    const c = client({ timeoutMs: 200 });
    const { layer } = await seedImage(c, 'app');
    registry.faults.push({ method: 'GET', path: '/blobs/', hang: true, times: 1 });
    expect((await readAll(await c.openBlob('app', sha256(layer)))).length).toBe(layer.length);

    registry.faults.push({ method: 'PUT', path: '/blobs/uploads/', hang: true, times: 100 });
    const data = Buffer.from('slow');
    const err = (await c.pushBlob('app', sha256(data), data.length, () => Readable.from([data])).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`^PUT http://${registry.host}/v2/app/blobs/uploads/[0-9a-f]+: Request timeout \\(after 4 attempts\\)$`));
  });

  test('a manifest that 404s right after this client pushed it is retried', async () => {
    await start();
    const c = client();
    const { manifest } = await seedImage(c, 'app');
    registry.hideAfterPush = 2;
    const digest = await c.putManifest('app', 'v2', manifest, MediaType.OciManifest);
    expect((await c.getManifest('app', 'v2')).digest).toBe(digest);
    registry.hideAfterPush = 2;
    await c.putManifest('app', 'v3', manifest, MediaType.OciManifest);
    expect(await c.headManifest('app', 'v3')).toMatchObject({ digest });
  });

  test('outside the consistency window a 404 is final', async () => {
    await start();
    const c = client({ consistencyWindowMs: 0 });
    const { manifest } = await seedImage(c, 'app');
    registry.hideAfterPush = 1;
    await c.putManifest('app', 'v2', manifest, MediaType.OciManifest);
    await expect(c.getManifest('app', 'v2')).rejects.toThrow('MANIFEST_UNKNOWN');
  });
});

describe('mounts', () => {
  test('201: mounted without uploading', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'base');
    let opened = 0;
    const mounted = await c.mountBlob('app', sha256(layer), 'base', {
      size: layer.length,
      open: () => {
        opened++;
        return Readable.from([layer]);
      }
    });
    expect(mounted).toBe(true);
    expect(opened).toBe(0);
    expect(registry.registryRequests().at(-1)?.url).toBe(`/v2/app/blobs/uploads/?mount=${encodeURIComponent(sha256(layer))}&from=base`);
  });

  test('202: the blob is uploaded through the session the registry opened', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'base');
    registry.declineMounts = true;
    const before = registry.registryRequests().length;
    const mounted = await c.mountBlob('app', sha256(layer), 'base', { size: layer.length, open: () => Readable.from([layer]) });
    expect(mounted).toBe(false);
    expect(registry.repo('app').blobs.get(sha256(layer))).toEqual(layer);
    const after = registry.registryRequests().slice(before).map((r) => r.method);
    expect(after).toEqual(['POST', 'PUT']);
  });

  test('202 without an upload source: the session is cancelled', async () => {
    await start();
    const c = client();
    const { layer } = await seedImage(c, 'base');
    registry.declineMounts = true;
    expect(await c.mountBlob('app', sha256(layer), 'base')).toBe(false);
    expect(registry.registryRequests().at(-1)?.method).toBe('DELETE');
    expect(registry.repo('app').blobs.has(sha256(layer))).toBe(false);
  });
});
