/** Build records, the pure parts: when a step exports and uploads (BPA's conditions), BPA's artifact name, which builds a step ran. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideBuildRecords, isGhes, publishBuildRecords, resolveArtifactUrl, resolveRecordName, resolveStepRefs, type RecordFacts } from '../../src/modes/build-records.js';
import { renderMarkdown } from '../../src/report/render.js';
import type { Io } from '../../src/types/io.js';
import type { BuiltLeg, RunReport } from '../../src/types/plan.js';
import { passing } from '../report/render-fixtures.js';

const base: RecordFacts = { env: {}, call: false, buildxVersion: '0.29.1', refs: 2 };
/** A runner's artifact service is there unless a case says otherwise. */
const RUNNER = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' };
const decide = (f: Partial<RecordFacts>, warnings: string[] = []) => decideBuildRecords({ ...base, ...f, env: { ...RUNNER, ...f.env } }, (m) => warnings.push(m));

test.each<[string, Partial<RecordFacts>, ReturnType<typeof decideBuildRecords>]>([
  ['on by default, the repository\'s retention', {}, { export: true, upload: { upload: true } }],
  ['no artifact service (outside a runner): said why, no upload tried', { env: { ACTIONS_RUNTIME_TOKEN: '' } }, { export: false, why: 'Build records are not uploaded: this run has no artifact service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset).' }],
  ['DOCKER_BUILD_RECORD_RETENTION_DAYS is passed on', { env: { DOCKER_BUILD_RECORD_RETENTION_DAYS: '2' } }, { export: true, upload: { upload: true, retentionDays: 2 } }],
  ['DOCKER_BUILD_RECORD_UPLOAD=false: nothing, quietly', { env: { DOCKER_BUILD_RECORD_UPLOAD: 'false' } }, { export: false }],
  ['DOCKER_BUILD_SUMMARY=false: nothing, as BPA (its record hangs off the summary)', { env: { DOCKER_BUILD_SUMMARY: 'false' } }, { export: false }],
  ['a call subrequest builds nothing to record', { call: true }, { export: false }],
  ['GitHub Enterprise Server: said why', { env: { GITHUB_SERVER_URL: 'https://ghe.example.com' } }, { export: false, why: 'Build records are not uploaded on GitHub Enterprise Server (@actions/artifact v2 does not support it; build-push-action skips them there too).' }],
  ['buildx 0.13 (Docker 26): said why', { buildxVersion: '0.13.1' }, { export: false, why: 'Build records are not uploaded: buildx 0.13.1 cannot export them (`docker buildx history export` needs buildx 0.23.0 or newer).' }],
  ['buildx 0.23 is enough', { buildxVersion: '0.23.0' }, { export: true, upload: { upload: true } }],
  ['no build reference: said why', { refs: 0 }, { export: false, why: 'Build records are not uploaded: buildx reported no build reference for any leg.' }]
])('%s', (_name, facts, expected) => {
  expect(decide(facts)).toEqual(expected);
});

test('isGhes as @actions/artifact tells it', () => {
  expect([undefined, '', 'https://github.com', 'https://acme.ghe.com', 'http://github.localhost:3000'].map(isGhes)).toEqual([false, false, false, false, false]);
  expect(['https://ghe.example.com', 'http://127.0.0.1:8080'].map(isGhes)).toEqual([true, true]);
});

test('the artifact is named as BPA names its record; the URL is the run\'s artifact page', () => {
  const r = (id: string) => ({ builder: 'b', node: 'b0', id });
  expect(resolveRecordName('acme/app', [r('tapqhz5ua6tuvmce6bet6zih4')])).toBe('acme~app~TAPQHZ.dockerbuild');
  expect(resolveRecordName('acme/app', [r('tapqhz5ua6'), r('mez69t16rl'), r('zz8wjb4930')])).toBe('acme~app~TAPQHZ+2.dockerbuild');
  expect(resolveRecordName(undefined, [r('tapqhz5ua6')])).toBe('local~build~TAPQHZ.dockerbuild');
  expect(resolveArtifactUrl({ GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '42' }, 7)).toBe('https://github.com/acme/app/actions/runs/42/artifacts/7');
});

describe('which builds a step ran', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'step-refs-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const leg = (platform: string, extra: Partial<BuiltLeg>): BuiltLeg => ({ ...passing.legs[0]!, platform: { ...passing.legs[0]!.platform, platform }, ...extra });
  const localState = (ref: string, ms: number) => {
    const f = path.join(dir, 'refs', ref);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '{}');
    fs.utimesSync(f, ms / 1000, ms / 1000);
  };

  test('built legs from their metadata; a failed one from buildx\'s local state, not another step\'s build', () => {
    const t = 1_700_000_000_000;
    localState('b/b0/earlier', t - 60_000);
    localState('b/b0/amd', t + 100);
    localState('b/b0/failedarm', t + 200);
    const report: RunReport = { ...passing, builder: { name: 'b', driver: 'docker', created: false, legExport: 'oci', lost: [] }, legs: [leg('linux/amd64', { buildRef: 'b/b0/amd', startedAt: t, durationMs: 5000 }), leg('linux/arm64', { ok: false, startedAt: t, durationMs: 3000 })] };
    expect(resolveStepRefs(report, { BUILDX_CONFIG: dir })).toEqual({
      refs: [
        { builder: 'b', node: 'b0', id: 'amd' },
        { builder: 'b', node: 'b0', id: 'failedarm' }
      ],
      platforms: ['linux/amd64', 'linux/arm64']
    });
  });

  test('every leg built: the local state is not read', () => {
    localState('b/b0/stray', Date.now());
    const report: RunReport = { ...passing, builder: { name: 'b', driver: 'docker', created: false, legExport: 'oci', lost: [] }, legs: [leg('linux/amd64', { buildRef: 'b/b0/amd', startedAt: Date.now() - 1000, durationMs: 5000 })] };
    expect(resolveStepRefs(report, { BUILDX_CONFIG: dir }).refs.map((r) => r.id)).toEqual(['amd']);
  });
});

describe('publishBuildRecords before any export', () => {
  const logged: string[] = [];
  const io: Io = { info: (m) => logged.push(`info ${m}`), warning: (m) => logged.push(`warning ${m}`), group: (_n, fn) => fn(), secret: () => undefined, createdBuilder: () => undefined };
  const report = (extra: Partial<RunReport>): RunReport => ({ ...passing, engine: { buildxVersion: '0.13.1' }, legs: passing.legs.map((l) => ({ ...l, buildRef: `default/default/${l.platform.platform.replace(/\W/g, '')}` })), ...extra });
  const opts = { env: RUNNER, dir: os.tmpdir(), io, holdsSecret: () => false, upload: () => Promise.reject(new Error('must not upload')) };
  beforeEach(() => (logged.length = 0));

  test('buildx 0.13 says why not, once, and the summary says nothing', async () => {
    expect(await publishBuildRecords(report({}), opts)).toBeUndefined();
    expect(logged).toEqual(['info Build records are not uploaded: buildx 0.13.1 cannot export them (`docker buildx history export` needs buildx 0.23.0 or newer).']);
  });

  test('merge and plan steps built nothing here: silent', async () => {
    for (const mode of ['merge', 'plan'] as const) expect(await publishBuildRecords(report({ mode, engine: { buildxVersion: '0.29.1' } }), opts)).toBeUndefined();
    expect(logged).toEqual([]);
  });
});

test('the summary links the artifact, or says why there is none', () => {
  const md = renderMarkdown({ ...passing, buildRecord: { artifact: { name: 'acme~app~TAPQHZ+1.dockerbuild', url: 'https://github.com/acme/app/actions/runs/42/artifacts/7', size: 9310, platforms: ['linux/amd64', 'linux/arm64'] } } });
  expect(md).toContain("- **Build record:** [acme~app~TAPQHZ+1.dockerbuild](https://github.com/acme/app/actions/runs/42/artifacts/7) (9.1 KiB, 2 builds: `linux/amd64`, `linux/arm64`), to import into Docker Desktop's Builds view\n");
  const note = renderMarkdown({ ...passing, buildRecord: { note: 'Build record acme~app~TAPQHZ.dockerbuild was not uploaded: blobs/sha256/e5 holds the value of a secret' } });
  expect(note).toContain('- **Build record:** Build record acme~app~TAPQHZ.dockerbuild was not uploaded: blobs/sha256/e5 holds the value of a secret\n');
});
