/**
 * OCI 1.1 referrers on the REAL stack registry (distribution 2.8 on :5000), which has no
 * referrers API: the PUT comes back without OCI-Subject, so the pusher keeps the index under the
 * `sha256-<hex>` tag (read, extend, write back, keeping what was there), and a reader's 404 from
 * /referrers/ falls back to that tag. No Docker: registry requests only.
 */
import { RegistryClient } from '../../src/registry/client.js';
import { attachReferrer, listReferrers, referrersTag } from '../../src/registry/referrers.js';
import { MediaType } from '../../src/types/oci.js';
import { listTags, plainRequest, requireStackRegistry, STACK_REGISTRY, STACK_REGISTRY_URL } from '../stack/http.js';
import { pushSubject, uniqueRepo } from './referrer-fixtures.js';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
let client: RegistryClient;

beforeAll(async () => {
  await requireStackRegistry();
  client = new RegistryClient({ registry: STACK_REGISTRY, retry: { baseDelayMs: 1 } });
});
afterAll(() => client?.close());

async function tagIndex(repo: string, digest: string): Promise<{ manifests: Array<Record<string, unknown>>; mediaType: string }> {
  const res = await plainRequest(`${STACK_REGISTRY_URL}/v2/${repo}/manifests/${referrersTag(digest)}`, { headers: { accept: MediaType.OciIndex } });
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString('utf8'));
}

test('the stack registry has no referrers API (the reason for the fallback)', async () => {
  const repo = uniqueRepo('sign/probe');
  const subject = await pushSubject(client, repo);
  const res = await plainRequest(`${STACK_REGISTRY_URL}/v2/${repo}/referrers/${subject.digest}`);
  expect(res.status).toBe(404);
});

test('without OCI-Subject the referrer goes into the sha256-<hex> tag index, which keeps earlier entries and no duplicates', async () => {
  const repo = uniqueRepo('sign/tagschema');
  const subject = await pushSubject(client, repo);
  const first = await attachReferrer(client, repo, subject, { artifactType: BUNDLE, blob: Buffer.from('{"b":1}'), blobMediaType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' } });
  expect(first.via).toBe('tag-schema');
  expect(await listTags(STACK_REGISTRY_URL, repo)).toContain(`sha256-${subject.digest.slice(7)}`);
  const sbom = await attachReferrer(client, repo, subject, { artifactType: 'application/spdx+json', blob: Buffer.from('{"spdx":1}'), blobMediaType: 'application/spdx+json' });
  // The same referrer again (a retried run): not listed twice.
  await attachReferrer(client, repo, subject, { artifactType: BUNDLE, blob: Buffer.from('{"b":1}'), blobMediaType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' } });

  const index = await tagIndex(repo, subject.digest);
  expect(index.mediaType).toBe(MediaType.OciIndex);
  expect(index.manifests).toEqual([
    { mediaType: MediaType.OciManifest, digest: first.descriptor.digest, size: first.descriptor.size, artifactType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' } },
    { mediaType: MediaType.OciManifest, digest: sbom.descriptor.digest, size: sbom.descriptor.size, artifactType: 'application/spdx+json' }
  ]);

  const listed = await listReferrers(client, repo, subject.digest, BUNDLE);
  expect(listed).toEqual({ manifests: [first.descriptor], via: 'tag-schema' });
  expect((await listReferrers(client, repo, subject.digest)).manifests).toHaveLength(2);
});

test('a digest without a tag index lists no referrers', async () => {
  const repo = uniqueRepo('sign/empty');
  const subject = await pushSubject(client, repo);
  expect(await listReferrers(client, repo, subject.digest, BUNDLE)).toEqual({ manifests: [], via: 'tag-schema' });
});

test('a tag-schema tag that holds an image, not an index, is not overwritten', async () => {
  const repo = uniqueRepo('sign/squat');
  const subject = await pushSubject(client, repo);
  const squatter = await pushSubject(client, repo);
  await client.putManifest(repo, referrersTag(subject.digest), (await client.getManifest(repo, squatter.digest)).bytes, MediaType.OciManifest);
  await expect(attachReferrer(client, repo, subject, { artifactType: BUNDLE, blob: Buffer.from('{}'), blobMediaType: BUNDLE })).rejects.toThrow(/not the referrers index .* not overwriting/);
  expect((await client.headManifest(repo, referrersTag(subject.digest)))?.digest).toBe(squatter.digest);
});
