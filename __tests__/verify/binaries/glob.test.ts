import { compileGlob } from '../../../src/verify/binaries/glob.js';

test.each([
  ['/opt/tools/**', '/opt/tools/x86/bin/tool', true],
  ['/opt/tools/**', '/opt/toolsx/a', false],
  ['/opt/tools', '/opt/tools/a/b', true],
  ['*.node', '/app/node_modules/x/build/Release/x.node', true],
  ['*.node', '/app/x.nodes', false],
  ['/app/*.so', '/app/a.so', true],
  ['/app/*.so', '/app/sub/a.so', false],
  ['/usr/lib/**/libfoo.so.?', '/usr/lib/libfoo.so.1', true],
  ['/usr/lib/**/libfoo.so.?', '/usr/lib/x/y/libfoo.so.2', true],
  ['**/testdata/**', '/usr/local/go/src/debug/elf/testdata/gcc-amd64', true],
  ['/usr/lib/{x86_64,i386}-linux-gnu/*', '/usr/lib/i386-linux-gnu/libc.so.6', true],
  ['/usr/lib/{x86_64,i386}-linux-gnu/*', '/usr/lib/aarch64-linux-gnu/libc.so.6', false],
  ['/lib/[!a]*', '/lib/b', true],
  ['/lib/[!a]*', '/lib/a', false],
  ['/a.b', '/aXb', false]
])('%s against %s: %s', (pattern, path, want) => {
  expect(compileGlob(pattern).test(path)).toBe(want);
});

test.each([
  ['', /empty/],
  ['/a/**b', /whole path segment/],
  ['/a/[bc', /no closing \]/],
  ['/a/{b,c', /no closing \}/]
])('%j is rejected', (pattern, why) => {
  expect(() => compileGlob(pattern)).toThrow(why);
});
