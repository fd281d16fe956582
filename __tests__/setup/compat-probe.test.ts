/**
 * The programs that ask the kernel whether it runs 386 (or 32-bit ARM) code itself: well-formed
 * ELF executables of that platform, and run for real on this machine.
 */
import { readBinfmt } from '../../src/setup/qemu.js';
import { exitZeroElf, localKernel, runsDirectly } from '../../src/setup/compat-probe.js';
import { matchesPlatform, parseElf } from '../../src/verify/elf.js';

test('the probe programs are static executables of linux/386 and linux/arm/v7', () => {
  expect(matchesPlatform(parseElf(exitZeroElf('386')), 'linux/386')).toMatchObject({ ok: true });
  expect(matchesPlatform(parseElf(exitZeroElf('arm')), 'linux/arm/v7')).toMatchObject({ ok: true });
  expect(parseElf(exitZeroElf('386'))).toMatchObject({ type: 2, linkage: 'static', arch: '386' });
  expect(() => exitZeroElf('riscv64')).toThrow(/no probe program for riscv64/);
});

test('this x86-64 machine runs the 386 program with no QEMU handler for it', async () => {
  // The stack registers QEMU for arm64, arm, ppc64le, riscv64, s390x: never for i386.
  expect(process.arch).toBe('x64');
  expect(readBinfmt().filter((h) => h.endsWith('i386'))).toEqual([]);
  expect(await runsDirectly('386')).toBe(true);
});

test('the ARM program runs and exits 0 (under the qemu-arm handler here: proof the program itself is right)', async () => {
  expect(readBinfmt()).toContain('qemu-arm');
  expect(await runsDirectly('arm')).toBe(true);
});

test('an architecture with no probe program is not run natively', async () => {
  expect(await runsDirectly('riscv64')).toBe(false);
});

describe('localKernel', () => {
  test('this engine is local: its handlers, and 386 probed because it is asked for and no handler serves it', async () => {
    const k = await localKernel('amd64', ['linux/amd64', 'linux/386'], {});
    expect(k).toEqual({ arch: 'amd64', handlers: readBinfmt(), runsDirectly: ['386'] });
  });

  test('nothing is probed when no compatible platform is asked for', async () => {
    expect(await localKernel('amd64', ['linux/amd64', 'linux/arm64'], { DOCKER_HOST: 'unix:///var/run/docker.sock' })).toMatchObject({ runsDirectly: [] });
  });

  test('an engine over tcp:// or ssh:// runs on a kernel we cannot see', async () => {
    expect(await localKernel('amd64', ['linux/386'], { DOCKER_HOST: 'tcp://127.0.0.1:2376' })).toBeUndefined();
    expect(await localKernel('amd64', ['linux/386'], { DOCKER_HOST: 'ssh://builder@127.0.0.1' })).toBeUndefined();
    expect(await localKernel('amd64', ['linux/386'], { DOCKER_CONTEXT: 'build-farm' })).toBeUndefined();
    expect(await localKernel('amd64', ['linux/386'], { DOCKER_CONTEXT: 'default' })).toMatchObject({ runsDirectly: ['386'] });
  });
});
