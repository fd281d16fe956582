/**
 * The real GitHub Actions cache (`type=gha`, cache service v2) through BuildKit, end to end: the
 * bundled action (runAction) builds linux/amd64 and linux/arm64 on the default builder (the docker
 * driver of Docker 28.5 with the containerd image store, whose built-in BuildKit speaks v2), with
 * `cache-from: type=gha` and `cache-to: type=gha,mode=max`, against the project's stand-ins for
 * GitHub's results service (Twirp CacheService) and Azure Blob Storage (Azurite).
 *
 * What BuildKit stores (cache/remotecache/gha/gha.go, tonistiigi/go-actions-cache cache_v2.go):
 * every layer as an entry keyed `buildkit-blob-1-<digest>` (content-addressed, not scoped), and
 * per scope a mutable index `index-<scope>-1-<8 hex of the token's write scope>#<n>`, one new
 * revision per export (SaveMutable looks up `key#`, the newest match wins, and reserves `#n+1`).
 * So a leg's cache is its scope's newest index revision plus the blobs that index names.
 *
 *   run 1   both legs build, each exports under its own scope;
 *   prune   BuildKit's local cache is emptied (`docker buildx prune -af`);
 *   run 2   every Dockerfile step of both legs comes back from the gha cache, none runs;
 *   prune, then run 3 with a build-arg only the arm64 stage reads: amd64 comes back whole and
 *           writes no layer, arm64 runs its changed steps and writes new layers and a new index;
 *   prune, then a control run under scopes nobody wrote to: every step runs (the prune left
 *           nothing behind that could pass for a gha hit).
 *
 * The ACTIONS_* variables reach buildx through the environment only: the legs' argv (sampled from
 * /proc while the action runs) carries the scope, never the token or the URL.
 *
 * Run the file inside the stack's lock (it prunes BuildKit's cache, which breaks builds running
 * at the same time): flock /tmp/multiarch-docker.lock npx jest __tests__/e2e/gha-cache.e2e.test.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { resolveCacheScope } from '../../src/plan/cache-scope.js';
import { startResultsService, type CacheEntryRecord, type RecordedCall, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, docker, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const BUSYBOX = BASE_CONTEXTS.split('\n').find((c) => c.startsWith('busybox:'))!;
const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
type Platform = (typeof PLATFORMS)[number];
const BASE_STEPS = 4;
const FINAL_STEPS = 3;
/** base RUNs + the leg stage's RUN + the final RUNs (FROM lines resolve named contexts: `[context …]`, not counted). */
const STEPS_PER_LEG = BASE_STEPS + 1 + FINAL_STEPS;

const RUN = uniqueTag('gha');
const PREFIX = `${RUN}-`;
const IMAGE = `${REGISTRY}/e2e/gha-cache:${RUN}`;
/** What src/plan/cache-scope.ts makes of the tag's repository (`gha-cache`) and the platform. */
const scopes = (prefix: string): Record<Platform, string> => ({ 'linux/amd64': `${prefix}gha-cache-linux-amd64`, 'linux/arm64': `${prefix}gha-cache-linux-arm64` });
const SCOPE = scopes(PREFIX);
/** The control run's prefix: scopes nobody has written to. */
const CONTROL_PREFIX = `${RUN}-control-`;
/** The index key BuildKit derives for a scope: `index-<scope>-1-<hash>#<revision>`. */
const INDEX_KEY = /^index-(.+)-1-[0-9a-f]{8}#(\d+)$/;
const BLOB_KEY = /^buildkit-blob-1-(sha256:[0-9a-f]{64})$/;

/**
 * ARM_ONLY is declared in the stage only `FROM leg-${TARGETARCH}` with TARGETARCH=arm64 reaches,
 * so changing it changes arm64's cache keys and nothing of amd64's. RUN (unique per test run)
 * keeps an earlier run's BuildKit cache or gha entries from answering for this one. Each step
 * writes `uname -m`, so no layer of one leg is byte for byte a layer of the other (a bare
 * `echo x > /f` run by both legs in the same second makes one blob that both indexes name), and
 * prints what it writes (`tee`), so the log shows which steps ran.
 */
function dockerfile(): string {
  const lines = ['FROM busybox:1.35 AS base', `RUN echo ${RUN} $(uname -m) | tee /run-id`];
  for (let i = 2; i <= BASE_STEPS; i++) lines.push(`RUN echo base-${i} $(uname -m) | tee /base-${i}`);
  lines.push('', 'FROM base AS leg-amd64', 'RUN echo amd64 | tee /leg');
  lines.push('', 'FROM base AS leg-arm64', 'ARG ARM_ONLY=0', 'RUN echo "arm64 $ARM_ONLY" | tee /leg');
  lines.push('', 'FROM leg-${TARGETARCH}');
  for (let i = 1; i <= FINAL_STEPS; i++) lines.push(`RUN echo final-${i} $(uname -m) | tee /final-${i}`);
  return lines.join('\n') + '\n';
}

const BASE_LABELS = Array.from({ length: BASE_STEPS }, (_, i) => `[base ${i + 1}/${BASE_STEPS + 1}]`);
const FINAL_LABELS = Array.from({ length: FINAL_STEPS }, (_, i) => `[stage-3 ${i + 1}/${FINAL_STEPS}]`);
const legLabel = (platform: Platform) => `[leg-${platform.split('/')[1]} 1/1]`;
const ALL_LABELS = (platform: Platform) => [...BASE_LABELS, legLabel(platform), ...FINAL_LABELS].sort();

/** A leg's log, as the action prints it in its `Leg <platform> (…) built in …` group. */
function legLog(stdout: string, platform: string): string {
  const start = stdout.indexOf(`::group::Leg ${platform} (`);
  if (start < 0) throw new Error(`no log group for the ${platform} leg in:\n${stdout.slice(-3000)}`);
  const end = stdout.indexOf('::endgroup::', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

interface Steps {
  /** Dockerfile steps (`#N [stage k/n] …`; the FROM lines resolve named contexts, `[context …]`, and are not counted). */
  steps: number;
  /** `[stage k/n]` of each step whose command ran: it printed (every RUN tees what it writes). */
  ran: string[];
  /** `[stage k/n]` of each step that came from the cache: BuildKit said `#N CACHED`, or pulled its layers and ran nothing. */
  restored: string[];
  /** How many of those BuildKit reported `#N CACHED`. */
  cached: number;
  /** `[stage k/n] command` of each step BuildKit did not report CACHED. */
  uncached: string[];
}

/**
 * What each Dockerfile step of a leg log did. BuildKit's plain progress prints `#N CACHED` for a
 * step it reused, and then, for the step whose result a later step needs on disk, pulls that
 * result's layers from the cache under the same `#N` (`#N sha256:… done`, `#N extracting …`).
 * That pull sometimes starts before the CACHED status is printed, and then the step shows only
 * the pull and `#N DONE`: it is restored all the same (nothing ran), so a step counts as restored
 * when it is CACHED, or pulled layers and printed no output.
 */
function dockerfileSteps(log: string): Steps {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  const pulled = new Set<string>();
  const printed = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) \[((?:[^\]\s]+\s+)?\d+\/\d+)\] (.*)$/.exec(line);
    if (m) names.set(m[1]!, `[${m[2]}] ${m[3]}`);
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cached.add(c[1]!);
    const p = /^#(\d+) (?:extracting )?sha256:[0-9a-f]{64}\b/.exec(line);
    if (p) pulled.add(p[1]!);
    const o = /^#(\d+) \d+\.\d+ /.exec(line);
    if (o) printed.add(o[1]!);
  }
  const ids = [...names.keys()];
  const label = (id: string) => names.get(id)!.slice(0, names.get(id)!.indexOf(']') + 1);
  return {
    steps: ids.length,
    ran: ids.filter((id) => printed.has(id)).map(label).sort(),
    restored: ids.filter((id) => !printed.has(id) && (cached.has(id) || pulled.has(id))).map(label).sort(),
    cached: ids.filter((id) => cached.has(id)).length,
    uncached: ids.filter((id) => !cached.has(id)).map((id) => names.get(id)!)
  };
}

/**
 * How the leg's gha export ended: BuildKit's `exporting to GitHub Actions Cache` vertex, DONE or
 * ERROR. ignore-error=true (the action adds it to gha exports) keeps a failed export from failing
 * the leg, so the log is the only place a failure shows.
 */
function ghaExport(log: string): 'DONE' | 'ERROR' | 'missing' {
  const id = /^#(\d+) exporting to GitHub Actions Cache\s*$/m.exec(log)?.[1];
  if (!id) return 'missing';
  if (new RegExp(`^#${id} ERROR`, 'm').test(log)) return 'ERROR';
  return new RegExp(`^#${id} DONE`, 'm').test(log) ? 'DONE' : 'missing';
}

interface CacheConfig {
  layers: { blob: string; parent?: number }[];
  records: { digest: string; layers?: { layer: number }[]; inputs?: { selector: string; link: number }[][] }[];
}

/**
 * A cache index (BuildKit's v1 CacheConfig) with its array positions resolved to digests, so two
 * exports of the same cache compare equal (the order of records and links varies between exports;
 * timestamps are left out): `results` maps each cache key that has a result to its layer chain,
 * `edges` lists every `input <- key` link.
 */
function cacheGraph(body: string): { results: Record<string, string[][]>; edges: string[] } {
  const c = JSON.parse(body) as CacheConfig;
  // `parent` is -1 for a first layer; Go's omitempty drops it when it is 0.
  const chain = (i: number): string[] => (i < 0 ? [] : [...chain(c.layers[i]!.parent ?? 0), c.layers[i]!.blob]);
  const results: Record<string, string[][]> = {};
  const edges = new Set<string>();
  for (const r of c.records) {
    if (r.layers?.length) results[r.digest] = r.layers.map((l) => chain(l.layer));
    for (const [n, alts] of (r.inputs ?? []).entries()) for (const x of alts) edges.add(`${r.digest}[${n}] ${x.selector} <- ${c.records[x.link]!.digest}`);
  }
  return { results, edges: [...edges].sort() };
}

/** Everything the stand-in saw during one run, and what its store held afterwards. */
interface Round {
  run: ActionRun;
  calls: RecordedCall[];
  /** A copy of every cache entry after the run. */
  entries: CacheEntryRecord[];
  /** Per scope: the newest finalized index revision and the layer blobs it names. */
  index: Record<Platform, { key: string; id: number; layers: string[]; body: string }>;
  /** Dockerfile steps of each leg's log. */
  steps: Record<Platform, Steps>;
  /** `docker buildx build` command lines seen in /proc while the run went. */
  argv: string[][];
  durationMs: number;
}

let results: ResultsService;
let work: string;
let rounds: Round[] = [];

const called = (calls: RecordedCall[], method: string) => calls.filter((c) => c.service === 'CacheService' && c.method === method);
const keyOf = (c: RecordedCall) => String(c.request['key'] ?? '');
const scopeOfIndex = (key: string) => INDEX_KEY.exec(key)?.[1];

async function readBlob(blobName: string): Promise<string> {
  const container = BlobServiceClient.fromConnectionString(results.storage.connectionString).getContainerClient('actions-results');
  return (await container.getBlobClient(blobName).downloadToBuffer()).toString('utf8');
}

async function newestIndex(platform: Platform, prefix: string): Promise<Round['index'][Platform] | undefined> {
  const revisions = results.cacheEntries
    .filter((e) => e.finalized && scopeOfIndex(e.key) === scopes(prefix)[platform])
    .sort((a, b) => Number(INDEX_KEY.exec(b.key)![2]) - Number(INDEX_KEY.exec(a.key)![2]));
  const newest = revisions[0];
  if (!newest) return undefined;
  const body = await readBlob(newest.blobName);
  const config = JSON.parse(body) as { layers?: { blob: string }[] };
  return { key: newest.key, id: newest.id, layers: (config.layers ?? []).map((l) => l.blob).sort(), body };
}

/** Samples /proc for the legs' `docker buildx build` argv until stopped. */
function watchArgv(): { stop: () => string[][] } {
  const seen = new Map<string, string[]>();
  const timer = setInterval(() => {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let argv: string[];
      try {
        argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      } catch {
        continue;
      }
      if (argv.includes('buildx') && argv.includes('build') && argv.some((a) => a.includes(PREFIX))) seen.set(argv.join('\0'), argv);
    }
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return [...seen.values()];
    }
  };
}

async function round(armOnly: string, prefix = PREFIX): Promise<Round> {
  const clear: Record<string, string> = {};
  // Nothing from this process's environment: the stand-in's variables only (see results-service.ts).
  for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_') || k === 'GITHUB_SERVER_URL') clear[k] = '';
  const first = results.calls.length;
  const watcher = watchArgv();
  const started = Date.now();
  const run = await runAction(
    {
      context: path.relative(ROOT, work),
      platforms: PLATFORMS.join(','),
      tags: IMAGE,
      push: 'false',
      driver: 'docker',
      network: 'host',
      'build-contexts': BUSYBOX,
      'build-args': `ARM_ONLY=${armOnly}`,
      'cache-from': 'type=gha',
      'cache-to': 'type=gha,mode=max',
      'cache-scope-prefix': prefix,
      'cross-compile': 'off'
    },
    // Build records would also go to the results service (ArtifactService), as build-push-action
    // uploads them; this test counts cache traffic only (build-records.e2e covers the upload).
    { ...clear, ...results.env, DOCKER_BUILD_RECORD_UPLOAD: 'false' }
  );
  const durationMs = Date.now() - started;
  const argv = watcher.stop();
  if (run.main.code !== 0) throw new Error(`the action failed (exit ${run.main.code}):\n${run.main.stdout.slice(-6000)}\n${run.main.stderr.slice(-2000)}`);
  const index = {} as Round['index'];
  const steps = {} as Round['steps'];
  for (const platform of PLATFORMS) {
    const newest = await newestIndex(platform, prefix);
    if (!newest) throw new Error(`no finalized index for scope ${scopes(prefix)[platform]}; keys: ${results.cacheEntries.map((e) => e.key).join(', ')}\n${legLog(run.main.stdout, platform).slice(-4000)}`);
    index[platform] = newest;
    steps[platform] = dockerfileSteps(legLog(run.main.stdout, platform));
  }
  return { run, calls: results.calls.slice(first), entries: results.cacheEntries.map((e) => ({ ...e })), index, steps, argv, durationMs };
}

function pruneBuildCache(): void {
  // The whole file runs inside the stack's lock (see the file comment), so no build is running.
  docker(['buildx', 'prune', '--builder', 'default', '--all', '--force']);
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  // The plan's scope: resolveCacheScope(config.imageName, platform, prefix), where imageName is the tag's last path component.
  for (const platform of PLATFORMS) expect(resolveCacheScope('gha-cache', platform, PREFIX)).toBe(SCOPE[platform]);
  results = await startResultsService();
  work = fs.mkdtempSync(path.join(ROOT, '.tmp-gha-cache-'));
  fs.writeFileSync(path.join(work, 'Dockerfile'), dockerfile());
  rounds = [];
  rounds.push(await round('1'));
  pruneBuildCache();
  rounds.push(await round('1'));
  pruneBuildCache();
  rounds.push(await round('2'));
  // Control: the same Dockerfile as runs 1 and 2 after a prune, but scopes nobody wrote to.
  pruneBuildCache();
  rounds.push(await round('1', CONTROL_PREFIX));
  const ms = rounds.map((r) => `${(r.durationMs / 1000).toFixed(1)} s`).join(', ');
  process.stderr.write(`gha-cache: runs took ${ms}; ${results.calls.length} Twirp calls, ${results.cacheEntries.length} cache entries\n`);
}, 1_800_000);

afterAll(async () => {
  await results?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('run 1: each platform writes its own scope', () => {
  test('the action succeeds with no warning about the gha cache', () => {
    const { run } = rounds[0]!;
    const warnings = [...run.main.stdout.split('\n'), ...run.post.stdout.split('\n')].filter((l) => l.startsWith('::warning'));
    expect(warnings).toEqual([]);
    expect(run.post.code).toBe(0);
  });

  test('the legs ran with per-platform gha scopes in argv, never the token or the URL', () => {
    const legs = rounds.flatMap((r) => r.argv);
    for (const platform of PLATFORMS) {
      const argv = legs.find((a) => a.includes('--platform') && a[a.indexOf('--platform') + 1] === platform);
      expect(argv).toBeDefined();
      expect(argv).toEqual(expect.arrayContaining(['--cache-from', `type=gha,scope=${SCOPE[platform]}`, '--cache-to', `type=gha,mode=max,scope=${SCOPE[platform]},ignore-error=true`]));
    }
    const joined = legs.map((a) => a.join(' ')).join('\n');
    expect(joined).not.toContain(results.env.ACTIONS_RUNTIME_TOKEN);
    expect(joined).not.toContain(results.url);
    expect(joined).not.toContain('127.0.0.1');
  });

  test('every Twirp call was answered 200', () => {
    const bad = rounds.flatMap((r) => r.calls).filter((c) => c.status !== 200);
    expect(bad).toEqual([]);
    expect(rounds.flatMap((r) => r.calls).every((c) => c.service === 'CacheService')).toBe(true);
  });

  test('CreateCacheEntry and FinalizeCacheEntryUpload for both scopes, nothing under a shared scope', () => {
    const { calls, index } = rounds[0]!;
    const created = called(calls, 'CreateCacheEntry').filter((c) => c.status === 200).map(keyOf);
    const finalized = called(calls, 'FinalizeCacheEntryUpload').filter((c) => c.status === 200).map(keyOf);
    const indexScopes = (keys: string[]) => [...new Set(keys.filter((k) => k.startsWith('index-')).map((k) => scopeOfIndex(k) ?? `unparsed:${k}`))].sort();
    expect(indexScopes(created)).toEqual([SCOPE['linux/amd64'], SCOPE['linux/arm64']]);
    expect(indexScopes(finalized)).toEqual([SCOPE['linux/amd64'], SCOPE['linux/arm64']]);
    // Nothing else: every entry is a layer blob or one of the two indexes.
    expect(created.filter((k) => !BLOB_KEY.test(k) && !k.startsWith('index-'))).toEqual([]);
    for (const platform of PLATFORMS) {
      // Each leg's index names its layers, and each was uploaded and finalized.
      expect(index[platform].layers.length).toBeGreaterThanOrEqual(STEPS_PER_LEG);
      const missing = index[platform].layers.filter((d) => !rounds[0]!.entries.some((e) => e.finalized && e.key === `buildkit-blob-1-${d}`));
      expect(missing).toEqual([]);
    }
    // The two legs' layers differ (different architectures): they do not share one index.
    expect(index['linux/amd64'].layers).not.toEqual(index['linux/arm64'].layers);
  });

  test('in every run, each leg imported the gha cache and its export to it finished', () => {
    for (const [i, r] of rounds.entries()) {
      for (const platform of PLATFORMS) {
        const log = legLog(r.run.main.stdout, platform);
        const problems = log.split('\n').filter((l) => /\bERROR\b|WARNING|failed to|error writing/i.test(l));
        expect({ run: i + 1, platform, imported: /^#\d+ importing cache manifest from gha:/m.test(log), exported: ghaExport(log), problems }).toEqual({ run: i + 1, platform, imported: true, exported: 'DONE', problems: [] });
      }
    }
  });

  test('both legs built their steps (nothing came from an older cache)', () => {
    for (const platform of PLATFORMS) {
      const { steps, ran, cached } = rounds[0]!.steps[platform];
      expect({ platform, steps, ran, cached }).toEqual({ platform, steps: STEPS_PER_LEG, ran: ALL_LABELS(platform), cached: 0 });
    }
  });
});

describe('run 2, after buildx prune: every platform restores from the gha cache', () => {
  test('every Dockerfile step of both legs is restored from the gha cache, none runs', () => {
    for (const platform of PLATFORMS) {
      const { steps, ran, restored, cached, uncached } = rounds[1]!.steps[platform];
      process.stderr.write(`gha-cache: run 2 ${platform}: ${restored.length}/${steps} Dockerfile steps restored (${cached} CACHED${uncached.length ? `; pulled, printed DONE: ${uncached.join(' | ')}` : ''})\n`);
      expect({ platform, steps, ran, restored }).toEqual({ platform, steps: STEPS_PER_LEG, ran: [], restored: ALL_LABELS(platform) });
    }
  });

  test("GetCacheEntryDownloadURL found each scope's index and every layer it names", () => {
    const { calls } = rounds[1]!;
    const before = rounds[0]!.entries.filter((e) => e.finalized);
    const lookups = called(calls, 'GetCacheEntryDownloadURL').filter((c) => c.status === 200);
    for (const platform of PLATFORMS) {
      // The importer asks for the index key without a revision; the newest `#n` answers.
      const indexLookups = lookups.filter((c) => keyOf(c).startsWith(`index-${SCOPE[platform]}-1-`) && !keyOf(c).includes('#'));
      expect(indexLookups.length).toBeGreaterThan(0);
      for (const c of indexLookups) expect(before.some((e) => e.key.startsWith(keyOf(c)))).toBe(true);
      const looked = new Set(lookups.map(keyOf));
      const unasked = rounds[0]!.index[platform].layers.filter((d) => !looked.has(`buildkit-blob-1-${d}`));
      expect(unasked).toEqual([]);
    }
  });

  test('no layer was uploaded again: only new index revisions were written', () => {
    const created = called(rounds[1]!.calls, 'CreateCacheEntry').map(keyOf);
    expect(created.filter((k) => BLOB_KEY.test(k))).toEqual([]);
    expect(created.map((k) => scopeOfIndex(k)).sort()).toEqual([SCOPE['linux/amd64'], SCOPE['linux/arm64']]);
    for (const platform of PLATFORMS) expect(rounds[1]!.index[platform].layers).toEqual(rounds[0]!.index[platform].layers);
  });
});

describe('run 3, arm64 changed: the amd64 cache is untouched', () => {
  test('amd64 is fully restored from gha; arm64 ran only its changed steps', () => {
    const { 'linux/amd64': amd, 'linux/arm64': arm } = rounds[2]!.steps;
    process.stderr.write(`gha-cache: run 3 amd64 ${amd.restored.length}/${amd.steps} restored (${amd.cached} CACHED); arm64 ${arm.restored.length}/${arm.steps} restored (${arm.cached} CACHED), ran: ${arm.ran.join(' ')}\n`);
    expect({ steps: amd.steps, ran: amd.ran, restored: amd.restored }).toEqual({ steps: STEPS_PER_LEG, ran: [], restored: ALL_LABELS('linux/amd64') });
    // arm64 ran its changed step and everything after it; its base stage came back from its own scope.
    expect({ steps: arm.steps, ran: arm.ran, restored: arm.restored }).toEqual({ steps: STEPS_PER_LEG, ran: [legLabel('linux/arm64'), ...FINAL_LABELS].sort(), restored: [...BASE_LABELS].sort() });
    // BuildKit prints the RUN line with the build-arg expanded.
    expect(legLog(rounds[2]!.run.main.stdout, 'linux/arm64')).toMatch(/^#\d+ \[leg-arm64 1\/1\] RUN echo "arm64 2" \| tee \/leg$/m);
  });

  test("amd64's entries were neither re-created nor overwritten; arm64 wrote new ones", () => {
    const [one, , three] = rounds as [Round, Round, Round];
    const created = called(three.calls, 'CreateCacheEntry');
    const newBlobs = created.filter((c) => c.status === 200 && BLOB_KEY.test(keyOf(c))).map((c) => BLOB_KEY.exec(keyOf(c))![1]!);
    // arm64 uploaded its rebuilt layers, and its new index names them.
    expect(newBlobs.length).toBeGreaterThanOrEqual(1 + FINAL_STEPS);
    expect(newBlobs.filter((d) => !three.index['linux/arm64'].layers.includes(d))).toEqual([]);
    expect(three.index['linux/arm64'].layers).not.toEqual(one.index['linux/arm64'].layers);
    // None of them is an amd64 layer, and amd64's newest index names exactly the layers of run 1.
    expect(newBlobs.filter((d) => three.index['linux/amd64'].layers.includes(d))).toEqual([]);
    expect(three.index['linux/amd64'].layers).toEqual(one.index['linux/amd64'].layers);
    // BuildKit writes a new index revision on every export (SaveMutable). amd64's holds run 1's
    // results, each with the same layers; its links are run 1's too, though a re-export after an
    // import may leave out an alternative link to a base image's root key (BuildKit computes two
    // for a named-context FROM, and either one reaches the stage).
    const amdNow = cacheGraph(three.index['linux/amd64'].body);
    const amdThen = cacheGraph(one.index['linux/amd64'].body);
    expect(three.index['linux/amd64'].key).not.toBe(one.index['linux/amd64'].key);
    expect(amdNow.results).toEqual(amdThen.results);
    expect(amdNow.edges.filter((e) => !amdThen.edges.includes(e))).toEqual([]);
    expect(Object.keys(cacheGraph(three.index['linux/arm64'].body).results).sort()).not.toEqual(Object.keys(cacheGraph(one.index['linux/arm64'].body).results).sort());
    // Not one CreateCacheEntry for a key amd64's cache holds (a 409 included): its layers, its index revisions of run 1.
    const amdKeys = new Set([...one.index['linux/amd64'].layers.map((d) => `buildkit-blob-1-${d}`), ...one.entries.filter((e) => scopeOfIndex(e.key) === SCOPE['linux/amd64']).map((e) => e.key)]);
    expect(created.map(keyOf).filter((k) => amdKeys.has(k))).toEqual([]);
    // Every entry amd64 had after run 1 is still there, the same entry (id, blob, size), finalized.
    const pick = (e: CacheEntryRecord) => ({ key: e.key, id: e.id, blobName: e.blobName, sizeBytes: e.sizeBytes, finalized: e.finalized });
    const amdBefore = one.entries.filter((e) => amdKeys.has(e.key)).map(pick);
    const amdAfter = three.entries.filter((e) => amdKeys.has(e.key)).map(pick);
    expect(amdAfter).toEqual(amdBefore);
    // amd64 wrote only a new index revision; the only blob entries are arm64's.
    expect(created.filter((c) => !BLOB_KEY.test(keyOf(c))).map((c) => scopeOfIndex(keyOf(c))).sort()).toEqual([SCOPE['linux/amd64'], SCOPE['linux/arm64']]);
  });
});

test('the runtime token never reaches the logs except to be masked', () => {
  const token = results.env.ACTIONS_RUNTIME_TOKEN!;
  for (const { run } of rounds) {
    for (const step of [run.main, run.post]) {
      expect(step.stdout.split('\n').filter((l) => l.includes(token) && !l.startsWith('::add-mask::'))).toEqual([]);
      expect(step.stderr).not.toContain(token);
    }
  }
  expect(rounds[0]!.run.main.stdout).toContain(`::add-mask::${token}`);
});

describe('control: after a prune, scopes nobody wrote to restore nothing', () => {
  test('every Dockerfile step of both legs runs again', () => {
    // The Dockerfile and build-args of runs 1 and 2: what run 2 found CACHED came from its gha scopes, not from a prune that left something behind.
    const control = rounds[3]!;
    for (const platform of PLATFORMS) {
      const { steps, ran, cached } = control.steps[platform];
      expect({ platform, steps, ran, cached }).toEqual({ platform, steps: STEPS_PER_LEG, ran: ALL_LABELS(platform), cached: 0 });
    }
    const scopesWritten = new Set(called(control.calls, 'CreateCacheEntry').map((c) => scopeOfIndex(keyOf(c))).filter(Boolean));
    expect([...scopesWritten].sort()).toEqual(Object.values(scopes(CONTROL_PREFIX)).sort());
  });
});
