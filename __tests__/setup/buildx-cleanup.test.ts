/** Post's cleanup: a builder buildx no longer knows is gone, not a failure (its words, recorded from buildx 0.29). */
import { isBuilderGone } from '../../src/setup/buildx-cleanup.js';

test('buildx\'s "no builder found" means gone; other failures do not', () => {
  expect(isBuilderGone('ERROR: failed to remove multiarch-1-a: no builder "multiarch-1-a" found\nERROR: failed to remove one or more builders', 'multiarch-1-a')).toBe(true);
  expect(isBuilderGone('ERROR: failed to remove multiarch-1-a: no builder "multiarch-1-a" found', 'multiarch-1-b')).toBe(false);
  expect(isBuilderGone('ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock', 'multiarch-1-a')).toBe(false);
});
