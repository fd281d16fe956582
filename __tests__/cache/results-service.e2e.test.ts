/**
 * The results-service stand-in (a fake of GitHub's Actions control plane, __tests__/stack) driven
 * by the real clients: @actions/cache over cache service v2 and @actions/artifact, both storing
 * into Azurite through the SAS URLs the stand-in hands out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { restoreCache, saveCache } from '@actions/cache';
import { DefaultArtifactClient } from '@actions/artifact';
import { startResultsService, type ResultsService } from '../stack/results-service.js';

let service: ResultsService;
let work: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  service = await startResultsService();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'results-service-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_') || k === 'GITHUB_SERVER_URL') delete process.env[k];
  Object.assign(process.env, service.env, { RUNNER_TEMP: path.join(work, 'runner-temp'), GITHUB_WORKSPACE: work });
  fs.mkdirSync(path.join(work, 'runner-temp'));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await service?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

const methodsSince = (n: number) => service.calls.slice(n).map((c) => `${c.method} ${c.status}`);

describe('env', () => {
  test('the runtime token is a JWT whose scp claim carries Actions.Results:<run>:<job>', () => {
    const claims = JSON.parse(Buffer.from(service.env['ACTIONS_RUNTIME_TOKEN']!.split('.')[1]!, 'base64url').toString('utf8')) as { scp: string };
    expect(claims.scp.split(' ')).toContain(`Actions.Results:${service.runBackendId}:${service.jobBackendId}`);
    expect(service.env['ACTIONS_RESULTS_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(service.env['ACTIONS_CACHE_SERVICE_V2']).toBe('true');
  });
});

describe('@actions/cache (service v2)', () => {
  const dir = () => path.join(work, 'cached');
  const files = { 'a.txt': 'alpha\n', 'nested/b.txt': 'beta\n', 'nested/deeper/c.bin': 'x'.repeat(100_000) };

  test('save, then restore the same key into an emptied directory', async () => {
    writeTree(dir(), files);
    const before = service.calls.length;
    const id = await saveCache([dir()], 'multiarch-test-linux-abc');
    expect(id).toBeGreaterThan(0);
    expect(methodsSince(before)).toEqual(['CreateCacheEntry 200', 'FinalizeCacheEntryUpload 200']);
    expect(service.cacheEntries.find((e) => e.key === 'multiarch-test-linux-abc')).toMatchObject({ finalized: true });

    fs.rmSync(dir(), { recursive: true });
    const hit = await restoreCache([dir()], 'multiarch-test-linux-abc');
    expect(hit).toBe('multiarch-test-linux-abc');
    expect(readTree(dir())).toEqual(files);
  });

  test('restore-keys match by prefix, newest first; a miss is undefined', async () => {
    writeTree(dir(), { 'a.txt': 'newer\n' });
    expect(await saveCache([dir()], 'multiarch-test-linux-def')).toBeGreaterThan(0);
    fs.rmSync(dir(), { recursive: true });

    expect(await restoreCache([dir()], 'multiarch-test-linux-zzz', ['multiarch-test-linux-'])).toBe('multiarch-test-linux-def');
    expect(fs.readFileSync(path.join(dir(), 'a.txt'), 'utf8')).toBe('newer\n');
    expect(await restoreCache([dir()], 'nothing-like-it', ['nope-'])).toBeUndefined();
  });

  test('a path set that differs (another version) does not match', async () => {
    expect(await restoreCache([path.join(work, 'elsewhere')], 'multiarch-test-linux-abc')).toBeUndefined();
  });

  test('saving an existing key answers 409 already_exists, and the client carries on', async () => {
    writeTree(dir(), files);
    const before = service.calls.length;
    await expect(saveCache([dir()], 'multiarch-test-linux-abc')).resolves.toBe(-1);
    expect(service.calls.slice(before)).toEqual([expect.objectContaining({ method: 'CreateCacheEntry', status: 409, error: 'already_exists' })]);
  });

  test('while unavailable every call answers 503; restore misses and save gives up, neither throws', async () => {
    service.setUnavailable(true);
    try {
      const before = service.calls.length;
      // Both at once: each client retries 5 times with backoff from 3 s (~25 s in all).
      const [hit, id] = await Promise.all([restoreCache([dir()], 'multiarch-test-linux-abc'), saveCache([dir()], 'multiarch-test-linux-new')]);
      expect(hit).toBeUndefined();
      expect(id).toBe(-1);
      const seen = service.calls.slice(before);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.every((c) => c.status === 503 && c.error === 'unavailable')).toBe(true);
    } finally {
      service.setUnavailable(false);
    }
    expect(service.cacheEntries.some((e) => e.key === 'multiarch-test-linux-new')).toBe(false);
  }, 90_000);
});

describe('@actions/artifact', () => {
  const client = new DefaultArtifactClient();

  test('upload, list, get, download: the same files come back', async () => {
    const root = path.join(work, 'artifact-src');
    const files = { 'legs/linux-amd64.json': '{"digest":"sha256:aa"}\n', 'legs/linux-arm64.json': '{"digest":"sha256:bb"}\n' };
    writeTree(root, files);
    const up = await client.uploadArtifact('leg-results', Object.keys(files).map((f) => path.join(root, f)), root);
    expect(up.id).toBeGreaterThan(0);
    expect(up.size).toBeGreaterThan(0);

    const { artifacts } = await client.listArtifacts();
    expect(artifacts).toEqual([expect.objectContaining({ name: 'leg-results', id: up.id, size: up.size, digest: `sha256:${up.digest}` })]);
    expect(artifacts[0]!.createdAt).toBeInstanceOf(Date);
    expect((await client.getArtifact('leg-results')).artifact.id).toBe(up.id);

    const dest = path.join(work, 'artifact-dest');
    const down = await client.downloadArtifact(up.id!, { path: dest, expectedHash: `sha256:${up.digest}` });
    expect(down.digestMismatch).toBe(false);
    expect(readTree(dest)).toEqual(files);
  });

  test('a raw (skipArchive) file downloads under its own name', async () => {
    const file = path.join(work, 'plan.json');
    fs.writeFileSync(file, '{"platforms":[]}\n');
    const up = await client.uploadArtifact('ignored', [file], work, { skipArchive: true });
    const dest = path.join(work, 'raw-dest');
    await client.downloadArtifact(up.id!, { path: dest });
    expect(fs.readFileSync(path.join(dest, 'plan.json'), 'utf8')).toBe('{"platforms":[]}\n');
  });

  test('a second artifact with the same name is refused with 409', async () => {
    const file = path.join(work, 'again.txt');
    fs.writeFileSync(file, 'again\n');
    await expect(client.uploadArtifact('leg-results', [file], work)).rejects.toThrow(/409/);
  });

  test('an unknown token is refused with 401', async () => {
    const res = await fetch(`${service.url}twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: '{}'
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'unauthenticated', msg: expect.any(String) });
  });
});
