/** Hand-off names, each platform's latest record, and what stops a merge. */
import { checkLegs, describeLegProblems, hasProblems, legArtifactName, selectLegArtifacts } from '../../src/modes/gather.js';
import type { LegRecord } from '../../src/types/leg-record.js';

const IMAGE = 'localhost:5000/e2e/app:v1';

test('artifact names are safe for the artifact service and say what they hold', () => {
  expect(legArtifactName(IMAGE, 'linux/arm/v7', 2)).toBe('multiarch-localhost-5000-e2e-app-v1-linux-arm-v7-attempt2');
  expect(legArtifactName('GHCR.io/Acme/App:Latest', 'linux/amd64', 1)).toBe('multiarch-ghcr.io-acme-app-latest-linux-amd64-attempt1');
  expect(legArtifactName(IMAGE, 'linux/amd64', 1)).not.toMatch(/[/:"<>|*?\\\r\n]/);
});

test('selectLegArtifacts: the latest attempt per platform; arm and arm/v7 kept apart; others ignored', () => {
  const n = (platform: string, attempt: number, image = IMAGE) => legArtifactName(image, platform, attempt);
  const names = [n('linux/amd64', 1), n('linux/arm64', 1), n('linux/arm64', 3), n('linux/arm64', 2), n('linux/arm/v7', 1), n('linux/s390x', 1), n('linux/amd64', 1, 'localhost:5000/e2e/other:v1'), 'logs', `${n('linux/amd64', 1)}x`];
  const { chosen, ignored } = selectLegArtifacts(names, IMAGE, ['linux/amd64', 'linux/arm64', 'linux/arm/v6']);
  expect(Object.fromEntries(chosen)).toEqual({ 'linux/amd64': n('linux/amd64', 1), 'linux/arm64': n('linux/arm64', 3) });
  expect(ignored).toEqual([n('linux/arm/v7', 1), n('linux/s390x', 1), `${n('linux/amd64', 1)}x`]);
});

const record = (platform: string, over: Partial<LegRecord> = {}): LegRecord => ({
  version: 1, image: IMAGE, platform, attempt: 1, ok: true, attestations: [], repositories: ['localhost:5000/e2e/app'], startedAt: 0, durationMs: 1,
  manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 }, ...over
});

test('every leg present and pushed where merge tags: nothing stops the merge', () => {
  const records = new Map([['linux/amd64', record('linux/amd64')], ['linux/arm64', record('linux/arm64')]]);
  const p = checkLegs(['linux/amd64', 'linux/arm64'], records, ['localhost:5000/e2e/app']);
  expect(hasProblems(p)).toBe(false);
  expect(describeLegProblems(p)).toBe('');
});

test('missing, failed, unreadable and misplaced legs are each named', () => {
  const records = new Map([
    ['linux/amd64', record('linux/amd64', { ok: false, error: 'ERROR: exit 3', manifest: undefined })],
    ['linux/arm/v7', record('linux/arm/v7', { repositories: ['localhost:5000/e2e/other'] })],
    ['linux/riscv64', record('linux/riscv64')]
  ]);
  const expected = ['linux/amd64', 'linux/arm64', 'linux/s390x', 'linux/arm/v7', 'linux/ppc64le', 'linux/riscv64'];
  const p = checkLegs(expected, records, ['localhost:5000/e2e/app'], new Map([['linux/ppc64le', 'leg record x is not JSON']]));
  expect(p).toEqual({
    missing: ['linux/arm64', 'linux/s390x'],
    failed: [{ platform: 'linux/amd64', error: 'ERROR: exit 3' }],
    unreadable: [{ platform: 'linux/ppc64le', error: 'leg record x is not JSON' }],
    misplaced: [{ platform: 'linux/arm/v7', missing: ['localhost:5000/e2e/app'] }]
  });
  expect(hasProblems(p)).toBe(true);
  expect(describeLegProblems(p)).toBe(
    'legs linux/arm64, linux/s390x missing: no leg record was handed off (did the leg job run, with the same tags?); ' +
      'leg linux/amd64 failed: ERROR: exit 3; ' +
      'leg linux/ppc64le unreadable: leg record x is not JSON; ' +
      'leg linux/arm/v7 was not pushed to localhost:5000/e2e/app (expected the same tags in the leg and merge steps)'
  );
});

test('no fixed cap: a dozen platforms, one missing, is named', () => {
  const expected = ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64', 'linux/mips64le', 'linux/loong64'];
  const records = new Map(expected.slice(0, -1).map((p) => [p, record(p)] as const));
  expect(describeLegProblems(checkLegs(expected, records, ['localhost:5000/e2e/app']))).toMatch(/^leg linux\/loong64 missing/);
});
