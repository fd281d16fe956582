import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildQemuInstallArgs, decideQemu, readBinfmt } from '../../src/setup/qemu.js';

test('readBinfmt lists enabled handlers only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binfmt-'));
  fs.writeFileSync(path.join(dir, 'qemu-aarch64'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\n');
  fs.writeFileSync(path.join(dir, 'qemu-riscv64'), 'disabled\n');
  fs.writeFileSync(path.join(dir, 'register'), '');
  fs.writeFileSync(path.join(dir, 'status'), 'enabled\n');
  expect(readBinfmt(dir)).toEqual(['qemu-aarch64']);
  expect(readBinfmt(path.join(dir, 'missing'))).toEqual([]);
});

test.each<[string, Parameters<typeof decideQemu>, ReturnType<typeof decideQemu>]>([
  ['nothing emulated installs nothing', ['auto', [], ['linux/arm64'], []], { registered: [], install: [], missing: [] }],
  ['already registered is skipped', ['auto', ['linux/arm64'], ['linux/arm64'], ['qemu-aarch64']], { registered: ['linux/arm64'], install: [], missing: [] }],
  ['missing is installed', ['auto', ['linux/arm64', 'linux/arm/v7'], ['linux/arm64', 'linux/arm/v7'], ['qemu-aarch64']], { registered: ['linux/arm64'], install: ['linux/arm/v7'], missing: [] }],
  ['never leaves it missing', ['never', ['linux/riscv64'], ['linux/riscv64'], []], { registered: [], install: [], missing: ['linux/riscv64'] }],
  ['always installs every non-native platform', ['always', [], ['linux/arm64'], ['qemu-aarch64']], { registered: [], install: ['linux/arm64'], missing: [] }]
])('%s', (_name, args, expected) => {
  expect(decideQemu(...args)).toEqual(expected);
});

test('install argv names architectures once', () => {
  expect(buildQemuInstallArgs('tonistiigi/binfmt:qemu-v10.2.3-68', ['linux/arm64', 'linux/arm/v7', 'linux/arm/v6'])).toEqual([
    'run', '--rm', '--privileged', 'tonistiigi/binfmt:qemu-v10.2.3-68', '--install', 'arm64,arm'
  ]);
});

test('readQemuVersion asks the binary behind Debian\'s -binfmt-P link, which refuses to run by itself', async () => {
  const { readQemuVersion } = await import('../../src/setup/qemu.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binfmt-'));
  try {
    const real = path.join(dir, 'qemu-aarch64-static');
    // Like Debian's: called by the link's name, it refuses; by its own, it answers.
    fs.writeFileSync(real, '#!/bin/sh\ncase "$0" in *-binfmt-P) echo "has to be run using kernel binfmt-misc" >&2; exit 1;; esac\necho "qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"\n', { mode: 0o755 });
    fs.symlinkSync(real, path.join(dir, 'aarch64-binfmt-P'));
    fs.mkdirSync(path.join(dir, 'binfmt'));
    fs.writeFileSync(path.join(dir, 'binfmt', 'qemu-aarch64'), `enabled\ninterpreter ${path.join(dir, 'aarch64-binfmt-P')}\nflags: PF\n`);
    expect(await readQemuVersion(path.join(dir, 'binfmt'))).toBe('7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
    fs.writeFileSync(path.join(dir, 'binfmt', 'qemu-aarch64'), 'disabled\n');
    expect(await readQemuVersion(path.join(dir, 'binfmt'))).toBeUndefined();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
