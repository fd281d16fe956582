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
