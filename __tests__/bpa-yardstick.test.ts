/**
 * The yardstick's pure parts (scripts/bpa-yardstick/): BPA's ci.yml matrices expanded as GitHub
 * expands them, its `${{ }}` expressions, the inputs both actions get on this stack, and how two
 * observations compare. The runs themselves need the stack: `node scripts/bpa-yardstick.mjs`.
 */
import * as path from 'node:path';

type Module = Record<string, any>;
const load = (file: string): Promise<Module> => import(path.resolve('scripts', 'bpa-yardstick', file));

let cases: Module;
let observe: Module;
beforeAll(async () => {
  cases = await load('cases.mjs');
  observe = await load('observe.mjs');
});

test('a matrix: the axes\' product, minus exclude, plus include (BPA\'s digest job)', () => {
  const digest = { driver: ['docker', 'docker-container'], load: [true, false], push: [true, false], exclude: [{ driver: 'docker', load: true, push: true }, { driver: 'docker-container', load: true, push: true }] };
  expect(cases.expandMatrix(digest).map((m: Module) => `${m.driver} ${m.load} ${m.push}`)).toEqual([
    'docker true false',
    'docker false true',
    'docker false false',
    'docker-container true false',
    'docker-container false true',
    'docker-container false false'
  ]);
  expect(cases.expandMatrix({ include: [{ target: 'image' }, { target: 'binary' }] })).toEqual([{ target: 'image' }, { target: 'binary' }]);
  expect(cases.expandMatrix(undefined)).toEqual([{}]);
});

test('expressions as the runner evaluates them in a with: block', () => {
  const ctx = { matrix: { dockerfile: 'multi' }, env: { DOCKER_IMAGE: 'localhost:5000/name/app' }, token: 'ghs_x', meta: { tags: 'a\nb' } };
  expect(cases.evaluate('./test/${{ matrix.dockerfile }}.Dockerfile', ctx)).toBe('./test/multi.Dockerfile');
  expect(cases.evaluate("${{ github.event_name != 'pull_request' }}", ctx)).toBe('true');
  expect(cases.evaluate('${{ inputs.buildx-version || env.DOCKER_IMAGE }}', ctx)).toBe('localhost:5000/name/app');
  expect(cases.evaluate('${{ steps.buildx.outputs.name }}', ctx)).toBe('');
  expect(cases.evaluate('${{ steps.meta.outputs.tags }}', ctx)).toBe('a\nb');
  expect(cases.evaluate('GIT_AUTH_TOKEN=${{ github.token }}', ctx)).toBe('GIT_AUTH_TOKEN=ghs_x');
  expect(() => cases.evaluate('${{ secrets.X }}', ctx)).toThrow(/cannot evaluate/);
});

test('inputs on this stack: own repositories, scratch paths, local base images, network host', () => {
  const { inputs, changed } = cases.adaptInputs(
    { tags: 'localhost:5000/name/app:latest', outputs: 'type=oci,dest=/tmp/oci.tar', 'build-contexts': 'alpine=docker-image://alpine:edge' },
    { namespace: 'run/job-bpa', scratch: '/s' }
  );
  expect(inputs.tags).toBe('localhost:5000/run/job-bpa/name/app:latest');
  expect(inputs.outputs).toBe('type=oci,dest=/s/oci.tar');
  expect(inputs['build-contexts'].split('\n')).toEqual([
    'alpine=docker-image://localhost:5000/library/python:3.11-slim',
    'busybox=docker-image://localhost:5000/library/busybox:1.35',
    'golang:alpine=docker-image://localhost:5000/library/golang:1.19',
    'debian=docker-image://localhost:5000/library/python:3.11-slim'
  ]);
  expect(inputs.network).toBe('host');
  expect(changed).toEqual(['alpine:edge → the local python:3.11-slim']);
  expect(cases.adaptInputs({ tags: 'localhost:5000/name/app:latest' }, { namespace: 'n', scratch: '/s', pushTo: 'localhost:5999' }).inputs.tags).toBe('localhost:5999/n/name/app:latest');
});

test('what a step names: pushed references, loaded images, written files', () => {
  expect(observe.targetsOf({ push: 'true', tags: 'localhost:5000/a:1\nname/app:latest' })).toEqual({ registry: ['localhost:5000/a:1'], engine: [], files: [] });
  expect(observe.targetsOf({ load: 'true', tags: 'app:1' })).toEqual({ registry: [], engine: ['app:1'], files: [] });
  expect(observe.targetsOf({ outputs: 'type=image,name=localhost:5000/a:1,push=true\ntype=docker,name=app:local\ntype=oci,dest=/s/oci.tar\n/s/bin' })).toEqual({
    registry: ['localhost:5000/a:1'],
    engine: ['app:local'],
    files: ['/s/oci.tar', '/s/bin']
  });
});

test('two observations differ only where their states differ (each action\'s own repository names aside)', () => {
  const base = { outcome: 'success', digest: 'set', imageid: 'set', registry: { 'localhost:5000/x-bpa/a:1': 'index [linux/amd64]' }, engine: {}, files: {}, record: '1 .dockerbuild', annotations: '0' };
  expect(observe.differences(base, { ...base, registry: { 'localhost:5000/x-ours/a:1': 'index [linux/amd64]' } })).toEqual([]);
  expect(observe.differences(base, { ...base, registry: { 'localhost:5000/x-ours/a:1': 'image' }, annotations: '7' })).toEqual(['registry', 'annotations']);
});
