import { resolveConfig } from '../../src/config.js';
import { hasPlatformSuffix, platformSlug, resolveCacheSecrets, resolveLegCacheSpec, resolveRegistryCacheRef } from '../../src/cache/scope.js';
import { decide } from '../../src/plan/decide.js';

test.each([
  ['linux/arm64', 'linux-arm64'],
  ['linux/arm/v7', 'linux-arm-v7'],
  ['linux/amd64/v3', 'linux-amd64-v3']
])('platformSlug(%j) = %j', (platform, slug) => {
  expect(platformSlug(platform)).toBe(slug);
});

test.each([
  ['no tag: the platform becomes the tag', 'localhost:5000/cache/x', 'linux/arm64', 'localhost:5000/cache/x:linux-arm64'],
  ['a tag gets the platform as a suffix', 'ghcr.io/acme/app:buildcache', 'linux/arm/v7', 'ghcr.io/acme/app:buildcache-linux-arm-v7'],
  ['a registry port is not a tag', 'localhost:5000/x', 'linux/amd64', 'localhost:5000/x:linux-amd64'],
  ['already per platform (slug)', 'r/c:cache-linux-arm64', 'linux/arm64', 'r/c:cache-linux-arm64'],
  ['already per platform (arch)', 'r/c:cache-arm64', 'linux/arm64', 'r/c:cache-arm64'],
  ['already per platform (armv7)', 'r/c:buildcache_armv7', 'linux/arm/v7', 'r/c:buildcache_armv7'],
  ['another platform in the tag is not this one', 'r/c:cache-arm64', 'linux/amd64', 'r/c:cache-arm64-linux-amd64'],
  ['a tag that merely contains the arch is not a suffix', 'r/c:arm64cache', 'linux/arm64', 'r/c:arm64cache-linux-arm64'],
  ['a digest is left alone (nothing can be exported to it)', 'r/c@sha256:abcd', 'linux/arm64', 'r/c@sha256:abcd']
])('resolveRegistryCacheRef: %s', (_name, ref, platform, expected) => {
  expect(resolveRegistryCacheRef(ref, platform)).toBe(expected);
});

test('hasPlatformSuffix is exact about the platform', () => {
  expect(hasPlatformSuffix('linux-arm64', 'linux/arm64')).toBe(true);
  expect(hasPlatformSuffix('arm64', 'linux/arm64')).toBe(true);
  expect(hasPlatformSuffix('latest', 'linux/arm64')).toBe(false);
  expect(hasPlatformSuffix('cache-amd64', 'linux/arm64')).toBe(false);
  expect(hasPlatformSuffix('cache-arm-v7', 'linux/arm/v7')).toBe(true);
  expect(hasPlatformSuffix('cache-v7', 'linux/arm/v7')).toBe(false);
});

const leg = { platform: 'linux/arm64', scope: 'app-linux-arm64' };
test.each<[string, string, boolean, string]>([
  ['gha import gets the scope', 'type=gha', false, 'type=gha,scope=app-linux-arm64'],
  ['gha export gets the scope and ignore-error', 'type=gha,mode=max', true, 'type=gha,mode=max,scope=app-linux-arm64,ignore-error=true'],
  ['a user gha scope and ignore-error stay', 'type=gha,scope=mine,ignore-error=false', true, 'type=gha,scope=mine,ignore-error=false'],
  ['gha never gets url or token added (buildx reads them from its env)', 'type=gha', true, 'type=gha,scope=app-linux-arm64,ignore-error=true'],
  ['registry import: per-platform ref', 'type=registry,ref=localhost:5000/cache/x', false, 'type=registry,ref=localhost:5000/cache/x:linux-arm64'],
  ['registry export: the rest of the spec stays as written', 'type=registry,ref=r/c:bc,mode=max,oci-mediatypes=true', true, 'type=registry,ref=r/c:bc-linux-arm64,mode=max,oci-mediatypes=true'],
  ['registry with ref not first', 'type=registry,mode=max,ref=r/c', true, 'type=registry,mode=max,ref=r/c:linux-arm64'],
  ['registry already per platform', 'type=registry,ref=r/c:bc-linux-arm64', true, 'type=registry,ref=r/c:bc-linux-arm64'],
  ['a bare ref (buildx reads it as registry) gets the suffix too', 'r/c:bc', false, 'r/c:bc-linux-arm64'],
  ['local caches are left alone', 'type=local,src=/tmp/cache', false, 'type=local,src=/tmp/cache'],
  ['inline is left alone', 'type=inline', true, 'type=inline']
])('resolveLegCacheSpec: %s', (_name, spec, isExport, expected) => {
  expect(resolveLegCacheSpec(spec, leg, isExport)).toBe(expected);
});

test('without a platform, registry refs are left as given', () => {
  expect(resolveLegCacheSpec('type=registry,ref=r/c', { scope: 's' }, true)).toBe('type=registry,ref=r/c');
});

test('resolveCacheSecrets: tokens in specs and the runtime token, to mask', () => {
  expect(resolveCacheSecrets(['type=gha,token=abc,url=https://x', 'type=s3,secret_access_key=sek,session_token=st', 'type=registry,ref=r/c'], { ACTIONS_RUNTIME_TOKEN: 'rt' })).toEqual(['abc', 'sek', 'st', 'rt']);
  expect(resolveCacheSecrets(['type=gha'], {})).toEqual([]);
});

test('cache-scope-prefix reaches every leg scope through Config and decide()', () => {
  const inputs: Record<string, string> = { context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', tags: 'ghcr.io/acme/api:1', 'cache-scope-prefix': 'pr-12-' };
  const config = resolveConfig((n) => inputs[n] ?? '', { workspace: process.cwd(), tempDir: '/tmp', onSecret: () => undefined, onWarning: () => undefined });
  expect(config.cacheScopePrefix).toBe('pr-12-');
  const plan = decide({
    dockerfileText: 'FROM busybox\nRUN true\n',
    dockerfilePath: 'Dockerfile',
    platforms: config.platforms,
    buildArgs: {},
    nativePlatforms: ['linux/amd64'],
    crossCompile: 'off',
    image: config.imageName,
    cacheScopePrefix: config.cacheScopePrefix || undefined
  });
  expect(plan.platforms.map((p) => p.cacheScope)).toEqual(['pr-12-api-linux-amd64', 'pr-12-api-linux-arm64']);
});
