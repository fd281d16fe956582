/** Build references and `buildx history export` argv (pure), and finding a failed build's ref in buildx's local state. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { historyExportArgs, listLocalRefs, parseBuildRef, readBuildRef, resolveBuildxConfigDir } from '../../src/build/history.js';

const ref = (id: string) => ({ builder: 'multiarch-1', node: 'multiarch-10', id });

test.each([
  ['buildx 0.29 finalizes the records before exporting', '0.29.1', [ref('tapqhz5ua6')], ['buildx', 'history', 'export', '--builder', 'multiarch-1', '--output', '/t/r.dockerbuild', '--finalize', 'tapqhz5ua6']],
  ['several legs go into one bundle, by id', '0.24.0', [ref('aaa'), ref('bbb')], ['buildx', 'history', 'export', '--builder', 'multiarch-1', '--output', '/t/r.dockerbuild', '--finalize', 'aaa', 'bbb']],
  ['buildx 0.23 has export but no --finalize', '0.23.0', [ref('aaa')], ['buildx', 'history', 'export', '--builder', 'multiarch-1', '--output', '/t/r.dockerbuild', 'aaa']]
])('%s', (_name, version, refs, argv) => {
  expect(historyExportArgs(refs, '/t/r.dockerbuild', version)).toEqual(argv);
});

test('parseBuildRef takes builder/node/id and nothing else', () => {
  expect(parseBuildRef('default/default/tapqhz5ua6tuvmce6bet6zih4')).toEqual({ builder: 'default', node: 'default', id: 'tapqhz5ua6tuvmce6bet6zih4' });
  for (const bad of ['', 'tapqhz5ua6', 'default/tapqhz5ua6', 'a/b/c/d', 'a//c']) expect(parseBuildRef(bad)).toBeUndefined();
});

describe('files', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'history-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('readBuildRef reads buildx.build.ref from the metadata file; a failed build leaves none', () => {
    const md = path.join(dir, 'linux-arm64.metadata.json');
    expect(readBuildRef(md)).toBeUndefined();
    fs.writeFileSync(md, JSON.stringify({ 'buildx.build.ref': 'default/default/abc123', 'containerimage.digest': 'sha256:00' }));
    expect(readBuildRef(md)).toBe('default/default/abc123');
    fs.writeFileSync(md, JSON.stringify({ 'containerimage.digest': 'sha256:00' }));
    expect(readBuildRef(md)).toBeUndefined();
    fs.writeFileSync(md, '{not json');
    expect(readBuildRef(md)).toBeUndefined();
  });

  test('listLocalRefs: this builder\'s builds started in the window, oldest first', () => {
    const at = (rel: string, ms: number) => {
      const f = path.join(dir, 'refs', rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, '{"Target":"default","LocalPath":"/w","DockerfilePath":"/w/Dockerfile"}');
      fs.utimesSync(f, ms / 1000, ms / 1000);
    };
    const t = 1_700_000_000_000;
    at('b/b0/before', t - 5000);
    at('b/b0/second', t + 2000);
    at('b/b0/first', t + 1000);
    at('b/b1/other-node', t + 3000);
    at('other/other0/not-ours', t + 1500);
    at('b/b0/after', t + 60_000);
    expect(listLocalRefs(dir, 'b', t, t + 10_000)).toEqual(['b/b0/first', 'b/b0/second', 'b/b1/other-node']);
    expect(listLocalRefs(dir, 'missing', t, t + 10_000)).toEqual([]);
  });
});

test('resolveBuildxConfigDir: BUILDX_CONFIG, else buildx under DOCKER_CONFIG or ~/.docker', () => {
  expect(resolveBuildxConfigDir({ BUILDX_CONFIG: '/x', DOCKER_CONFIG: '/d' })).toBe('/x');
  expect(resolveBuildxConfigDir({ DOCKER_CONFIG: '/d' })).toBe('/d/buildx');
  expect(resolveBuildxConfigDir({})).toBe(path.join(os.homedir(), '.docker', 'buildx'));
});
