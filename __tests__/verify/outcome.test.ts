/** Issue "drop-in" item D: failed checks fail the step unless the build delivers nothing and verify was left unset. */
import type { Config } from '../../src/types/config.js';
import { failsOnChecks } from '../../src/verify/outcome.js';

const none = { verify: 'strict', push: false, load: false, tags: [], outputs: [] } as unknown as Config;

test.each<[string, Partial<Config>, boolean]>([
  ['check-only or cache-only, verify unset: reported, not failed', {}, false],
  ['the same with verify: strict given', { verifyExplicit: true }, true],
  ['push', { push: true, tags: ['r/a:1'] }, true],
  ['load', { load: true }, true],
  ['tags alone (an OCI layout tagged for later)', { tags: ['r/a:1'] }, true],
  ['outputs type=oci', { outputs: ['type=oci,dest=out'] }, true],
  ['verify warn never fails', { verify: 'warn', verifyExplicit: true, push: true }, false]
])('%s', (_name, over, fails) => {
  expect(failsOnChecks({ ...none, ...over })).toBe(fails);
});
