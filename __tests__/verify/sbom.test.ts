import { countPackages, isSbomPredicate, isSbomRequested } from '../../src/verify/sbom.js';
import { renderMarkdown } from '../../src/report/render.js';
import { platformsJson } from '../../src/report/outputs.js';
import { passing, failedLeg } from '../report/render-fixtures.js';

describe('countPackages', () => {
  test.each<[string, unknown, number]>([
    ['SPDX packages', { predicateType: 'https://spdx.dev/Document', predicate: { spdxVersion: 'SPDX-2.3', packages: [{ name: 'a' }, { name: 'b' }] } }, 2],
    ['SPDX with no packages field lists none', { predicateType: 'https://spdx.dev/Document', predicate: { spdxVersion: 'SPDX-2.3' } }, 0],
    ['CycloneDX components', { predicateType: 'https://cyclonedx.org/bom', predicate: { bomFormat: 'CycloneDX', components: [{}, {}, {}] } }, 3]
  ])('%s', (_n, statement, count) => expect(countPackages(statement)).toBe(count));

  test('a statement without a predicate, or whose packages is not a list, is refused by name', () => {
    expect(() => countPackages({ predicateType: 'https://spdx.dev/Document' })).toThrow(/no predicate/);
    expect(() => countPackages(null)).toThrow(/no predicate/);
    expect(() => countPackages({ predicateType: 'https://spdx.dev/Document', predicate: { packages: 'x' } })).toThrow(/packages is not a list/);
  });
});

test('SBOM predicate types: SPDX and CycloneDX, not provenance', () => {
  expect([isSbomPredicate('https://spdx.dev/Document'), isSbomPredicate('https://cyclonedx.org/bom'), isSbomPredicate('https://slsa.dev/provenance/v0.2'), isSbomPredicate(undefined)]).toEqual([true, true, false, false]);
});

test.each<[string | undefined, string[], boolean]>([
  ['true', [], true],
  ['generator=localhost:5000/scanner:v1', [], true],
  ['false', ['type=sbom'], false],
  ['disabled=true', [], false],
  [undefined, ['type=sbom'], true],
  [undefined, ['type=sbom,disabled=true'], false],
  [undefined, ['type=provenance,mode=max'], false],
  [undefined, [], false]
])('isSbomRequested(sbom %p, attests %p) is %p', (sbom, attests, want) => {
  expect(isSbomRequested(sbom, attests)).toBe(want);
});

test('the summary shows the package count per platform, and says why a platform has none', () => {
  expect(renderMarkdown(passing)).toContain('**SBOM:** `linux/amd64` → 3 packages (`sha256:d4d4d4d4d4d4`); `linux/arm64` → 1 package (`sha256:e5e5e5e5e5e5`)');
  expect(renderMarkdown(failedLeg)).toContain('**SBOM:** `linux/amd64` → none: the docker driver on the classic image store makes no attestations');
});

test('the platforms output carries each platform\'s SBOM', () => {
  const [amd64] = platformsJson(passing) as Array<{ sbom: unknown }>;
  expect(amd64!.sbom).toEqual({ attestation: 'sha256:' + 'd4'.repeat(32), packages: 3 });
});
