import { readDynamic } from '../../src/verify/elf-dynamic.js';
import { elfBytesNeeded, readElfFacts } from '../../src/verify/elf-facts.js';
import { buildDynamicElf, dyn, LOADER } from './helpers/dynamic-elf.js';
import { ELF, EM } from './helpers/elf-builder.js';

/** Reads `file` as a streaming reader does: only as many bytes as elfBytesNeeded asks for. */
function streamRead(file: Buffer, cap?: number): { bytes: number; facts: ReturnType<typeof readElfFacts> } {
  let bytes = file.subarray(0, Math.min(file.length, 256));
  for (;;) {
    const want = elfBytesNeeded(bytes, file.length, cap);
    if (want <= bytes.length) break;
    bytes = file.subarray(0, want);
  }
  return { bytes: bytes.length, facts: readElfFacts(bytes, file.length) };
}

test('DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH of a 64-bit little-endian object', () => {
  const file = dyn('arm64', { soname: 'libfoo.so.1', needed: ['libbar.so.2', 'libc.so.6'], rpath: '$ORIGIN/../lib:/opt/x', runpath: '/opt/y' });
  expect(readDynamic(file, file.length)).toEqual({ kind: 'read', info: { needed: ['libbar.so.2', 'libc.so.6'], soname: 'libfoo.so.1', rpath: ['$ORIGIN/../lib', '/opt/x'], runpath: ['/opt/y'] } });
});

test('a 32-bit big-endian executable', () => {
  const file = buildDynamicElf({ bits: 32, endian: 'BE', machine: EM.MIPS, interp: '/lib/ld.so.1', needed: ['libc.so.6'] });
  expect(readDynamic(file, file.length)).toEqual({ kind: 'read', info: { needed: ['libc.so.6'] } });
});

test('a static binary has no dynamic section', () => {
  const file = ELF.arm64();
  expect(readDynamic(file, file.length)).toEqual({ kind: 'static' });
  expect(streamRead(file).facts).toMatchObject({ elf: { arch: 'arm64', linkage: 'static' }, dynamic: { kind: 'static' } });
});

test('the reader asks for the dynamic section, then stops: the code before it is read, nothing after', () => {
  const file = dyn('amd64', { interp: LOADER.amd64, needed: ['libfoo.so.1'], codeSize: 200_000 });
  const first = elfBytesNeeded(file.subarray(0, 4096), file.length);
  expect(first).toBe(file.length); // the dynamic section is last in this layout
  const r = streamRead(file);
  expect(r.facts.dynamic).toEqual({ kind: 'read', info: { needed: ['libfoo.so.1'] } });
  expect(r.facts.elf).toMatchObject({ arch: 'amd64', interpreter: LOADER.amd64 });
});

test('a string table after the dynamic section is followed too', () => {
  const file = dyn('arm64', { needed: ['liblate.so.1'], stringsLast: true, codeSize: 100_000 });
  const dynamicOnly = elfBytesNeeded(file.subarray(0, 4096), file.length);
  expect(dynamicOnly).toBeLessThan(file.length);
  expect(streamRead(file).facts.dynamic).toEqual({ kind: 'read', info: { needed: ['liblate.so.1'] } });
});

test('past the read bound, the dynamic section is reported unreadable, not guessed', () => {
  const file = dyn('amd64', { needed: ['libfoo.so.1'], codeSize: 300_000 });
  const r = streamRead(file, 100_000);
  expect(r.bytes).toBe(100_000);
  expect(r.facts.dynamic).toEqual({ kind: 'unreadable', reason: 'the dynamic section lies beyond the first 100000 bytes, more than multiarch reads of one file' });
});

test('a non-ELF file needs no more bytes; garbage ELF gives an error, never a throw', () => {
  expect(elfBytesNeeded(Buffer.from('#!/bin/sh\necho hi\n'), 18)).toBe(18);
  const junk = Buffer.concat([Buffer.from('\x7fELF\x02\x01', 'latin1'), Buffer.alloc(100, 0xff)]);
  expect(() => readDynamic(junk, junk.length)).not.toThrow();
  expect(readElfFacts(junk, junk.length).dynamic.kind).toBe('unreadable');
  const odd = Buffer.concat([Buffer.from('\x7fELF\x09', 'latin1'), Buffer.alloc(60)]);
  expect(readElfFacts(odd, odd.length)).toMatchObject({ error: expect.stringMatching(/invalid ELF class 9/) });
});

test('32-bit ARM is read whole for its attributes', () => {
  const file = ELF.armv7({ codeSize: 50_000 });
  expect(elfBytesNeeded(file.subarray(0, 4096), file.length)).toBe(file.length);
  expect(streamRead(file).facts.elf?.arm?.variant).toBe('v7');
});
