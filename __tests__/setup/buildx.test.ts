import { isVersionAtLeast, parseBuildxVersion, parseInspect } from '../../src/setup/buildx.js';
import { canBuildAll, nativePlatformsOf } from '../../src/setup/platforms.js';

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
    nodes: [{ name: 'default', endpoint: 'default', status: 'running', buildkitVersion: '0.13.2', platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'] }]
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

test('buildCreateArgs pins the BuildKit image; host networking brings the entitlement', async () => {
  const { buildCreateArgs } = await import('../../src/setup/builder.js');
  expect(buildCreateArgs('multiarch-1', 'docker-container', [], { image: 'moby/buildkit:v0.31.2' })).toEqual(['buildx', 'create', '--name', 'multiarch-1', '--driver', 'docker-container', '--driver-opt', 'image=moby/buildkit:v0.31.2']);
  expect(buildCreateArgs('multiarch-1', 'docker-container', [], { image: 'moby/buildkit:v0.31.2', network: 'host' })).toEqual([
    'buildx', 'create', '--name', 'multiarch-1', '--driver', 'docker-container', '--driver-opt', 'image=moby/buildkit:v0.31.2', '--driver-opt', 'network=host',
    '--buildkitd-flags', '--allow-insecure-entitlement=network.host'
  ]);
  expect(buildCreateArgs('n', 'kubernetes', ['namespace=buildkit'])).toEqual(['buildx', 'create', '--name', 'n', '--driver', 'kubernetes', '--driver-opt', 'namespace=buildkit']);
});

test('parseQemuVersion', async () => {
  const { parseQemuVersion } = await import('../../src/setup/qemu.js');
  expect(parseQemuVersion('qemu-aarch64 version 7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)\nCopyright (c) 2003-2022 Fabrice Bellard\n')).toBe('7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)');
  expect(parseQemuVersion('qemu-aarch64 version 10.2.3\n')).toBe('10.2.3');
  expect(parseQemuVersion('nonsense')).toBeUndefined();
});

describe('nativePlatformsOf: 386 on x86-64 and 32-bit ARM on arm64 the kernel runs itself', () => {
  const node = (platforms: string[], endpoint = 'default') => ({ name: 'n', driver: 'docker', nodes: [{ name: 'n0', endpoint, platforms }] });
  const amd64 = ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/arm64'];
  const kernel = (arch: string, runsDirectly: string[], handlers: string[] = []) => ({ arch, runsDirectly, handlers });

  test('the kernel ran the 386 probe and no QEMU handler serves i386: 386 is native, listed by BuildKit or not', () => {
    expect(nativePlatformsOf(node(amd64), kernel('amd64', ['386'], ['qemu-aarch64', 'qemu-arm']))).toEqual(['linux/amd64', 'linux/386']);
    expect(nativePlatformsOf(node([...amd64, 'linux/386']), kernel('amd64', ['386']))).toEqual(['linux/amd64', 'linux/386']);
  });

  test('a registered qemu-i386 handler runs 386 code instead of the kernel: not native', () => {
    expect(nativePlatformsOf(node([...amd64, 'linux/386']), kernel('amd64', ['386'], ['qemu-aarch64', 'qemu-i386']))).toEqual(['linux/amd64']);
  });

  test('a kernel that did not run the probe (no IA32 emulation), and emulated arm64, are not native', () => {
    expect(nativePlatformsOf(node([...amd64, 'linux/386']), kernel('amd64', []))).toEqual(['linux/amd64']);
  });

  test('an arm64 node whose kernel ran the 32-bit ARM probe with no qemu-arm handler runs arm/v7 (and so v6) natively', () => {
    expect(nativePlatformsOf(node(['linux/arm64', 'linux/amd64']), kernel('arm64', ['arm'], ['qemu-x86_64']))).toEqual(['linux/arm64', 'linux/arm/v7']);
    expect(nativePlatformsOf(node(['linux/arm64', 'linux/arm/v7']), kernel('arm64', ['arm'], ['qemu-arm']))).toEqual(['linux/arm64']);
  });

  test("without this kernel's facts (a remote engine), or for a node of another architecture or endpoint, only each node's own platform", () => {
    expect(nativePlatformsOf(node(amd64))).toEqual(['linux/amd64']);
    expect(nativePlatformsOf(node(amd64, 'tcp://10.0.0.5:2376'), kernel('amd64', ['386']))).toEqual(['linux/amd64']);
    expect(nativePlatformsOf(node(['linux/arm64']), kernel('amd64', ['386']))).toEqual(['linux/arm64']);
    expect(nativePlatformsOf(node(amd64, 'unix:///var/run/docker.sock'), kernel('amd64', ['386']))).toEqual(['linux/amd64', 'linux/386']);
    // Another Docker context may point anywhere.
    expect(nativePlatformsOf(node(amd64, 'build-farm'), kernel('amd64', ['386']))).toEqual(['linux/amd64']);
  });
});
