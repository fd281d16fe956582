/** Issue "drop-in" item D: failed checks fail the step unless the build delivers nothing and verify was left unset. */
import type { Config } from '../../src/types/config.js';
import { failsOnChecks } from '../../src/verify/outcome.js';

const none = { verify: 'strict', push: false, load: false, tags: [], outputs: [], exports: [] } as unknown as Config;

test.each<[string, Partial<Config>, boolean]>([
  ['check-only or cache-only, verify unset: reported, not failed', {}, false],
  ['the same with verify: strict given', { verifyExplicit: true }, true],
  ['push', { push: true, tags: ['r/a:1'] }, true],
  ['load', { load: true }, true],
  ['tags alone (an OCI layout tagged for later)', { tags: ['r/a:1'] }, true],
  ['outputs type=oci', { exports: [{ type: 'oci', dest: '/w/out', tar: false, names: [] }] }, true],
  ['outputs type=docker', { exports: [{ type: 'docker', names: ['app:1'] }] }, true],
  ['outputs type=local only: files, not the image', { exports: [{ type: 'local', dest: '/w/files' }] }, false],
  ['outputs type=tar only: files, not the image', { exports: [{ type: 'tar', dest: '/w/files.tar' }] }, false],
  ['outputs type=cacheonly', { exports: [{ type: 'cacheonly' }] }, false],
  ['verify warn never fails', { verify: 'warn', verifyExplicit: true, push: true }, false]
])('%s', (_name, over, fails) => {
  expect(failsOnChecks({ ...none, ...over })).toBe(fails);
});
