import { cleanPath, parseCacheMount, parseCacheMounts } from '../../src/cache/mounts.js';

test.each<[string, string, { id: string; target: string; sharing?: string }]>([
  ['a bare target: the id is the target, as BuildKit defaults it', '/root/.cache/go-build', { id: '/root/.cache/go-build', target: '/root/.cache/go-build' }],
  ['a bare target is path-cleaned for the id (BuildKit: path.Clean)', '/root/.cache//go-build/', { id: '/root/.cache/go-build', target: '/root/.cache//go-build/' }],
  ['a relative target keeps its relative id', './.cache/pip', { id: '.cache/pip', target: './.cache/pip' }],
  ['id and target', 'id=go-build,target=/root/.cache/go-build', { id: 'go-build', target: '/root/.cache/go-build' }],
  ['target only', 'target=/var/cache/apt', { id: '/var/cache/apt', target: '/var/cache/apt' }],
  ['dst is BuildKit\'s alias for target', 'id=x,dst=/x', { id: 'x', target: '/x' }],
  ['destination too', 'destination=/y', { id: '/y', target: '/y' }],
  ['type=cache and sharing are accepted', 'type=cache,id=apt,target=/var/cache/apt,sharing=locked', { id: 'apt', target: '/var/cache/apt', sharing: 'locked' }],
  ['keys are case-insensitive, spaces around parts ignored', ' ID=a , Target=/a ', { id: 'a', target: '/a' }],
  ['an explicit id is used as written', 'id=/root/.cache/go-build/,target=/root/.cache/go-build', { id: '/root/.cache/go-build/', target: '/root/.cache/go-build' }]
])('%s', (_name, raw, expected) => {
  const { raw: _raw, ...mount } = parseCacheMount(raw.trim());
  expect(mount).toEqual(expected);
});

test.each<[string, string, RegExp]>([
  ['no target', 'id=x', /has no target/],
  ['empty id', 'id=,target=/x', /empty id/],
  ['another mount type', 'type=bind,target=/x', /only type=cache/],
  ['bad sharing', 'target=/x,sharing=sometimes', /sharing must be shared, private or locked/],
  ['uid (keyed per platform by BuildKit)', 'target=/x,uid=1000', /uid= is not supported: BuildKit keys/],
  ['mode', 'target=/x,mode=0777', /mode= is not supported/],
  ['from a stage', 'target=/x,from=deps', /from= is not supported: a cache mount seeded from a stage/],
  ['an unknown option', 'target=/x,colour=blue', /unknown option "colour"/],
  ['a key twice', 'target=/x,target=/y', /sets target twice/],
  ['target and an alias', 'target=/x,dst=/y', /both target and dst/],
  ['a bare entry with a comma', '/a,/b', /is not a path/],
  ['an id with a variable', 'id=go-$TARGETARCH,target=/x', /\$ is not supported \(list the id as the build expands it; expected/],
  ['an id with a quote', 'id="x",target=/x', /quotes/]
])('rejects %s, naming the input', (_name, raw, message) => {
  expect(() => parseCacheMount(raw)).toThrow(message);
  expect(() => parseCacheMount(raw)).toThrow(/^Input "cache-mounts": /);
});

test('a list: blank lines and comments skipped, each id once', () => {
  expect(parseCacheMounts(['/a', '', '# a comment', 'id=b,target=/b']).map((m) => m.id)).toEqual(['/a', 'b']);
  expect(() => parseCacheMounts(['/a', 'id=/a,target=/elsewhere'])).toThrow(/uses cache id "\/a" again \(first in "\/a"\)/);
  expect(() => parseCacheMounts(['/a/', '/a'])).toThrow(/again/);
});

test.each([
  ['/a/b/', '/a/b'],
  ['/a//b/./c/..', '/a/b'],
  ['/', '/'],
  ['./x', 'x'],
  ['x/..', '.']
])('cleanPath(%s) is %s, as Go\'s path.Clean', (input, output) => {
  expect(cleanPath(input)).toBe(output);
});
