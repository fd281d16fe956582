/** Which platforms a machine runs without QEMU, and which machine a leg goes to. */
import { isNativeOn, resolveMachine } from '../../src/plan/native.js';

test.each([
  [['linux/amd64'], 'linux/amd64', true],
  [['linux/arm64/v8'], 'linux/arm64', true],
  [['linux/arm64'], 'linux/arm64/v8', true],
  [['linux/amd64'], 'linux/amd64/v3', true],
  [['linux/amd64'], 'linux/386', false],
  [['linux/amd64', 'linux/386'], 'linux/386', true],
  [['linux/arm64'], 'linux/arm/v7', false],
  [['linux/arm/v7'], 'linux/arm/v6', true],
  [['linux/arm/v6'], 'linux/arm/v7', false],
  [['linux/arm'], 'linux/arm/v7', true],
  [['linux/amd64'], 'windows/amd64', false]
])('%j runs %s natively: %s', (natives, platform, expected) => {
  expect(isNativeOn(natives, platform)).toBe(expected);
});

test('a node that has the platform wins, and its first platform is $BUILDPLATFORM', () => {
  const nodes = [{ name: 'pi', platforms: ['linux/arm64', 'linux/arm/v7'] }];
  expect(resolveMachine('linux/arm/v7', ['linux/amd64'], nodes)).toEqual({ platforms: ['linux/arm64', 'linux/arm/v7'], buildPlatform: 'linux/arm64', native: true, node: 'pi' });
  expect(resolveMachine('linux/amd64', ['linux/amd64'], nodes)).toEqual({ platforms: ['linux/amd64'], buildPlatform: 'linux/amd64', native: true });
  expect(resolveMachine('linux/s390x', ['linux/amd64'], nodes)).toEqual({ platforms: ['linux/amd64'], buildPlatform: 'linux/amd64', native: false });
});

test('with no native platform known, the build platform falls back to linux/amd64', () => {
  expect(resolveMachine('linux/arm64', [])).toMatchObject({ buildPlatform: 'linux/amd64', native: false });
});
