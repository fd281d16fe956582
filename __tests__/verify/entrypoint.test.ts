import type { ImageConfig } from '../../src/types/oci.js';
import { chooseProgram, execContext, traceProgram } from '../../src/verify/entrypoint.js';
import { LayerWalker } from '../../src/verify/layers.js';
import { ELF } from './helpers/elf-builder.js';
import { addLayers, dirs, layer } from './helpers/image.js';
import { MemorySource } from './helpers/memory-source.js';
import type { TarItem } from './helpers/tar-writer.js';

const cfg = (config: ImageConfig['config']): ImageConfig => ({ os: 'linux', architecture: 'arm64', config });

describe('chooseProgram', () => {
  test.each([
    [{ Entrypoint: ['/app'], Cmd: ['--flag'] }, { source: 'Entrypoint', program: '/app', argv: ['/app', '--flag'] }],
    [{ Entrypoint: null, Cmd: ['python3', 'app.py'] }, { source: 'Cmd', program: 'python3' }],
    [{ Cmd: ['/bin/sh', '-c', 'exec /app/server --port 80'] }, { program: '/bin/sh', shellCommand: 'exec /app/server --port 80', commandProgram: '/app/server' }],
    [{ Cmd: ['/bin/sh', '-c', 'PORT=80 server'] }, { commandProgram: 'server' }],
    [{ Cmd: ['sh', '-c', 'cd /app && ./run'] }, { program: 'sh', shellCommand: 'cd /app && ./run' }],
    [{ Cmd: ['/bin/sh', '-c', '"$APP"'] }, { program: '/bin/sh' }],
    [{ Cmd: ['/bin/sh', '-c', 'exec -a x y'] }, { program: '/bin/sh' }]
  ] as Array<[ImageConfig['config'], object]>)('%j', (config, expected) => {
    const choice = chooseProgram(cfg(config));
    expect(choice).toMatchObject(expected);
    if (!('commandProgram' in expected)) expect(choice?.commandProgram).toBeUndefined();
  });

  test('no ENTRYPOINT and no CMD', () => {
    expect(chooseProgram(cfg({ Entrypoint: [], Cmd: null }))).toBeUndefined();
    expect(chooseProgram({ os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });

  test('PATH and WorkingDir', () => {
    expect(execContext(cfg({ Env: ['PATH=/a:/b', 'X=1', 'PATH=/c:bin'], WorkingDir: 'srv/' }))).toEqual({ path: ['/c', 'bin'], workdir: '/srv' });
    expect(execContext(cfg({})).path).toEqual(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  });
});

async function trace(items: TarItem[][], config: ImageConfig['config']) {
  const src = new MemorySource();
  const w = new LayerWalker(src, addLayers(src, items.map((i) => layer(i))));
  return traceProgram(w, cfg(config));
}

const exe = (name: string, data: Buffer | string): TarItem => ({ name, data, mode: 0o755 });

describe('traceProgram', () => {
  test('a bare name is searched in PATH; non-executable candidates are skipped', async () => {
    const t = await trace([[...dirs('usr', 'usr/local', 'usr/local/bin', 'usr/bin'), { name: 'usr/local/bin/app', data: ELF.arm64(), mode: 0o644 }, exe('usr/bin/app', ELF.arm64())]], { Cmd: ['app'] });
    expect(t?.steps.map((s) => s.file.path)).toEqual(['/usr/bin/app']);
    expect(t?.problems).toEqual([]);
  });

  test('not found in PATH lists the directories and what was skipped', async () => {
    const t = await trace([[...dirs('bin'), { name: 'bin/app', data: 'x', mode: 0o600 }]], { Entrypoint: ['app'], Env: ['PATH=/usr/bin:/bin'] });
    expect(t?.problems).toEqual([
      expect.objectContaining({ short: 'not found', message: expect.stringContaining('"app" is in none of the PATH directories (/usr/bin:/bin); skipped /bin/app is not executable (mode 0600)') })
    ]);
  });

  test('a relative path is relative to WorkingDir', async () => {
    const t = await trace([[...dirs('srv'), exe('srv/run', ELF.arm64())]], { Entrypoint: ['./run'], WorkingDir: '/srv' });
    expect(t?.steps[0]?.file.path).toBe('/srv/run');
  });

  test('script → /usr/bin/env → python3 through PATH, with its loader', async () => {
    const base = [...dirs('usr', 'usr/bin', 'lib'), exe('usr/bin/env', ELF.arm64('/lib/ld-linux-aarch64.so.1')), exe('usr/bin/python3', ELF.amd64('/lib64/ld-linux-x86-64.so.2')), exe('lib/ld-linux-aarch64.so.1', ELF.arm64())];
    const app = [...dirs('app'), exe('app/run.py', '#!/usr/bin/env python3\nprint(1)\n')];
    const t = await trace([base, app], { Entrypoint: ['/app/run.py'] });
    expect(t?.steps.map((s) => [s.role, s.file.path, s.elf?.arch])).toEqual([
      ['Entrypoint[0]', '/app/run.py', undefined],
      ['#! interpreter of /app/run.py', '/usr/bin/env', 'arm64'],
      ['python3, run by env from the #! of /app/run.py', '/usr/bin/python3', 'amd64']
    ]);
    expect(t?.steps[1]?.loader?.lookup.found).toBe(true);
    expect(t?.steps[2]?.loader?.lookup.found).toBe(false);
  });

  test('#!/usr/bin/env with two words fails unless -S', async () => {
    const base = [...dirs('usr', 'usr/bin'), exe('usr/bin/env', ELF.arm64()), exe('usr/bin/node', ELF.arm64())];
    const bad = await trace([base, [exe('a', '#!/usr/bin/env node --harmony\n')]], { Entrypoint: ['/a'] });
    expect(bad?.problems[0]).toMatchObject({ short: 'env argument', message: expect.stringContaining('Use "#!/usr/bin/env -S node --harmony"') });
    const good = await trace([base, [exe('a', '#!/usr/bin/env -S FOO=1 node --harmony\n')]], { Entrypoint: ['/a'] });
    expect(good?.problems).toEqual([]);
    expect(good?.steps.map((s) => s.file.path)).toEqual(['/a', '/usr/bin/env', '/usr/bin/node']);
  });

  test('CRLF scripts, non-programs and non-executables are problems with fixes', async () => {
    const base = [...dirs('bin'), exe('bin/sh', ELF.arm64())];
    const crlf = await trace([base, [exe('a', '#!/bin/sh\r\necho\r\n')]], { Entrypoint: ['/a'] });
    expect(crlf?.problems[0]?.message).toMatch(/CRLF.*"\/bin\/sh\\r".*bad interpreter.*dos2unix/);
    expect(crlf?.steps.map((s) => s.file.path)).toEqual(['/a', '/bin/sh']);
    const text = await trace([base, [exe('a', 'hello')]], { Entrypoint: ['/a'] });
    expect(text?.problems[0]?.message).toMatch(/neither an ELF binary nor a #! script \(it starts with bytes 68 65 6c 6c\).*exec format error/);
    const noexec = await trace([base, [{ name: 'a', data: ELF.arm64(), mode: 0o644 }]], { Entrypoint: ['/a'] });
    expect(noexec?.problems[0]).toMatchObject({ short: 'not executable', message: expect.stringContaining('COPY --chmod=755') });
  });

  test('#! chains stop after three interpreters', async () => {
    const scripts = [exe('s1', '#!/s2\n'), exe('s2', '#!/s3\n'), exe('s3', '#!/s4\n'), exe('s4', '#!/s5\n'), exe('s5', ELF.arm64())];
    const t = await trace([scripts], { Entrypoint: ['/s1'] });
    expect(t?.problems[0]?.short).toBe('too many #!');
  });

  test('a self-referencing #! does not loop', async () => {
    const t = await trace([[exe('s', '#!/s\n')]], { Entrypoint: ['/s'] });
    expect(t?.problems[0]?.short).toBe('too many #!');
  });
});
