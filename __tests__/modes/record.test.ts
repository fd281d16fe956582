/** Leg records: written from what the leg did, read back by merge with every field checked. */
import { parseLegRecord, planFromRecords, repositoryKeys, toBuiltLeg, toLegRecord } from '../../src/modes/record.js';
import type { LegRecord } from '../../src/types/leg-record.js';
import type { BuiltLeg, PlatformPlan, RunReport } from '../../src/types/plan.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const arm64: PlatformPlan = { platform: 'linux/arm64', strategy: 'cross', language: 'go', emulatedSteps: [], rewrite: null, reasons: ['cross'], cacheScope: 'app-linux-arm64' };
const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('a'), size: 812, platform: { os: 'linux', architecture: 'arm64' } };
const attestation = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('b'), size: 566, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D('a') } };
const built: BuiltLeg = { platform: arm64, outDir: '/t/legs/linux-arm64', metadataFile: '/t/m.json', ok: true, digest: D('a'), manifest, attestations: [attestation], startedAt: 1_700_000_000_000, durationMs: 4200, cache: { steps: 5, cached: 2 }, compressedSize: 1_234_567 };
const report = (over: Partial<RunReport> = {}): RunReport => ({ image: 'localhost:5000/app:1', tags: ['localhost:5000/app:1'], pushed: true, legs: [built], logs: {}, durationMs: 0, plan: { platforms: [arm64], languages: ['go'], qemu: [], warnings: [], dockerfile: 'Dockerfile' }, ...over });
const outcome = { image: 'localhost:5000/app:1', platform: 'linux/arm64', attempt: 1, repositories: ['localhost:5000/app'], startedAt: 1_699_999_999_000 };

test('a built and pushed leg: descriptors, plan entry, timing, size', () => {
  const r = toLegRecord(report(), outcome);
  expect(r).toEqual({
    version: 1, image: 'localhost:5000/app:1', platform: 'linux/arm64', attempt: 1, ok: true,
    manifest, attestations: [attestation], strategy: 'cross', plan: arm64, repositories: ['localhost:5000/app'],
    startedAt: 1_700_000_000_000, durationMs: 4200, compressedSize: 1_234_567, cache: { steps: 5, cached: 2 }
  });
  expect(parseLegRecord(JSON.stringify(r), 'a1')).toEqual(r);
});

test('a failed build: ok=false, its error and the end of its log, no descriptors', () => {
  const log = Array.from({ length: 3000 }, (_, i) => `#12 line ${i}`).join('\n') + '\nERROR: process "/bin/sh -c exit 3" did not complete successfully';
  const failed: BuiltLeg = { ...built, ok: false, digest: undefined, manifest: undefined, attestations: [], error: 'ERROR: process "/bin/sh -c exit 3" did not complete successfully' };
  const r = toLegRecord(report({ legs: [failed], logs: { 'linux/arm64': log } }), outcome);
  expect(r).toMatchObject({ ok: false, error: failed.error, attestations: [], repositories: [], strategy: 'cross' });
  expect(r.manifest).toBeUndefined();
  expect(r.logTail!.length).toBeLessThanOrEqual(16 * 1024);
  expect(r.logTail).toMatch(/^#12 line \d+\n/);
  expect(r.logTail!.endsWith('did not complete successfully')).toBe(true);
  expect(parseLegRecord(JSON.stringify(r), 'a1')).toEqual(r);
});

test('a leg that built but failed to push is a failed record with the push error', () => {
  const r = toLegRecord(report(), { ...outcome, repositories: [], error: 'registry answered 401' });
  expect(r).toMatchObject({ ok: false, error: 'registry answered 401', repositories: [], attestations: [] });
  expect(r.manifest).toBeUndefined();
});

test('a leg that failed before planning still has a record, without a plan entry', () => {
  const r = toLegRecord(report({ legs: [], plan: undefined }), { ...outcome, error: 'Dockerfile has no FROM' });
  expect(r).toMatchObject({ ok: false, error: 'Dockerfile has no FROM', startedAt: outcome.startedAt });
  expect(r.plan).toBeUndefined();
  expect(r.strategy).toBeUndefined();
  expect(toBuiltLeg(r)).toBeUndefined();
});

const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(toLegRecord(report(), outcome)));

test.each<[string, (r: Record<string, unknown>) => unknown, RegExp]>([
  ['not JSON', () => '{', /is not JSON/],
  ['a list', () => [], /not an object/],
  ['another version', (r) => ({ ...r, version: 2 }), /version 2 \(expected 1; legs and merge must run the same multiarch version\)/],
  ['a bad platform', (r) => ({ ...r, platform: 'linux/arm/v9' }), /not a valid platform/],
  ['an unnormalised platform', (r) => ({ ...r, platform: 'linux/arm64/v8' }), /is not normalised \(expected linux\/arm64\)/],
  ['no attempt', (r) => ({ ...r, attempt: 0 }), /attempt is not a positive integer/],
  ['ok without a manifest', (r) => ({ ...r, manifest: undefined }), /manifest is not a descriptor/],
  ['a short digest', (r) => ({ ...r, manifest: { ...manifest, digest: 'sha256:abc' } }), /manifest.digest "sha256:abc" is not a sha256 digest/],
  ['an index as the manifest', (r) => ({ ...r, manifest: { ...manifest, mediaType: 'application/vnd.oci.image.index.v1+json' } }), /expected an image manifest, not an index/],
  ['a negative size', (r) => ({ ...r, attestations: [{ ...attestation, size: -1 }] }), /attestations\[0\].size is not a byte count/],
  ['a failure with no error', (r) => ({ ...r, ok: false }), /a failed leg has no error/],
  ['another platform\'s plan', (r) => ({ ...r, plan: { ...arm64, platform: 'linux/amd64' } }), /plan is not the plan entry of linux\/arm64/],
  ['an unknown strategy', (r) => ({ ...r, strategy: 'magic' }), /strategy "magic" is unknown/],
  ['repositories not strings', (r) => ({ ...r, repositories: [1] }), /repositories is not a list of strings/]
])('parseLegRecord rejects %s, naming the artifact', (_, change, message) => {
  const value = change(good());
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  expect(() => parseLegRecord(text, 'multiarch-app-linux-arm64-attempt1')).toThrow(/^leg record multiarch-app-linux-arm64-attempt1 /);
  expect(() => parseLegRecord(text, 'multiarch-app-linux-arm64-attempt1')).toThrow(message);
});

test('a record becomes the built leg composeIndex and the report take', () => {
  const r = toLegRecord(report(), outcome);
  expect(toBuiltLeg(r)).toEqual({ ...built, outDir: '', metadataFile: '' });
});

test('the merge plan is the legs\' own plan entries', () => {
  const amd64: PlatformPlan = { ...arm64, platform: 'linux/amd64', strategy: 'native', language: 'unknown' };
  const emulated: PlatformPlan = { ...arm64, platform: 'linux/arm/v7', strategy: 'emulated' };
  const records = [amd64, arm64, emulated].map((p) => ({ ...toLegRecord(report(), outcome), platform: p.platform, plan: p })) as LegRecord[];
  expect(planFromRecords(records, '/w/Dockerfile')).toEqual({ platforms: [amd64, arm64, emulated], languages: ['go'], qemu: ['linux/arm/v7'], warnings: [], dockerfile: '/w/Dockerfile' });
});

test('repositoryKeys: one per repository, normalised as the registry client sees it', () => {
  expect(repositoryKeys(['localhost:5000/app:1', 'localhost:5000/app:latest', 'ghcr.io/acme/app:1', 'alpine'])).toEqual(['localhost:5000/app', 'ghcr.io/acme/app', 'docker.io/library/alpine']);
});
