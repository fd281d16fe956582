import { resolveCacheWarnings, type CacheFacts } from '../../src/cache/warnings.js';
import { parseBuildkitVersions } from '../../src/setup/buildx.js';
import { parseContainerdStore, parseEngineVersion } from '../../src/setup/engine.js';

/** A GitHub-hosted runner today: buildx and BuildKit new enough, v2 env set. */
const good: CacheFacts = {
  cacheFrom: ['type=gha'],
  cacheTo: ['type=gha,mode=max'],
  env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results-receiver.actions.githubusercontent.com/', ACTIONS_CACHE_URL: 'https://acghubeus1.actions.githubusercontent.com/x/', ACTIONS_CACHE_SERVICE_V2: 'True' },
  buildxVersion: '0.21.1',
  driver: 'docker-container',
  buildkitVersions: ['0.20.1'],
  platforms: ['linux/amd64', 'linux/arm64']
};

test.each<[string, Partial<CacheFacts>, RegExp[]]>([
  ['all good: quiet', {}, []],
  ['no gha cache: quiet whatever the versions', { cacheFrom: ['type=registry,ref=r/c'], cacheTo: [], buildxVersion: '0.13.1', env: {} }, []],
  ['no token: buildx drops it silently', { env: { ...good.env, ACTIONS_RUNTIME_TOKEN: undefined } }, [/^buildx silently drops cache-from type=gha; cache-to type=gha,mode=max: ACTIONS_RUNTIME_TOKEN is not set/]],
  ['a token in the spec counts', { env: { ...good.env, ACTIONS_RUNTIME_TOKEN: undefined }, cacheFrom: ['type=gha,token=x'], cacheTo: [] }, []],
  ['no URL at all', { env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_SERVICE_V2: 'true' } }, [/^buildx silently drops .*: neither ACTIONS_RESULTS_URL nor ACTIONS_CACHE_URL is set/]],
  ['only ACTIONS_RESULTS_URL with buildx 0.13 (it reads ACTIONS_CACHE_URL only): dropped', { buildxVersion: '0.13.1', env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://r/' } }, [/^buildx silently drops .*neither ACTIONS_RESULTS_URL nor ACTIONS_CACHE_URL/]],
  ['buildx < 0.21: cache service v1 only', { buildxVersion: '0.13.1' }, [/^buildx 0\.13\.1 speaks only the retired GitHub cache service v1 .*needs buildx >= 0\.21\.0 and BuildKit >= 0\.20\.0/]],
  ['BuildKit < 0.20', { buildkitVersions: ['0.19.0', '0.20.0'] }, [/^BuildKit 0\.19\.0 speaks only the retired GitHub cache service v1/]],
  ['both old', { buildxVersion: '0.13.1', buildkitVersions: ['0.13.2'] }, [/^buildx 0\.13\.1/, /^BuildKit 0\.13\.2/]],
  ['docker driver, BuildKit version unknown: the engine version decides (26 < 28)', { driver: 'docker', buildkitVersions: [], dockerVersion: '26.1.5', containerdStore: true }, [/^Docker Engine 26\.1\.5 \(its built-in BuildKit\) speaks only the retired .*Docker Engine >= 28\.0 for the docker driver/]],
  ['docker driver on Docker 28: fine', { driver: 'docker', buildkitVersions: [], dockerVersion: '28.0.1', containerdStore: true }, []],
  ['unknown BuildKit on another driver: quiet (cannot tell)', { buildkitVersions: [] }, []],
  ['buildx >= 0.21 without ACTIONS_CACHE_SERVICE_V2 but with ACTIONS_CACHE_URL: v1', { env: { ...good.env, ACTIONS_CACHE_SERVICE_V2: undefined } }, [/^ACTIONS_CACHE_SERVICE_V2 is not set, so buildx 0\.21\.1 sends ACTIONS_CACHE_URL to the retired cache service v1/]],
  ['...unless the spec asks for v2 itself', { env: { ...good.env, ACTIONS_CACHE_SERVICE_V2: undefined }, cacheFrom: ['type=gha,version=2'], cacheTo: [] }, []],
  ['docker driver without the containerd store: no cache export at all', { driver: 'docker', buildkitVersions: [], dockerVersion: '28.1.0', containerdStore: false, cacheTo: ['type=gha,mode=max', 'type=registry,ref=r/c', 'type=inline'], cacheFrom: [] }, [/^the docker driver without the containerd image store cannot export caches \("Cache export is not supported for the docker driver"\): cache-to type=gha,mode=max; cache-to type=registry,ref=r\/c dropped, the build runs without saving that cache\. Turn on the containerd image store .*docker-container builder start/]],
  ['docker driver, store unknown: quiet', { driver: 'docker', buildkitVersions: [], dockerVersion: '28.1.0', containerdStore: undefined }, []],
  ['a user gha scope on a multi-platform export: last writer wins', { cacheTo: ['type=gha,scope=main,mode=max'] }, [/^cache-to type=gha,scope=main,mode=max sets scope, so all 2 legs export to one scope/]],
  ['a user gha scope with one platform: fine', { cacheTo: ['type=gha,scope=main'], platforms: ['linux/arm64'] }, []]
])('%s', (_name, over, expected) => {
  const warnings = resolveCacheWarnings({ ...good, ...over });
  expect(warnings).toEqual(expected.map((re) => expect.stringMatching(re)));
});

test('warnings never print a token', () => {
  const warnings = resolveCacheWarnings({ ...good, buildxVersion: '0.13.1', cacheTo: ['type=gha,token=SECRET-TOKEN'], env: { ...good.env, ACTIONS_RUNTIME_TOKEN: 'RUNTIME-TOKEN' } });
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) expect(w).not.toContain('RUNTIME-TOKEN');
  // A token the user wrote into a spec is in the spec text: resolveCacheSecrets masks it first.
});

test('parseBuildkitVersions reads both spellings and skips a distro build', () => {
  expect(parseBuildkitVersions('Name: a\nNodes:\nName: n1\nBuildKit version: v0.20.2\nName: n2\nBuildKit:  v0.13.2\n')).toEqual(['0.20.2', '0.13.2']);
  expect(parseBuildkitVersions('BuildKit version: v0.0.0+unknown\n')).toEqual([]);
});

test('parseContainerdStore', () => {
  expect(parseContainerdStore('[["driver-type","io.containerd.snapshotter.v1"]]\n')).toBe(true);
  expect(parseContainerdStore('[["Backing Filesystem","extfs"],["Supports d_type","true"]]')).toBe(false);
  expect(parseContainerdStore('null')).toBeUndefined();
  expect(parseContainerdStore('template: error')).toBeUndefined();
});

test('parseEngineVersion', () => {
  expect(parseEngineVersion('26.1.5+dfsg1\n')).toBe('26.1.5');
  expect(parseEngineVersion('')).toBeUndefined();
});
