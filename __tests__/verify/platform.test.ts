import { formatPlatform, parsePlatform, samePlatform } from '../../src/verify/platform.js';

test.each([
  ['linux/arm64/v8', 'linux/arm64'],
  ['linux/aarch64', 'linux/arm64'],
  ['Linux/x86_64', 'linux/amd64'],
  ['linux/amd64/v1', 'linux/amd64'],
  ['linux/amd64/v3', 'linux/amd64/v3'],
  ['linux/arm/7', 'linux/arm/v7'],
  ['linux/armhf', 'linux/arm/v7'],
  ['linux/arm', 'linux/arm'],
  ['linux/i386', 'linux/386']
])('%s → %s', (input, expected) => {
  expect(formatPlatform(parsePlatform(input))).toBe(expected);
});

test('arm without a variant is not arm/v7', () => {
  expect(samePlatform({ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
});

test.each(['linux', 'linux//v7', '/amd64', 'a/b/c/d'])('%s is rejected with the expected form', (input) => {
  expect(() => parsePlatform(input)).toThrow(/expected os\/architecture\[\/variant\]/);
});
