/**
 * Moving tags is the one step that changes what users pull. When a registry refuses one tag, the
 * others are still tried, and the error (and the report) says which moved and which did not, and why.
 */
import { createHash } from 'node:crypto';
import { moveTags, PartialTagMoveError, type Destination } from '../../src/build/publish.js';
import { RegistryClient } from '../../src/registry/client.js';
import { renderMarkdown } from '../../src/report/render.js';
import { MediaType } from '../../src/types/oci.js';
import type { MergedIndex, RunReport } from '../../src/types/plan.js';
import { FakeRegistry } from '../registry/fake-registry.js';

let registry: FakeRegistry;
let client: RegistryClient;
beforeEach(async () => {
  registry = await new FakeRegistry().start();
  client = new RegistryClient({ registry: registry.host, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
});
afterEach(async () => {
  client.close();
  await registry.stop();
});

const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
const index: MergedIndex = {
  digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  mediaType: MediaType.OciIndex,
  size: bytes.length,
  bytes,
  platforms: [],
  attestations: []
};

test('every tag is tried; the error names what moved and what did not, and why', async () => {
  registry.faults.push({ method: 'PUT', path: '/manifests/v2', status: 403, body: { errors: [{ code: 'DENIED', message: 'tag v2 is immutable' }] } });
  const dests: Destination[] = [{ client, repo: 'acme/app', tags: ['v1', 'v2', 'latest'] }];
  const err = await moveTags(index, dests).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PartialTagMoveError);
  const partial = err as PartialTagMoveError;
  const ref = (t: string) => `${registry.host}/acme/app:${t}`;
  expect(partial.moved).toEqual([ref('v1'), ref('latest')]);
  expect(partial.failed).toEqual([{ tag: ref('v2'), reason: expect.stringContaining('tag v2 is immutable') }]);
  expect(partial.message).toContain(`moved: ${ref('v1')}, ${ref('latest')}`);
  expect(partial.message).toContain(`not moved: ${ref('v2')}`);
  // The tags after the refused one really moved.
  expect(registry.repos.get('acme/app')?.tags.get('latest')).toBe(index.digest);
});

test('all moved: the result lists them, nothing is thrown', async () => {
  const result = await moveTags(index, [{ client, repo: 'acme/app', tags: ['v1'] }]);
  expect(result).toEqual({ moved: [`${registry.host}/acme/app:v1`], failed: [] });
});

test('the report says the move was partial, tag by tag', () => {
  const report: RunReport = {
    image: 'r/app',
    tags: ['r/app:v1', 'r/app:v2'],
    pushed: true,
    legs: [],
    logs: {},
    durationMs: 1,
    tagged: { tags: ['r/app:v1', 'r/app:v2'], moved: true, movedTags: ['r/app:v1'], failedTags: [{ tag: 'r/app:v2', reason: 'DENIED: <b>immutable</b>' }] }
  };
  const md = renderMarkdown(report);
  expect(md).toContain('**Tags (partly moved):** moved `r/app:v1`; not moved `r/app:v2` (DENIED: &lt;b&gt;immutable&lt;/b&gt;)');
});
