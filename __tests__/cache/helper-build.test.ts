import { buildExtractArgs, buildSeedArgs, extractDockerfile, seedDockerfile } from '../../src/cache/helper-build.js';
import type { CacheMount } from '../../src/cache/mounts.js';

const goBuild: CacheMount = { id: '/root/.cache/go-build', target: '/root/.cache/go-build', raw: '/root/.cache/go-build' };
const apt: CacheMount = { id: 'apt', target: '/var/cache/apt', sharing: 'locked', raw: 'id=apt,target=/var/cache/apt,sharing=locked' };
const odd: CacheMount = { id: 'a,b "c"', target: '/x', raw: 'x' };

test('seed: one RUN per mount, mounting the cache by id and the restored directory by path', () => {
  expect(seedDockerfile([{ mount: goBuild, dir: 'mount-go' }, { mount: apt, dir: 'mount-apt' }], 'busybox:1.35')).toBe(
    [
      'FROM busybox:1.35',
      'ARG MULTIARCH_CACHE_MOUNT_RUN',
      'RUN --mount=type=cache,id=/root/.cache/go-build,target=/cache --mount=type=bind,source=mount-go,target=/seed : "$MULTIARCH_CACHE_MOUNT_RUN" && cp -a /seed/. /cache/',
      'RUN --mount=type=cache,id=apt,target=/cache --mount=type=bind,source=mount-apt,target=/seed : "$MULTIARCH_CACHE_MOUNT_RUN" && cp -a /seed/. /cache/',
      ''
    ].join('\n')
  );
});

test('extract: a stage per mount, gathered one directory each into scratch', () => {
  expect(extractDockerfile([{ mount: goBuild, dir: 'mount-go' }, { mount: apt, dir: 'mount-apt' }], 'registry.local/busybox:1')).toBe(
    [
      'FROM registry.local/busybox:1 AS mount0',
      'ARG MULTIARCH_CACHE_MOUNT_RUN',
      'RUN --mount=type=cache,id=/root/.cache/go-build,target=/cache : "$MULTIARCH_CACHE_MOUNT_RUN" && mkdir -p /out && cp -a /cache/. /out/',
      'FROM registry.local/busybox:1 AS mount1',
      'ARG MULTIARCH_CACHE_MOUNT_RUN',
      'RUN --mount=type=cache,id=apt,target=/cache : "$MULTIARCH_CACHE_MOUNT_RUN" && mkdir -p /out && cp -a /cache/. /out/',
      'FROM scratch',
      'COPY --from=mount0 /out/ /mount-go/',
      'COPY --from=mount1 /out/ /mount-apt/',
      ''
    ].join('\n')
  );
});

test('an id that would need quoting never reaches a --mount flag', () => {
  expect(() => seedDockerfile([{ mount: odd, dir: 'mount-odd' }], 'b')).toThrow(/cannot go into a --mount flag/);
});

test('a directory name that could escape the context is refused', () => {
  expect(() => seedDockerfile([{ mount: goBuild, dir: '../etc' }], 'b')).toThrow(/unsafe/);
  expect(() => extractDockerfile([{ mount: goBuild, dir: '/abs' }], 'b')).toThrow(/unsafe/);
  expect(() => seedDockerfile([{ mount: goBuild, dir: 'a b' }], 'b')).toThrow(/unsafe/);
});

// A nonce, never --no-cache: that would empty the very cache mounts these builds move files in and out of.
const common = ['buildx', 'build', '--builder', 'b', '--progress', 'plain', '--build-arg', 'MULTIARCH_CACHE_MOUNT_RUN=n1'];

test.each<[string, { buildContexts?: string[]; buildArgs?: string[]; network?: string }, string[]]>([
  ['minimal', {}, []],
  ['named contexts pass through (they may map the helper image)', { buildContexts: ['busybox:1.35=docker-image://localhost:5000/library/busybox:1.35'] }, ['--build-context', 'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35']],
  ['only the cache namespace build arg passes', { buildArgs: ['VERSION=1', 'BUILDKIT_CACHE_MOUNT_NS=team-a', 'BUILDKIT_CACHE_MOUNT_NSX=no'] }, ['--build-arg', 'BUILDKIT_CACHE_MOUNT_NS=team-a']],
  ['network', { network: 'host' }, ['--network', 'host']]
])('helper argv: %s', (_name, over, middle) => {
  const input = { builder: 'b', buildContexts: [], buildArgs: [], nonce: 'n1', ...over };
  expect(buildSeedArgs({ ...input, context: '/tmp/mounts' })).toEqual([...common, ...middle, '--output', 'type=cacheonly', '--file', '-', '/tmp/mounts']);
  expect(buildExtractArgs({ ...input, dest: '/tmp/mounts' })).toEqual([...common, ...middle, '--output', 'type=local,dest=/tmp/mounts', '-']);
});
