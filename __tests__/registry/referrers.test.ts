/**
 * OCI 1.1 referrers against the referrers-capable registry stand-in (the stack's registry has no
 * referrers API; its tag-schema path is referrers-tag-schema.e2e.test.ts): the PUT is answered
 * with OCI-Subject, no `sha256-<hex>` tag is written, and listing goes through the API (with its
 * artifactType filter and its pages).
 */
import { RegistryClient } from '../../src/registry/client.js';
import { attachReferrer, listReferrers, referrersTag } from '../../src/registry/referrers.js';
import { startOciRegistryStandIn, type OciRegistryStandIn } from '../stack/oci-registry.js';
import { pushSubject, uniqueRepo } from './referrer-fixtures.js';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
let reg: OciRegistryStandIn;
let client: RegistryClient;

beforeAll(async () => {
  reg = await startOciRegistryStandIn({ pageSize: 2 });
  client = new RegistryClient({ registry: reg.registry, retry: { baseDelayMs: 1 } });
});
afterAll(async () => {
  client.close();
  await reg.close();
});

test('a referrer is indexed by the registry (OCI-Subject) and listed by the referrers API', async () => {
  const repo = uniqueRepo('sign/api');
  const subject = await pushSubject(client, repo);
  const attached = await attachReferrer(client, repo, subject, { artifactType: BUNDLE, blob: Buffer.from('{"b":1}'), blobMediaType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' } });
  expect(attached.via).toBe('referrers-api');
  expect(reg.tags(repo)).not.toContain(referrersTag(subject.digest));

  const stored = JSON.parse(reg.manifest(repo, attached.descriptor.digest)!.toString('utf8'));
  expect(stored).toMatchObject({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
    layers: [{ mediaType: BUNDLE, size: 7 }],
    subject: { digest: subject.digest, mediaType: subject.mediaType, size: subject.size },
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' }
  });

  const listed = await listReferrers(client, repo, subject.digest, BUNDLE);
  expect(listed.via).toBe('referrers-api');
  expect(listed.manifests).toEqual([attached.descriptor]);
  expect(reg.requests.some((r) => r.startsWith(`GET /v2/${repo}/referrers/${subject.digest}?artifactType=`))).toBe(true);
});

test('listing follows the Link pages and filters by artifactType', async () => {
  const repo = uniqueRepo('sign/pages');
  const subject = await pushSubject(client, repo);
  const mine = [];
  for (let i = 0; i < 3; i++) mine.push((await attachReferrer(client, repo, subject, { artifactType: BUNDLE, blob: Buffer.from(`{"n":${i}}`), blobMediaType: BUNDLE })).descriptor.digest);
  await attachReferrer(client, repo, subject, { artifactType: 'application/spdx+json', blob: Buffer.from('{}x'), blobMediaType: 'application/spdx+json' });
  const bundles = await listReferrers(client, repo, subject.digest, BUNDLE);
  expect(bundles.manifests.map((d) => d.digest)).toEqual(mine);
  expect((await listReferrers(client, repo, subject.digest)).manifests).toHaveLength(4);
});

test('a digest without referrers lists none', async () => {
  const repo = uniqueRepo('sign/none');
  const subject = await pushSubject(client, repo);
  expect(await listReferrers(client, repo, subject.digest, BUNDLE)).toEqual({ manifests: [], via: 'referrers-api' });
});
