import { isVersionAtLeast, parseBuildxVersion, parseInspect } from '../../src/setup/buildx.js';
import { canBuildAll, nativePlatformsOf } from '../../src/setup/builder.js';

const INSPECT = `Name:          default
Driver:        docker
Last Activity: 2026-11-28 10:00:00 +0000 UTC

Nodes:
Name:      default
Endpoint:  default
Status:    running
BuildKit:  v0.13.2
Platforms: linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386, linux/arm64, linux/arm/v7, linux/arm/v6
Labels:
 org.mobyproject.buildkit.worker.moby.host-gateway-ip: 127.0.0.1
`;

test('parseInspect reads name, driver, nodes and platforms', () => {
  const info = parseInspect(INSPECT);
  expect(info).toEqual({
    name: 'default',
    driver: 'docker',
    nodes: [{ name: 'default', endpoint: 'default', status: 'running', platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'] }]
  });
  expect(nativePlatformsOf(info)).toEqual(['linux/amd64']);
  expect(canBuildAll(info, ['linux/arm64', 'linux/arm/v7'])).toBe(true);
  expect(canBuildAll(info, ['linux/riscv64'])).toBe(false);
});

test('buildx versions', () => {
  expect(parseBuildxVersion('github.com/docker/buildx 0.13.1+ds1-3 ')).toBe('0.13.1');
  expect(parseBuildxVersion('github.com/docker/buildx v0.21.0 abc')).toBe('0.21.0');
  expect(() => parseBuildxVersion('nonsense')).toThrow(/could not read/);
  expect(isVersionAtLeast('0.13.1', '0.13.0')).toBe(true);
  expect(isVersionAtLeast('0.13.1', '0.21.0')).toBe(false);
  expect(isVersionAtLeast('1.0.0', '0.21.3')).toBe(true);
});
