/**
 * The registry client against the stack's REAL registry (scripts/stack.sh, 127.0.0.1:5000)
 * through a fault-injecting proxy: 429 with Retry-After, 500/502/503 and connection resets, at
 * a seeded rate. At 20% a whole push + tag + read back must still complete; at 100% it must fail
 * with a clear error and leave no tag behind. If the stack registry is not reachable these tests
 * fail (they never skip).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { RegistryError } from '../../src/registry/errors.js';
import { pushImage, putTag } from '../../src/registry/push.js';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../stack/fault-proxy.js';
import { listTags, plainRequest, requireStackRegistry, STACK_REGISTRY_URL } from '../stack/http.js';
import { readBackImage } from '../stack/read-back.js';
import { makeFixtureImage, type FixtureImage } from './fixtures.js';

const run = randomBytes(4).toString('hex');
const TAG = 'e2e';
const STATUS_FAULTS: FaultKind[] = ['429', '500', '502', '503'];
let work: string;
let image: FixtureImage;

beforeAll(async () => {
  // Fails every test below (rather than skipping them) when the stack is down.
  await requireStackRegistry();
  work = await mkdtemp(join(tmpdir(), 'multiarch-faults-e2e-'));
  image = await makeFixtureImage(join(work, 'layout'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Run `body` with a proxy and a client through it; both are always closed, and a failure says what the proxy did. */
async function throughProxy<T>(
  proxyOpts: Omit<Parameters<typeof startFaultProxy>[0], 'target'>,
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number },
  body: (client: RegistryClient, proxy: FaultProxy) => Promise<T>
): Promise<T> {
  const proxy = await startFaultProxy({ target: STACK_REGISTRY_URL, lifetimeMs: 100_000, maxRequests: 2000, ...proxyOpts });
  const client = new RegistryClient({ registry: proxy.registry, retry, consistencyWindowMs: 0 });
  try {
    return await body(client, proxy);
  } catch (err) {
    const faults = proxy.events.filter((e) => e.fault).map((e) => `#${e.n} ${e.method} ${e.path} → ${e.fault} (${e.phase})`);
    (err as Error).message += `\n[fault proxy: ${JSON.stringify(proxy.stats())}; faults:\n  ${faults.slice(-30).join('\n  ')}]`;
    throw err;
  } finally {
    client.close();
    await proxy.stop();
  }
}

/** What the registry on :5000 itself says the tag points at (no proxy, no client under test). */
async function digestOnStack(repo: string, ref: string): Promise<string | undefined> {
  const res = await plainRequest(`${STACK_REGISTRY_URL}/v2/${repo}/manifests/${ref}`, {
    method: 'HEAD',
    headers: { accept: image.root.mediaType }
  });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`HEAD ${repo}:${ref} on the stack registry answered ${res.status}`);
  return String(res.headers['docker-content-digest']);
}

describe(`fault proxy in front of the stack registry (${STACK_REGISTRY_URL})`, () => {
  test.each([
    { seed: 20, phase: 'request' as const },
    { seed: 21, phase: 'response' as const },
    { seed: 22, phase: 'either' as const }
  ])('at 20% faults ($phase phase, seed $seed) push + mount + tag + read back complete', async ({ seed, phase }) => {
    const repo = `multiarch-e2e/faults-${run}-${seed}`;
    const stats = await throughProxy({ rate: 0.2, seed, phase }, { attempts: 8, baseDelayMs: 5, maxDelayMs: 1000 }, async (client, proxy) => {
      await pushImage(image.layout, image.root, { client, repo });
      // Cross-repository mounts go through the proxy too.
      const mounted = await pushImage(image.layout, image.root, { client, repo: `${repo}-mounted` }, { mountFrom: [{ client, repo }] });
      expect(mounted.blobsMounted + mounted.blobsSkipped).toBe(image.blobs.length);
      expect(await putTag(client, repo, TAG, image.indexBytes, image.root.mediaType)).toBe(image.root.digest);
      await readBackImage(client, repo, image, TAG);

      // Upload sessions continued through the proxy: the registry's Location was rewritten.
      const uploads = proxy.events.filter((e) => e.method === 'PUT' && /\/blobs\/uploads\/[^/]+$/.test(e.path));
      expect(uploads.some((e) => e.upstreamStatus === 201)).toBe(true);
      return proxy.stats();
    });

    // The faults really happened, at about the rate asked for.
    expect(stats.injectedTotal).toBeGreaterThanOrEqual(3);
    expect(stats.injectedTotal / stats.requests).toBeGreaterThan(0.05);
    expect(stats.injectedTotal / stats.requests).toBeLessThan(0.4);
    // And the registry itself, asked directly, has the tag on the right digest.
    expect(await listTags(STACK_REGISTRY_URL, repo)).toEqual([TAG]);
    expect(await digestOnStack(repo, TAG)).toBe(image.root.digest);
  });

  test('at 100% 503s the push fails naming the status, and no tag reaches the registry', async () => {
    const repo = `multiarch-e2e/faults-${run}-all503`;
    await throughProxy({ rate: 1, seed: 100, faults: ['503'] }, { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, async (client, proxy) => {
      const push = await pushImage(image.layout, image.root, { client, repo }).then(
        () => undefined,
        (e: unknown) => e
      );
      expect(push).toBeInstanceOf(RegistryError);
      expect((push as RegistryError).status).toBe(503);
      // The push starts with HEADs, whose answers have no body: the status text stands in.
      expect((push as Error).message).toMatch(
        new RegExp(`^HEAD ${proxy.url}/v2/${repo}/blobs/sha256:[0-9a-f]{64} failed with 503: service unavailable \\(after 3 attempts\\)$`)
      );

      // Tagging anyway fails the same way.
      await expect(putTag(client, repo, TAG, image.indexBytes, image.root.mediaType)).rejects.toThrow(
        new RegExp(`^PUT ${proxy.url}/v2/${repo}/manifests/${TAG} failed with 503: UNAVAILABLE: injected by fault proxy \\(request \\d+, request\\) \\(after 3 attempts\\)$`)
      );
      expect(proxy.stats().forwarded).toBe(0);
    });
    expect(await listTags(STACK_REGISTRY_URL, repo)).toEqual([]);
    expect(await digestOnStack(repo, TAG)).toBeUndefined();
  });

  test('at 100% mixed 429/5xx the error names the status of the last attempt', async () => {
    const repo = `multiarch-e2e/faults-${run}-allmixed`;
    await throughProxy({ rate: 1, seed: 101, faults: STATUS_FAULTS }, { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 }, async (client, proxy) => {
      const err = await putTag(client, repo, TAG, image.indexBytes, image.root.mediaType).then(
        () => undefined,
        (e: unknown) => e
      );
      expect(err).toBeInstanceOf(RegistryError);
      const { status, message } = err as RegistryError;
      // One request, four attempts, all answered by the proxy: the error is about the last answer.
      expect(proxy.events).toHaveLength(4);
      expect(proxy.lastFault()?.fault).toBe(String(status));
      expect(message).toContain(`PUT ${proxy.url}/v2/${repo}/manifests/${TAG} failed with ${status}: `);
      expect(message).toContain(`injected by fault proxy (request 4, request)`);
      expect(message).toMatch(/\(after 4 attempts\)$/);
    });
    expect(await listTags(STACK_REGISTRY_URL, repo)).toEqual([]);
  });

  test('at 100% connection resets the push fails with the network error, and no tag reaches the registry', async () => {
    const repo = `multiarch-e2e/faults-${run}-allreset`;
    await throughProxy({ rate: 1, seed: 102, faults: ['reset'] }, { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, async (client) => {
      await expect(pushImage(image.layout, image.root, { client, repo })).rejects.toThrow(
        /^HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/\S+: (socket hang up|read ECONNRESET) \(after 3 attempts\)$/
      );
      await expect(putTag(client, repo, TAG, image.indexBytes, image.root.mediaType)).rejects.toThrow(/\(after 3 attempts\)$/);
    });
    expect(await listTags(STACK_REGISTRY_URL, repo)).toEqual([]);
  });

  test('the proxy stops itself after its lifetime and after maxRequests', async () => {
    const short = await startFaultProxy({ target: STACK_REGISTRY_URL, rate: 0, lifetimeMs: 100 });
    const deadline = Date.now() + 5000;
    while (!short.stopped && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(short.stopped).toBe(true);
    await short.stop();
    await expect(plainRequest(`${short.url}/v2/`)).rejects.toThrow(/ECONNREFUSED/);

    const counted = await startFaultProxy({ target: STACK_REGISTRY_URL, rate: 0, maxRequests: 2 });
    expect((await plainRequest(`${counted.url}/v2/`)).status).toBe(200);
    await plainRequest(`${counted.url}/v2/`).catch(() => undefined);
    expect(counted.stopped).toBe(true);
    await counted.stop();
    await expect(plainRequest(`${counted.url}/v2/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
