import { languagePathOf, nodeArchTags, pythonArchTag, pythonSiblings, siblingCandidates } from '../../../src/verify/binaries/prebuilds.js';

test('language load paths', () => {
  expect(languagePathOf('/app/node_modules/x/build/Release/x.node')).toEqual({ runtime: 'node' });
  expect(languagePathOf('/app/build/Release/x.node')).toBeUndefined();
  expect(languagePathOf('/usr/local/lib/python3.11/site-packages/_x.cpython-311-x86_64-linux-gnu.so')).toEqual({ runtime: 'python' });
  expect(languagePathOf('/usr/lib/python3/dist-packages/numpy.libs/libopenblas.so')).toEqual({ runtime: 'python' });
  expect(languagePathOf('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBeUndefined();
});

test.each([
  ['/app/node_modules/bcrypt/prebuilds/linux-x64/node.napi.node', ['amd64:x64']],
  ['/app/node_modules/@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node', ['amd64:x64', 'amd64:x64']],
  ['/app/node_modules/sharp/build/Release/sharp-linuxmusl-arm64.node', ['arm64:arm64']],
  ['/app/node_modules/x/lib/binding/napi-v6-linux-arm-glibc/x.node', ['arm:arm']],
  ['/app/node_modules/x/build/Release/x.node', []],
  ['/app/node_modules/linux-tools/a.node', []]
])('node tags in %s', (path, want) => {
  expect(nodeArchTags(path).map((t) => `${t.arch}:${t.token}`)).toEqual(want);
});

test('siblings swap the token in the tagged segment', () => {
  const prebuild = '/app/node_modules/bcrypt/prebuilds/linux-x64/node.napi.node';
  expect(siblingCandidates(prebuild, nodeArchTags(prebuild)[0]!, 'arm64')).toEqual(['/app/node_modules/bcrypt/prebuilds/linux-arm64', '/app/node_modules/bcrypt/prebuilds/linux-aarch64']);
  const napi = '/app/node_modules/@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node';
  const [pkg, file] = nodeArchTags(napi);
  expect(siblingCandidates(napi, pkg!, 'arm64')).toEqual(['/app/node_modules/@swc/core-linux-arm64-gnu', '/app/node_modules/@swc/core-linux-aarch64-gnu']);
  expect(siblingCandidates(napi, file!, 'arm64')).toEqual(['/app/node_modules/@swc/core-linux-x64-gnu/swc.linux-arm64-gnu.node', '/app/node_modules/@swc/core-linux-x64-gnu/swc.linux-aarch64-gnu.node']);
});

test('CPython suffixes', () => {
  const path = '/usr/local/lib/python3.11/site-packages/fastjson/_speedups.cpython-311-x86_64-linux-gnu.so';
  const tag = pythonArchTag(path)!;
  expect(tag).toMatchObject({ arch: 'amd64', token: 'x86_64' });
  expect(pythonSiblings(path, tag, 'arm64')).toEqual([
    '/usr/local/lib/python3.11/site-packages/fastjson/_speedups.cpython-311-arm64-linux-gnu.so',
    '/usr/local/lib/python3.11/site-packages/fastjson/_speedups.cpython-311-aarch64-linux-gnu.so',
    '/usr/local/lib/python3.11/site-packages/fastjson/_speedups.abi3.so',
    '/usr/local/lib/python3.11/site-packages/fastjson/_speedups.so'
  ]);
  expect(pythonArchTag('/x/site-packages/_a.cpython-311-arm-linux-gnueabihf.so')).toMatchObject({ arch: 'arm' });
  expect(pythonArchTag('/x/site-packages/_a.abi3.so')).toBeUndefined();
});
