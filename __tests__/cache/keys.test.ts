import { cacheMountKey, keyPart, resolveCacheMountKeys, resolvePartition } from '../../src/cache/keys.js';

test.each<[string, { scope: string; id: string; platforms: string[] }, { partitionPrefix: string; restoreKeys: string[] }]>([
  [
    'two platforms on one builder share one entry',
    { scope: 'app', id: 'go-build', platforms: ['linux/amd64', 'linux/arm64'] },
    { partitionPrefix: 'multiarch-mount/v1/app/go-build/linux-amd64+linux-arm64/', restoreKeys: ['multiarch-mount/v1/app/go-build/'] }
  ],
  [
    'platform order does not matter',
    { scope: 'app', id: 'go-build', platforms: ['linux/arm64', 'linux/amd64'] },
    { partitionPrefix: 'multiarch-mount/v1/app/go-build/linux-amd64+linux-arm64/', restoreKeys: ['multiarch-mount/v1/app/go-build/'] }
  ],
  [
    'a leg job (one platform) has its own partition, and falls back to any',
    { scope: 'app', id: 'go-build', platforms: ['linux/arm/v7'] },
    { partitionPrefix: 'multiarch-mount/v1/app/go-build/linux-arm-v7/', restoreKeys: ['multiarch-mount/v1/app/go-build/'] }
  ],
  [
    'a path id is made readable and kept distinct by a hash',
    { scope: 'pfx-app', id: '/root/.cache/go-build', platforms: ['linux/amd64'] },
    { partitionPrefix: `multiarch-mount/v1/pfx-app/${keyPart('/root/.cache/go-build')}/linux-amd64/`, restoreKeys: [`multiarch-mount/v1/pfx-app/${keyPart('/root/.cache/go-build')}/`] }
  ]
])('%s', (_name, input, expected) => {
  expect(resolveCacheMountKeys(input)).toEqual(expected);
});

test('keyPart: clean text is kept, anything lossy gets a hash', () => {
  expect(keyPart('go-build')).toBe('go-build');
  expect(keyPart('/root/.cache/go-build')).toMatch(/^root-.cache-go-build-[0-9a-f]{8}$/);
  expect(keyPart('/a/b')).not.toBe(keyPart('/a-b'));
  expect(keyPart('Go-Build')).not.toBe(keyPart('go-build'));
  expect(keyPart('x'.repeat(300)).length).toBeLessThanOrEqual(80);
  expect(keyPart('a,b')).not.toContain(',');
});

test('a key is the partition prefix and the fingerprint; ids never prefix-match each other', () => {
  const go = resolveCacheMountKeys({ scope: 'app', id: 'go', platforms: ['linux/amd64'] });
  const goBuild = resolveCacheMountKeys({ scope: 'app', id: 'go-build', platforms: ['linux/amd64'] });
  const key = cacheMountKey(goBuild, '0123456789abcdef');
  expect(key).toBe('multiarch-mount/v1/app/go-build/linux-amd64/0123456789abcdef');
  expect(key.startsWith(go.restoreKeys[0]!)).toBe(false);
  expect(key.startsWith(goBuild.restoreKeys[0]!)).toBe(true);
  expect(key).not.toContain(',');
});

test('partition: an empty platform list still makes a field', () => {
  expect(resolvePartition([])).toBe('default');
  expect(resolvePartition(['linux/amd64', 'linux/amd64'])).toBe('linux-amd64');
});
