/**
 * Verification through connections that drop in the middle of a blob. The fault proxy fronts the
 * stack's real registry and, at 20% of requests (seeded, at most a bounded number), passes a blob
 * answer's headers and part of its body, then resets the connection. The images are the stack's
 * own pushed base images, verified down to their entrypoints' ELF headers and loaders: every check
 * must pass, as it does with no faults, and the resets must have landed (and been resumed with a
 * Range request) in the layers verification read.
 */
import { RegistryClient } from '../../src/registry/client.js';
import { RemoteSource } from '../../src/registry/remote.js';
import { verifyImage } from '../../src/verify/checks.js';
import { startFaultProxy, type FaultProxy } from '../stack/fault-proxy.js';
import { requireStackRegistry, STACK_REGISTRY_URL } from '../stack/http.js';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const IMAGES = [
  { repo: 'library/python', ref: '3.11-slim' },
  { repo: 'library/busybox', ref: '1.35' }
];

beforeAll(async () => {
  await requireStackRegistry();
});

async function verifyThrough(proxy: FaultProxy, repo: string, ref: string) {
  const client = new RegistryClient({ registry: proxy.registry, retry: { attempts: 6, baseDelayMs: 5, maxDelayMs: 200 } });
  try {
    return await verifyImage(new RemoteSource(client, repo), ref, PLATFORMS, { entrypoint: true });
  } finally {
    client.close();
  }
}

function failedChecks(v: Awaited<ReturnType<typeof verifyThrough>>): string[] {
  return v.platforms.flatMap((p) => p.checks.filter((c) => !c.ok && !c.skipped).map((c) => `${p.platform} ${c.name}: ${c.actual ?? ''} ${c.detail ?? ''}`));
}

test.each(IMAGES)('$repo:$ref verifies with no failed check at 20% mid-body resets', async ({ repo, ref }) => {
  // With no faults first: what a clean read looks like, so a failure below is the faults' doing.
  const clean = await startFaultProxy({ target: STACK_REGISTRY_URL, rate: 0, lifetimeMs: 120_000 });
  try {
    const v = await verifyThrough(clean, repo, ref);
    expect(failedChecks(v)).toEqual([]);
    expect(v.platforms.every((p) => p.checks.some((c) => c.name === 'entrypoint-arch' && c.ok))).toBe(true);
  } finally {
    await clean.stop();
  }

  const proxy = await startFaultProxy({ target: STACK_REGISTRY_URL, rate: 0.2, seed: 80, faults: ['body-reset'], maxFaults: 10, lifetimeMs: 120_000 });
  try {
    const v = await verifyThrough(proxy, repo, ref);
    const resets = proxy.events.filter((e) => e.fault === 'body-reset');
    const trace = proxy.events.filter((e) => e.method === 'GET').map((e) => `#${e.n} ${e.path.split('/').pop()?.slice(0, 19)} ${e.range ?? ''} ${e.fault ? `→ reset after ${e.resetAfterBytes} B` : ''}`);
    expect({ failed: failedChecks(v), trace }).toEqual({ failed: [], trace });
    expect(v.ok).toBe(true);
    // The faults really happened, within the bound, and each was resumed from where it stopped.
    expect(resets.length).toBeGreaterThanOrEqual(1);
    expect(resets.length).toBeLessThanOrEqual(10);
    for (const r of resets) {
      const resumed = proxy.events.find((e) => e.n > r.n && e.path === r.path && e.range !== undefined);
      // A reader that had already stopped (the entrypoint found) does not resume.
      if (resumed) expect(resumed.range).toMatch(/^bytes=\d+-$/);
    }
    expect(proxy.events.some((e) => e.range !== undefined)).toBe(true);
  } finally {
    await proxy.stop();
  }
});
