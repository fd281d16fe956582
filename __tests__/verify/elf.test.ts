import { readFileSync } from 'node:fs';
import { describeElf, ElfFormatError, matchesPlatform, parseElf } from '../../src/verify/elf.js';
import { buildElf, ELF, EM } from './helpers/elf-builder.js';

describe('parseElf', () => {
  test('amd64 dynamic binary: class, byte order, machine and loader', () => {
    const elf = parseElf(ELF.amd64('/lib64/ld-linux-x86-64.so.2'));
    expect(elf).toMatchObject({ bits: 64, endian: 'LE', machine: 62, arch: 'amd64', linkage: 'dynamic', interpreter: '/lib64/ld-linux-x86-64.so.2' });
    expect(describeElf(elf)).toBe('amd64 (ELF64 LE, x86-64)');
  });

  test('arm64 static binary has no loader', () => {
    const elf = parseElf(ELF.arm64());
    expect(elf.linkage).toBe('static');
    expect(elf.interpreter).toBeUndefined();
    expect(describeElf(elf)).toBe('arm64 (ELF64 LE, AArch64)');
  });

  test('ARMv7 hard-float: version from .ARM.attributes, float ABI from e_flags', () => {
    const elf = parseElf(ELF.armv7({ interp: '/lib/ld-linux-armhf.so.3' }));
    expect(elf.arm).toMatchObject({ eabi: 5, floatAbi: 'hard', cpuArch: 10, cpuArchName: 'v7', variant: 'v7', attributes: 'read' });
    expect(describeElf(elf)).toBe('arm/v7 (ELF32 LE, ARM, EABI5 hard-float)');
  });

  test('ARMv6KZ names its exact version', () => {
    const elf = parseElf(buildElf({ bits: 32, machine: EM.ARM, flags: 0x05000000, armArch: 7, vfpArgs: 0 }));
    expect(elf.arm).toMatchObject({ variant: 'v6', cpuArchName: 'v6KZ', floatAbi: 'soft' });
    expect(describeElf(elf)).toBe('arm/v6 (ELF32 LE, ARM, EABI5 soft-float, ARMv6KZ)');
  });

  test('ARM without attributes, and with attributes beyond the bytes read', () => {
    expect(parseElf(buildElf({ bits: 32, machine: EM.ARM, flags: 0x05000400 })).arm?.attributes).toBe('absent');
    const full = ELF.armv7({ codeSize: 100_000 });
    expect(parseElf(full.subarray(0, 65536)).arm?.attributes).toBe('beyond-buffer');
    expect(parseElf(full).arm?.variant).toBe('v7');
  });

  test('big-endian and odd classes map to the right (or no) Docker architecture', () => {
    expect(parseElf(buildElf({ bits: 64, endian: 'BE', machine: EM.S390 })).arch).toBe('s390x');
    expect(parseElf(buildElf({ bits: 64, endian: 'LE', machine: EM.PPC64 })).arch).toBe('ppc64le');
    expect(parseElf(buildElf({ bits: 64, endian: 'BE', machine: EM.PPC64 })).arch).toBe('ppc64');
    expect(parseElf(buildElf({ bits: 64, machine: EM.RISCV })).arch).toBe('riscv64');
    expect(parseElf(buildElf({ bits: 32, machine: EM.RISCV })).arch).toBeUndefined();
    expect(parseElf(buildElf({ bits: 32, machine: EM.I386 })).arch).toBe('386');
    expect(parseElf(buildElf({ bits: 32, machine: EM.MIPS, endian: 'LE' })).arch).toBe('mipsle');
    expect(parseElf(buildElf({ bits: 32, machine: EM.X86_64 })).arch).toBeUndefined(); // x32
    expect(describeElf(parseElf(buildElf({ bits: 64, machine: 0x1234 })))).toBe('unknown (ELF64 LE, e_machine 0x1234)');
  });

  test('program headers beyond the bytes read make linkage unknown, not an error', () => {
    const elf = buildElf({ bits: 64, machine: EM.X86_64, interp: '/lib/ld.so' });
    expect(parseElf(elf.subarray(0, 64)).linkage).toBe('unknown');
  });

  test.each([
    ['empty', Buffer.alloc(0), /too short/],
    ['text', Buffer.from('hello world'), /no ELF magic/],
    ['bad class', Buffer.from('\x7fELF\x03\x01', 'latin1'), /invalid ELF class 3/],
    ['bad data', Buffer.from('\x7fELF\x02\x07', 'latin1'), /invalid ELF data encoding 7/],
    ['truncated header', ELF.amd64().subarray(0, 40), /truncated ELF header: 40 bytes, an ELF64 header needs 64/]
  ])('%s → ElfFormatError', (_name, buf, message) => {
    expect(() => parseElf(buf)).toThrow(ElfFormatError);
    expect(() => parseElf(buf)).toThrow(message);
  });

  test('the node binary running this test parses as the host architecture', () => {
    const head = readFileSync(process.execPath).subarray(0, 65536);
    const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }[process.arch as string];
    if (process.platform !== 'linux' || !arch) return;
    expect(parseElf(head).arch).toBe(arch);
  });
});

describe('matchesPlatform', () => {
  test('amd64 binary in an arm64 image', () => {
    expect(matchesPlatform(parseElf(ELF.amd64()), 'linux/arm64')).toEqual({
      ok: false,
      expected: 'arm64 (ELF64 LE, AArch64)',
      actual: 'amd64 (ELF64 LE, x86-64)',
      detail: 'built for amd64, but the platform is linux/arm64'
    });
  });

  test('arm64/v8 is arm64', () => {
    expect(matchesPlatform(parseElf(ELF.arm64()), 'linux/arm64/v8').ok).toBe(true);
  });

  test('ARMv7 binary on arm/v6 fails with SIGILL advice; ARMv6 on arm/v7 passes', () => {
    const v7on6 = matchesPlatform(parseElf(ELF.armv7()), 'linux/arm/v6');
    expect(v7on6.ok).toBe(false);
    expect(v7on6.expected).toBe('arm/v6 (ELF32 LE, ARM, ARMv6 or older)');
    expect(v7on6.detail).toMatch(/needs ARMv7 .*"illegal instruction".*GOARM=6.*arm-unknown-linux-gnueabihf/);
    const v6on7 = matchesPlatform(parseElf(ELF.armv6()), 'linux/arm/v7');
    expect(v6on7).toMatchObject({ ok: true, detail: 'built for ARMv6, which also runs on ARMv7' });
  });

  test('ARM version not recorded: passes and says it was not verified', () => {
    const m = matchesPlatform(parseElf(buildElf({ bits: 32, machine: EM.ARM })), 'linux/arm/v7');
    expect(m.ok).toBe(true);
    expect(m.detail).toMatch(/no .ARM.attributes section.*v7 was not verified/);
  });

  test('amd64 levels cannot be verified from the header', () => {
    const m = matchesPlatform(parseElf(ELF.amd64()), { os: 'linux', architecture: 'amd64', variant: 'v3' });
    expect(m).toMatchObject({ ok: true, detail: expect.stringContaining('x86-64 level v3 is not recorded') });
  });

  test('byte order and class matter', () => {
    expect(matchesPlatform(parseElf(buildElf({ bits: 64, endian: 'BE', machine: EM.PPC64 })), 'linux/ppc64le').ok).toBe(false);
    expect(matchesPlatform(parseElf(buildElf({ bits: 32, machine: EM.RISCV })), 'linux/riscv64').ok).toBe(false);
  });

  test('unknown platforms are not failed', () => {
    expect(matchesPlatform(parseElf(ELF.amd64()), 'linux/wasm').ok).toBe(true);
  });
});
