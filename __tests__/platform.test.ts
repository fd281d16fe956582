import { hostPlatform, isSamePlatform, normalizePlatform } from '../src/platform.js';

describe('normalizePlatform', () => {
  test.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['LINUX/ARM64', 'linux/arm64'],
    [' linux/riscv64 ', 'linux/riscv64']
  ])('%s → %s', (input, expected) => {
    expect(normalizePlatform(input)).toBe(expected);
  });

  test.each([
    ['linux/arm/v9', /arm takes one of v7, v6, v5, v8, not "v9"/],
    ['arm64x', /unknown architecture "arm64x"/],
    ['linux/arm64/v9', /arm64 takes one of v8/],
    ['plan10/amd64', /unknown os "plan10"/],
    ['linux//amd64', /expected os\/arch\[\/variant\]/],
    ['', /expected os\/arch/],
    ['linux/amd64/v2/x', /expected os\/arch/],
    ['linux/s390x/v1', /s390x takes no variant/]
  ])('%s is rejected', (input, message) => {
    expect(() => normalizePlatform(input)).toThrow(message);
  });
});

test('isSamePlatform treats arm64/v8 and arm64 as one', () => {
  expect(isSamePlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' })).toBe(true);
  expect(isSamePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
  expect(isSamePlatform({ os: 'linux' }, { os: 'linux', architecture: 'arm64' })).toBe(false);
});

test('hostPlatform is a normalised linux platform', () => {
  expect(hostPlatform()).toMatch(/^linux\/(amd64|arm64|arm\/v7|386|ppc64le|s390x|riscv64)$/);
});
