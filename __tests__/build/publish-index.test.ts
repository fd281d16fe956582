/**
 * In merge mode the index is composed from leg records that other jobs wrote. Before it is PUT
 * (and so before any tag can move), each descriptor is checked against what the registry holds:
 * a wrong size or media type is an error that names the platform.
 */
import { createHash } from 'node:crypto';
import { putIndex, type Destination } from '../../src/build/publish.js';
import { composeIndex } from '../../src/build/merge.js';
import { RegistryClient } from '../../src/registry/client.js';
import { MediaType, type Descriptor } from '../../src/types/oci.js';
import type { BuiltLeg, PlatformPlan } from '../../src/types/plan.js';
import { FakeRegistry } from '../registry/fake-registry.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let registry: FakeRegistry;
let client: RegistryClient;
let dests: Destination[];
const manifests: Record<string, Descriptor> = {};

beforeEach(async () => {
  registry = await new FakeRegistry().start();
  client = new RegistryClient({ registry: registry.host, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
  dests = [{ client, repo: 'acme/app', tags: ['v1'] }];
  for (const arch of ['amd64', 'arm64']) {
    const config = Buffer.from(`{"architecture":"${arch}","os":"linux"}`);
    registry.seedBlob('acme/app', config);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length }, layers: [] }));
    await client.putManifest('acme/app', sha256(bytes), bytes, MediaType.OciManifest);
    manifests[arch] = { mediaType: MediaType.OciManifest, digest: sha256(bytes), size: bytes.length };
  }
});
afterEach(async () => {
  client.close();
  await registry.stop();
});

function leg(platform: string, manifest: Descriptor): BuiltLeg {
  const plan: PlatformPlan = { platform, strategy: 'native', language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' };
  return { platform: plan, outDir: '', metadataFile: '', ok: true, manifest, attestations: [], startedAt: 0, durationMs: 1 };
}

test('descriptors that match the registry: the index is PUT', async () => {
  const index = composeIndex([leg('linux/amd64', manifests['amd64']!), leg('linux/arm64', manifests['arm64']!)]);
  await putIndex(index, dests);
  expect(registry.repos.get('acme/app')!.manifests.has(index.digest)).toBe(true);
});

test('a wrong size in a leg record fails, naming the platform, and no index is PUT', async () => {
  const wrong = { ...manifests['arm64']!, size: manifests['arm64']!.size + 7 };
  const index = composeIndex([leg('linux/amd64', manifests['amd64']!), leg('linux/arm64', wrong)]);
  await expect(putIndex(index, dests)).rejects.toThrow(new RegExp(`linux/arm64.*${wrong.size}.*${manifests['arm64']!.size}`));
  expect(registry.repos.get('acme/app')!.manifests.has(index.digest)).toBe(false);
});

test('a manifest the registry does not have fails, naming the platform', async () => {
  const missing = { ...manifests['arm64']!, digest: sha256(Buffer.from('nope')) };
  const index = composeIndex([leg('linux/arm64', missing)]);
  await expect(putIndex(index, dests)).rejects.toThrow(/linux\/arm64.*not in/);
});
