import { MediaType } from '../src/types/oci.js';
test('node 24 runs the tests', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  expect(MediaType.OciIndex).toContain('index');
});
