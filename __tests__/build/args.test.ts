import { buildLegArgs, resolveCacheSpec, resolveLoadRef } from '../../src/build/args.js';
import type { Config } from '../../src/types/config.js';
import type { PlatformPlan } from '../../src/types/plan.js';

const base: Config = {
  context: '/ctx', file: '/ctx/Dockerfile', platforms: ['linux/amd64', 'linux/arm64'], tags: [], labels: [], annotations: [],
  buildArgs: [], buildContexts: [], secrets: [], ssh: [], push: false, load: false, outputs: [], cacheFrom: [], cacheTo: [],
  noCache: false, noCacheFilters: [], pull: false, addHosts: [], ulimit: [], attests: [], allow: [], qemu: 'auto',
  qemuImage: 'tonistiigi/binfmt:qemu-v10.2.3-68', buildkitImage: 'moby/buildkit:v0.31.2', driver: 'auto', verify: 'strict', verifyBinaries: 'all', verifyIgnore: [], summary: true, crossCompile: 'auto',
  outDir: '/out', tempDir: '/tmp', imageName: 'app', mode: 'all', runners: {}, defaultRunner: 'ubuntu-24.04', nodes: [], cacheScopePrefix: '', cacheMounts: [], exports: [], keepLayout: true
};
const arm64: PlatformPlan = { platform: 'linux/arm64', strategy: 'cross', language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 'app-linux-arm64' };
const head = ['buildx', 'build', '--builder', 'b', '--platform', 'linux/arm64', '--file', '/df', '--output', 'type=oci,tar=false,dest=/legs/arm64', '--metadata-file', '/legs/arm64.json'];

function argsOf(over: Partial<Config>, secretFiles: Record<string, string> = {}): string[] {
  return buildLegArgs({ config: { ...base, ...over }, platform: arm64, builder: 'b', dockerfile: '/df', outDir: '/legs/arm64', metadataFile: '/legs/arm64.json', secretFiles });
}

test.each<[string, Partial<Config>, string[]]>([
  ['minimal', {}, []],
  ['target', { target: 'release' }, ['--target', 'release']],
  ['build args verbatim, shell metacharacters included', { buildArgs: ['A=$(id)', 'B=x;y "q"'] }, ['--build-arg', 'A=$(id)', '--build-arg', 'B=x;y "q"']],
  ['named contexts', { buildContexts: ['golang:1.19=docker-image://localhost:5000/library/golang:1.19'] }, ['--build-context', 'golang:1.19=docker-image://localhost:5000/library/golang:1.19']],
  ['labels', { labels: ['org.opencontainers.image.source=https://x'] }, ['--label', 'org.opencontainers.image.source=https://x']],
  ['manifest annotations pass, index ones are the merge step\'s', { annotations: ['manifest:a=1', 'index:b=2', 'c=3'] }, ['--annotation', 'manifest:a=1', '--annotation', 'c=3']],
  ['secret file and env', { secrets: [{ id: 'f', kind: 'file', path: '/s' }, { id: 'e', kind: 'env', env: 'TOKEN' }] }, ['--secret', 'id=f,src=/s', '--secret', 'id=e,env=TOKEN']],
  ['ssh', { ssh: ['default'] }, ['--ssh', 'default']],
  ['gha cache gets the platform scope', { cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] }, ['--cache-from', 'type=gha,scope=app-linux-arm64', '--cache-to', 'type=gha,mode=max,scope=app-linux-arm64,ignore-error=true']],
  ['registry cache gets a per-platform tag', { cacheFrom: ['type=registry,ref=r/c'] }, ['--cache-from', 'type=registry,ref=r/c:linux-arm64']],
  ['no-cache, filters, pull', { noCache: true, noCacheFilters: ['build'], pull: true }, ['--no-cache', '--no-cache-filter', 'build', '--pull']],
  ['network and hosts', { network: 'host', addHosts: ['db:127.0.0.1'], shmSize: '1g', ulimit: ['nofile=1024:1024'] }, ['--network', 'host', '--add-host', 'db:127.0.0.1', '--shm-size', '1g', '--ulimit', 'nofile=1024:1024']],
  ['attestations: sbom as BPA passes it, and it wins over an sbom entry of attests', { provenance: 'mode=max', sbom: 'true', attests: ['type=sbom,generator=x', 'type=other'] }, ['--provenance', 'mode=max', '--attest', 'type=sbom,disabled=false', '--attest', 'type=other']],
  ['sbom: a generator image', { sbom: 'generator=localhost:5000/scanner:v1' }, ['--attest', 'type=sbom,generator=localhost:5000/scanner:v1']],
  ['sbom: false disables it', { sbom: 'false' }, ['--attest', 'type=sbom,disabled=true']],
  ['sbom with generator and a scan parameter', { sbom: 'generator=g,true' }, ['--attest', 'type=sbom,generator=g,disabled=false']],
  ['without sbom, an sbom entry of attests is kept', { attests: ['type=sbom,generator=x'] }, ['--attest', 'type=sbom,generator=x']],
  ['allow', { allow: ['network.host'] }, ['--allow', 'network.host']]
])('%s', (_name, over, middle) => {
  expect(argsOf(over)).toEqual([...head, ...middle, '/ctx']);
});

test('a files output (type=local or type=tar) adds a second --output: the platform\'s files, beside its layout', () => {
  const args = buildLegArgs({ config: base, platform: arm64, builder: 'b', dockerfile: '/df', outDir: '/legs/arm64', metadataFile: '/legs/arm64.json', secretFiles: {}, filesDir: '/files/linux_arm64' });
  expect(args).toEqual([...head, '--output', 'type=local,dest=/files/linux_arm64', '/ctx']);
});

test('a secret given by value is passed as a file, never on the command line', () => {
  const args = argsOf({ secrets: [{ id: 'tok', kind: 'value', value: 'hunter2' }] }, { tok: '/run/secrets/tok' });
  expect(args).toContain('id=tok,src=/run/secrets/tok');
  expect(args.join(' ')).not.toContain('hunter2');
});

test('resolveCacheSpec keeps a user scope and ignore-error', () => {
  expect(resolveCacheSpec('type=gha,scope=mine,ignore-error=false', 's', true)).toBe('type=gha,scope=mine,ignore-error=false');
  expect(resolveCacheSpec('type=gha', 's', false)).toBe('type=gha,scope=s');
});

describe('docker-load legs (the docker driver on the classic image store)', () => {
  const loadHead = ['buildx', 'build', '--builder', 'default', '--platform', 'linux/arm64', '--file', '/df', '--output', 'type=docker,name=multiarch-leg-1-ab:linux-arm64', '--metadata-file', '/legs/arm64.json', '--provenance=false'];
  const loadArgs = (over: Partial<Config>) =>
    buildLegArgs({ config: { ...base, ...over }, platform: arm64, builder: 'default', dockerfile: '/df', outDir: '/legs/arm64', metadataFile: '/legs/arm64.json', secretFiles: {}, legExport: 'docker-load', loadRef: 'multiarch-leg-1-ab:linux-arm64' });

  test.each<[string, Partial<Config>, string[]]>([
    ['loads under the temporary name, no attestation', {}, []],
    ['attestations asked for are not passed (setup warns)', { provenance: 'mode=max', sbom: 'true', attests: ['type=sbom'] }, []],
    ['cache imports kept, exports other than inline dropped', { cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max', 'type=registry,ref=r/c', 'type=inline'] }, ['--cache-from', 'type=gha,scope=app-linux-arm64', '--cache-to', 'type=inline']]
  ])('%s', (_name, over, extra) => {
    expect(loadArgs(over)).toEqual([...loadHead, ...extra, '/ctx']);
  });

  test('a docker-load leg without a reference is a programming error', () => {
    expect(() => buildLegArgs({ config: base, platform: arm64, builder: 'default', dockerfile: '/df', outDir: '/o', metadataFile: '/m', secretFiles: {}, legExport: 'docker-load' })).toThrow(/temporary reference/);
  });

  test('the temporary reference is a valid, unique, lowercase name per run and platform', () => {
    expect(resolveLoadRef('12345-A1b2C3', 'linux/arm/v7')).toBe('multiarch-leg-12345-a1b2c3:linux-arm-v7');
    expect(resolveLoadRef('local-ff00aa', 'linux/amd64')).toBe('multiarch-leg-local-ff00aa:linux-amd64');
  });
});
