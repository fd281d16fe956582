/**
 * Build records as build-push-action uploads them (issue 12, item 4): after the legs, `docker
 * buildx history export` writes one `.dockerbuild` bundle holding every leg's record, and the
 * real @actions/artifact client uploads it, unzipped and under BPA's name, to a stand-in of
 * GitHub's results service (Azurite underneath). The bundle is read back from the blob store and
 * opened with the real `tar`. Docker 26's buildx 0.13 cannot export: the step says why.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { engineEnv, requireEngine } from '../stack/engines.js';
import { startResultsService, type ArtifactRecord, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, REGISTRY, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const REPOSITORY = 'acme/records';
const NAME = /^acme~records~[A-Z0-9]{6}(\+\d+)?\.dockerbuild$/;
const DAY_MS = 24 * 3600 * 1000;

let results: ResultsService;
let contexts: string;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  results = await startResultsService();
  contexts = fs.mkdtempSync(path.join(os.tmpdir(), 'records-ctx-'));
  const context = (name: string, dockerfile: string) => {
    fs.mkdirSync(path.join(contexts, name));
    fs.writeFileSync(path.join(contexts, name, 'Dockerfile'), dockerfile);
  };
  context('ok', 'FROM busybox:1.35\nRUN echo built > /built\n');
  context('arm-fails', 'FROM busybox:1.35\nRUN [ "$(uname -m)" = x86_64 ]\n');
  context('prints-secret', 'FROM busybox:1.35\nRUN --mount=type=secret,id=tok echo "token: $(cat /run/secrets/tok)"\n');
}, 120_000);
afterAll(async () => {
  await results?.stop();
  if (contexts) fs.rmSync(contexts, { recursive: true, force: true });
});

/** A step of one workflow run: the runner's artifact variables, the repository the name comes from. */
function step(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  const runId = String(5_000_000 + Math.floor(Math.random() * 1_000_000));
  return runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, ...inputs }, { ...results.env, GITHUB_REPOSITORY: REPOSITORY, GITHUB_RUN_ID: runId, ...env });
}

function linesOf(step: ActionRun['main'], prefix: string): string[] {
  return step.stdout.split('\n').filter((l) => l.startsWith(prefix));
}

/** The .dockerbuild artifacts created while `fn` ran. */
async function recordsDuring(fn: () => Promise<ActionRun>): Promise<{ run: ActionRun; records: ArtifactRecord[] }> {
  const before = new Set(results.artifacts.map((a) => a.id));
  const run = await fn();
  return { run, records: results.artifacts.filter((a) => !before.has(a.id) && a.name.endsWith('.dockerbuild')) };
}

interface RecordEntry {
  ref: string;
  platform: string;
}

/** The bundle as the artifact holds it, opened with tar: each history record's ref and platform. */
async function openBundle(artifact: ArtifactRecord): Promise<{ bytes: Buffer; records: RecordEntry[] }> {
  const container = BlobServiceClient.fromConnectionString(results.storage.connectionString).getContainerClient('actions-results');
  const bytes = await container.getBlobClient(artifact.blobName).downloadToBuffer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  try {
    fs.writeFileSync(path.join(dir, 'b.dockerbuild'), bytes);
    fs.mkdirSync(path.join(dir, 'x'));
    execFileSync('tar', ['-xzf', path.join(dir, 'b.dockerbuild'), '-C', path.join(dir, 'x')]);
    const blob = (digest: string) => JSON.parse(fs.readFileSync(path.join(dir, 'x', 'blobs', 'sha256', digest.slice(7)), 'utf8'));
    type Listed = { mediaType: string; digest: string };
    // One record: the top index names its manifest; several: an index of one manifest per record.
    const manifests = (list: Listed[]): Listed[] => list.flatMap((d) => (d.mediaType.endsWith('index.v1+json') ? manifests((blob(d.digest) as { manifests: Listed[] }).manifests) : [d]));
    const top = JSON.parse(fs.readFileSync(path.join(dir, 'x', 'index.json'), 'utf8')) as { manifests: Listed[] };
    const records = manifests(top.manifests).map((m) => {
      const manifest = blob(m.digest) as { config: Listed };
      expect(manifest.config.mediaType).toBe('application/vnd.buildkit.historyrecord.v0');
      const record = blob(manifest.config.digest) as { Ref: string; FrontendAttrs: Record<string, string> };
      return { ref: record.Ref, platform: record.FrontendAttrs.platform ?? '' };
    });
    return { bytes, records };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('two legs pushed: one bundle of both records, BPA\'s name, the retention passed on', () => {
  const repo = 'e2e/records';
  const tag = uniqueTag('ok');
  let run: ActionRun;
  let records: ArtifactRecord[];
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    ({ run, records } = await recordsDuring(() =>
      step({ context: path.join(contexts, 'ok'), platforms: 'linux/amd64,linux/arm64', push: 'true', tags: `${REGISTRY}/${repo}:${tag}` }, { DOCKER_BUILD_RECORD_RETENTION_DAYS: '3' })
    ));
  }, 900_000);

  test('the build succeeds and is tagged as without records', async () => {
    expect({ code: run.main.code, errors: linesOf(run.main, '::error'), warnings: linesOf(run.main, '::warning') }).toEqual({ code: 0, errors: [], warnings: [] });
    expect((await registryManifest(repo, tag))?.digest).toBe(run.main.outputs.digest);
  });

  test('one artifact, named as BPA names its record, the raw bundle (not zipped)', async () => {
    expect(records.map((r) => [NAME.test(r.name), r.finalized])).toEqual([[true, true]]);
    expect(records[0]!.name).toMatch(/\+1\.dockerbuild$/);
    const { bytes } = await openBundle(records[0]!);
    // gzip magic: buildx's bundle itself, where a zipped artifact would start with PK.
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(records[0]!.size).toBe(bytes.length);
  });

  test('it holds the record of each leg, by the ref buildx reported', async () => {
    const { records: inBundle } = await openBundle(records[0]!);
    expect(inBundle.map((r) => r.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // The artifact is named after the first leg's build id, as BPA names it after its build's.
    expect(inBundle.map((r) => r.ref.slice(0, 6).toUpperCase())).toContain(records[0]!.name.split('~')[2]!.slice(0, 6));
  });

  test('DOCKER_BUILD_RECORD_RETENTION_DAYS reaches the artifact service as the expiry', () => {
    const create = results.calls.find((c) => c.method === 'CreateArtifact' && c.request.name === records[0]!.name)!;
    const expires = Date.parse(String(create.request.expires_at));
    expect(expires - startedAt).toBeGreaterThan(3 * DAY_MS - 60_000);
    expect(expires - Date.now()).toBeLessThan(3 * DAY_MS + 60_000);
  });

  test('the summary links the artifact on the run\'s page', () => {
    const line = run.main.summary.split('\n').find((l) => l.startsWith('- **Build record:**'));
    expect(line).toMatch(new RegExp(`^- \\*\\*Build record:\\*\\* \\[acme~records~[A-Z0-9]{6}\\+1\\.dockerbuild\\]\\(https://github\\.com/acme/records/actions/runs/\\d+/artifacts/${records[0]!.id}\\) \\(\\d+\\.\\d KiB, 2 builds: \`linux/amd64\`, \`linux/arm64\`\\)`));
  });
});

test('DOCKER_BUILD_RECORD_UPLOAD=false: no record, no word in the summary', async () => {
  const { run, records } = await recordsDuring(() => step({ context: path.join(contexts, 'ok'), platforms: 'linux/arm64' }, { DOCKER_BUILD_RECORD_UPLOAD: 'false' }));
  expect({ code: run.main.code, errors: linesOf(run.main, '::error') }).toEqual({ code: 0, errors: [] });
  expect(records).toEqual([]);
  expect(run.main.summary).not.toContain('Build record');
}, 900_000);

test('a failed leg: its record is in the bundle too (found in buildx\'s local state), and the step still fails', async () => {
  const { run, records } = await recordsDuring(() => step({ context: path.join(contexts, 'arm-fails'), platforms: 'linux/amd64,linux/arm64' }));
  expect(run.main.code).not.toBe(0);
  expect(records).toHaveLength(1);
  const { records: inBundle } = await openBundle(records[0]!);
  expect(inBundle.map((r) => r.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
}, 900_000);

test('a record that holds a secret value (a step printed it) is not uploaded; the step says so without the value', async () => {
  const token = `tok_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const { run, records } = await recordsDuring(() =>
    step({ context: path.join(contexts, 'prints-secret'), platforms: 'linux/amd64', 'secret-envs': 'tok=E2E_RECORD_TOKEN', 'no-cache': 'true' }, { E2E_RECORD_TOKEN: token })
  );
  expect(records).toEqual([]);
  const warnings = linesOf(run.main, '::warning');
  expect(warnings.filter((w) => w.includes('Build record'))).toEqual([expect.stringMatching(/^::warning::Build record acme~records~[A-Z0-9]{6}\.dockerbuild was not uploaded: .*blobs\/sha256\/[0-9a-f]{64} holds the value of a secret/)]);
  expect(run.main.summary).toMatch(/- \*\*Build record:\*\* Build record acme~records~[A-Z0-9]{6}\.dockerbuild was not uploaded: /);
  // The runner masks the log; the warning and the summary are what this step writes unmasked.
  expect([...warnings, run.main.summary].join('\n')).not.toContain(token.slice(4));
}, 900_000);

describe('Docker 26 (buildx 0.13.1)', () => {
  beforeAll(() => requireEngine('docker26-containerd'));

  test('builds, uploads no record, and says once why not', async () => {
    const { run, records } = await recordsDuring(() => step({ context: path.join(contexts, 'ok'), platforms: 'linux/amd64' }, engineEnv('docker26-containerd')));
    expect({ code: run.main.code, errors: linesOf(run.main, '::error') }).toEqual({ code: 0, errors: [] });
    expect(records).toEqual([]);
    const why = run.main.stdout.split('\n').filter((l) => l.includes('Build records are not uploaded'));
    expect(why).toEqual(['Build records are not uploaded: buildx 0.13.1 cannot export them (`docker buildx history export` needs buildx 0.23.0 or newer).']);
  }, 900_000);
});
