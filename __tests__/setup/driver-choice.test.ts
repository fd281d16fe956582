/**
 * driver: auto picks a builder that can do the job, from the facts `docker info` and
 * `buildx inspect` give: both image stores, Docker 26 to 29 and buildx 0.13 / 0.29 shapes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseInspect } from '../../src/setup/buildx.js';
import { chooseBuilder, legExportFor, type BuilderChoice } from '../../src/setup/driver-choice.js';
import { parseEngineInfo } from '../../src/setup/engine.js';
import type { DriverMode } from '../../src/types/config.js';

const FIX = path.join(process.cwd(), '__tests__', 'setup', 'fixtures');
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');

const engines = {
  'docker26-containerd': parseEngineInfo(fixture('docker26-containerd.info.json')),
  'docker28-classic': parseEngineInfo(fixture('docker28-classic.info.json')),
  'docker28-containerd': parseEngineInfo(fixture('docker28-containerd.info.json')),
  'docker29-containerd': parseEngineInfo(fixture('docker29-containerd.info.json'))
};
const inspects = {
  'buildx0.13-docker': parseInspect(fixture('buildx0.13-default.inspect.txt')),
  'buildx0.29-docker': parseInspect(fixture('buildx0.29-default.inspect.txt')),
  'buildx0.29-container': parseInspect(fixture('buildx0.29-container.inspect.txt'))
};

test('docker info shapes: version, store and storage driver', () => {
  expect(engines['docker26-containerd']).toEqual({ dockerVersion: '26.1.5', store: 'containerd', storageDriver: 'overlayfs' });
  expect(engines['docker28-classic']).toEqual({ dockerVersion: '28.5.2', store: 'classic', storageDriver: 'overlay2' });
  expect(engines['docker28-containerd']).toEqual({ dockerVersion: '28.5.2', store: 'containerd', storageDriver: 'overlayfs' });
  expect(engines['docker29-containerd'].store).toBe('containerd');
  expect(parseEngineInfo('Cannot connect to the Docker daemon')).toEqual({});
  expect(parseEngineInfo('{"ServerVersion":"27.0.1"}')).toEqual({ dockerVersion: '27.0.1' });
});

test('buildx inspect shapes: driver, nodes, BuildKit version and every platform', () => {
  for (const info of Object.values(inspects)) {
    expect(info.nodes.length).toBe(1);
    expect(info.nodes[0]!.platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    expect(info.nodes[0]!.platforms.some((p) => /\(\+\d+\)|\*/.test(p))).toBe(false);
  }
  expect(inspects['buildx0.13-docker'].driver).toBe('docker');
  expect(inspects['buildx0.29-docker'].driver).toBe('docker');
  expect(inspects['buildx0.29-container'].driver).toBe('docker-container');
  // Debian's builds report v0.0.0+unknown: no version rather than a wrong one.
  expect(inspects['buildx0.29-docker'].nodes[0]!.buildkitVersion).toBeUndefined();
  expect(inspects['buildx0.13-docker'].nodes[0]!.buildkitVersion).toBeUndefined();
  expect(inspects['buildx0.29-container'].nodes[0]!.buildkitVersion).toBe('0.31.2');
});

type Row = [string, DriverMode, keyof typeof inspects | undefined, keyof typeof engines, string[], Partial<BuilderChoice> & { fallback?: unknown; noFallback?: true }];
const both = ['linux/amd64', 'linux/arm64'];
test.each<Row>([
  ['hosted runner: docker driver on the classic store → create docker-container, fall back to docker-load', 'auto', 'buildx0.29-docker', 'docker28-classic', both, { kind: 'create', fallback: { legExport: 'docker-load' } }],
  ['containerd store, Docker 28: reuse the docker driver, OCI export', 'auto', 'buildx0.29-docker', 'docker28-containerd', both, { kind: 'use', legExport: 'oci' }],
  ['containerd store, Docker 26 / buildx 0.13: reuse, OCI export', 'auto', 'buildx0.13-docker', 'docker26-containerd', both, { kind: 'use', legExport: 'oci' }],
  ['containerd store, Docker 29: reuse', 'auto', 'buildx0.29-docker', 'docker29-containerd', both, { kind: 'use', legExport: 'oci' }],
  ['a docker-container builder is current (setup-buildx ran before): reuse it on either store', 'auto', 'buildx0.29-container', 'docker28-classic', both, { kind: 'use', legExport: 'oci' }],
  ['the current builder lacks a platform: create, fall back to the docker driver with OCI on containerd', 'auto', 'buildx0.29-docker', 'docker28-containerd', ['linux/mips64le'], { kind: 'create', fallback: { legExport: 'oci' } }],
  ['no current builder at all', 'auto', undefined, 'docker28-classic', both, { kind: 'create', fallback: { legExport: 'docker-load' } }],
  ['driver docker on the classic store: docker-load, no container tried', 'docker', 'buildx0.29-docker', 'docker28-classic', both, { kind: 'use', name: 'default', legExport: 'docker-load' }],
  ['driver docker on the containerd store: OCI', 'docker', 'buildx0.13-docker', 'docker26-containerd', both, { kind: 'use', name: 'default', legExport: 'oci' }],
  ['driver docker-container: create, no fallback', 'docker-container', 'buildx0.29-docker', 'docker28-classic', both, { kind: 'create', noFallback: true }]
])('%s', (_name, driver, current, engine, platforms, want) => {
  const choice = chooseBuilder({ driver, current: current ? inspects[current] : undefined, store: engines[engine].store, platforms });
  const { noFallback, ...shape } = want;
  expect(choice).toMatchObject(shape);
  if (noFallback) expect(choice).not.toHaveProperty('fallback');
  expect(choice.reason.length).toBeGreaterThan(0);
});

test('an unknown store is treated as classic: the container is tried first', () => {
  expect(chooseBuilder({ driver: 'auto', current: inspects['buildx0.29-docker'], platforms: both })).toMatchObject({ kind: 'create', fallback: { legExport: 'oci' } });
});

test('a named builder is used as it is; a docker-driver one on the classic store loads its legs', () => {
  expect(chooseBuilder({ driver: 'auto', builder: 'default', current: inspects['buildx0.29-docker'], store: 'classic', platforms: both })).toMatchObject({ kind: 'use', name: 'default', legExport: 'docker-load' });
  expect(chooseBuilder({ driver: 'auto', builder: 'mine', current: inspects['buildx0.29-container'], store: 'classic', platforms: both })).toMatchObject({ kind: 'use', name: 'mine', legExport: 'oci' });
  expect(legExportFor('remote', 'classic')).toBe('oci');
});
