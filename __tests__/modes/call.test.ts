/** BPA's `call` input: the argv of a subrequest, and buildx's check results read, merged and said. */
import { buildCallArgs, callError, formatCheckText, mergeCheckResults, parseCheckResult, stripSources } from '../../src/modes/call.js';
import type { Config } from '../../src/types/config.js';

const base = {
  context: '/ctx', file: '/ctx/Dockerfile', platforms: ['linux/amd64', 'linux/arm64'], tags: ['r/a:1'], labels: ['a=1'], annotations: ['manifest:b=2', 'index:c=3'],
  buildArgs: ['X=1'], buildContexts: ['busybox:1.35=docker-image://r/busybox:1.35'], secrets: [{ id: 't', kind: 'env', env: 'TOKEN' }], ssh: [], push: false, load: false,
  outputs: [], cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'], noCache: false, noCacheFilters: [], pull: false, network: 'host', addHosts: [], ulimit: [],
  provenance: 'mode=max', sbom: 'true', attests: [], allow: [], imageName: 'a', cacheScopePrefix: '', target: 'final', cgroupParent: 'ci.slice'
} as unknown as Config;

test('a subrequest has a leg\'s build flags, minus outputs, metadata, cache exports and attestations', () => {
  expect(buildCallArgs(base, 'check', 'linux/arm64', {})).toEqual([
    'buildx', 'build', '--call', 'check,format=json', '--platform', 'linux/arm64', '--file', '/ctx/Dockerfile',
    '--target', 'final', '--build-arg', 'X=1', '--build-context', 'busybox:1.35=docker-image://r/busybox:1.35', '--label', 'a=1', '--annotation', 'manifest:b=2',
    '--secret', 'id=t,env=TOKEN', '--cache-from', 'type=gha,scope=a-linux-arm64', '--network', 'host', '--cgroup-parent', 'ci.slice', '/ctx'
  ]);
  expect(buildCallArgs({ ...base, builder: 'mine' }, 'outline', 'linux/amd64', {}, 'text').slice(0, 6)).toEqual(['buildx', 'build', '--builder', 'mine', '--call', 'outline']);
});

const json = (warnings: unknown, buildError?: unknown) => JSON.stringify({ warnings, ...(buildError ? { buildError } : {}), sources: [{ filename: 'Dockerfile', data: 'RlJPTQ==' }] });
const casing = { ruleName: 'FromAsCasing', url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/', detail: "'as' and 'FROM' keywords' casing do not match", location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] } };
const legacy = { ruleName: 'LegacyKeyValueFormat', url: 'https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/', detail: '"ENV key=value" should be used instead of legacy "ENV key value" format', location: { ranges: [{ start: { line: 2 }, end: { line: 2 } }] } };

test('parseCheckResult reads buildx JSON; anything else is undefined', () => {
  expect(parseCheckResult(json([casing]))).toEqual({ warnings: [{ rule: 'FromAsCasing', url: casing.url, detail: casing.detail, line: 1 }] });
  expect(parseCheckResult(json(null))).toEqual({ warnings: [] });
  expect(parseCheckResult(json([casing], { message: 'lint violation found for rules: FromAsCasing', location: {} }))).toMatchObject({ buildError: 'lint violation found for rules: FromAsCasing' });
  expect(parseCheckResult('ERROR: failed to solve')).toBeUndefined();
});

test('mergeCheckResults keeps one warning per rule and line, with the platforms that found it', () => {
  const merged = mergeCheckResults('app/Dockerfile', [
    { platform: 'linux/amd64', result: parseCheckResult(json([casing, legacy]))! },
    { platform: 'linux/arm64', result: parseCheckResult(json([casing]))! }
  ]);
  expect(merged.warnings).toEqual([
    { rule: 'FromAsCasing', url: casing.url, detail: casing.detail, file: 'app/Dockerfile', line: 1, platforms: ['linux/amd64', 'linux/arm64'] },
    { rule: 'LegacyKeyValueFormat', url: legacy.url, detail: legacy.detail, file: 'app/Dockerfile', line: 2, platforms: ['linux/amd64'] }
  ]);
});

test('formatCheckText says it as buildx does', () => {
  const merged = mergeCheckResults('Dockerfile', [{ platform: 'linux/amd64', result: parseCheckResult(json([casing, legacy]))! }]);
  const text = formatCheckText(merged.warnings, undefined, ['linux/amd64']);
  expect(text.split('\n')[0]).toBe('Check complete, 2 warnings have been found!');
  expect(text).toContain("WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/\n'as' and 'FROM' keywords' casing do not match\nDockerfile:1");
  expect(formatCheckText(merged.warnings.slice(0, 1), undefined, ['linux/amd64']).split('\n')[0]).toBe('Check complete, 1 warning has been found!');
  expect(formatCheckText([], undefined, ['linux/amd64'])).toBe('Check complete, no warnings found.');
});

test('callError: the step fails when buildx would exit non-zero, with BPA\'s first line', () => {
  expect(callError('check', [], undefined)).toBeUndefined();
  const merged = mergeCheckResults('Dockerfile', [{ platform: 'linux/amd64', result: parseCheckResult(json([casing, legacy]))! }]);
  expect(callError('check', merged.warnings, undefined)).toBe('Check complete, 2 warnings have been found!');
  expect(callError('check', merged.warnings.slice(0, 1), 'lint violation found for rules: FromAsCasing')).toBe('Check complete, 1 warning has been found! lint violation found for rules: FromAsCasing');
});

test('stripSources drops the base64 sources from outline and targets JSON', () => {
  expect(stripSources('{"targets":[{"name":"build"}],"sources":["RlJPTQ=="]}')).toEqual({ targets: [{ name: 'build' }] });
});
