/**
 * The cache dance's orchestration with a fake Actions cache and a fake builder (a directory per
 * cache id, filled and read the way the helper builds would). The real thing, with real buildx
 * and @actions/cache, is cache-mounts.e2e.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheMountRun, restoreCacheMounts, saveCacheMounts, type CacheClient, type CacheMountRun, type DockerRunner } from '../../src/cache/dance.js';
import type { Config } from '../../src/types/config.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dance-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Actions cache in memory: key → files (relative path → text), prefix lookups newest first. */
class FakeCache implements CacheClient {
  entries: { key: string; files: Record<string, string> }[] = [];
  saves: string[] = [];
  available = true;
  failSave?: 'conflict' | 'throw';
  failRestore = false;
  lookups: string[] = [];
  isFeatureAvailable(): boolean {
    return this.available;
  }
  async restoreCache(paths: string[], primaryKey: string, restoreKeys: string[] = [], options: { lookupOnly?: boolean } = {}): Promise<string | undefined> {
    if (this.failRestore) throw new Error('restore exploded');
    if (options.lookupOnly) this.lookups.push(primaryKey);
    const newest = [...this.entries].reverse();
    for (const k of [primaryKey, ...restoreKeys]) {
      const hit = newest.find((e) => e.key.startsWith(k));
      if (hit) {
        if (!options.lookupOnly) writeFiles(paths[0]!, hit.files);
        return hit.key;
      }
    }
    return undefined;
  }
  async saveCache(paths: string[], key: string): Promise<number> {
    this.saves.push(key);
    if (this.failSave === 'throw') throw new Error('save exploded');
    if (this.failSave === 'conflict' || this.entries.some((e) => e.key === key)) return -1;
    this.entries.push({ key, files: readFiles(paths[0]!) });
    return this.entries.length;
  }
}

/** A builder whose cache mounts are directories; it runs the helper Dockerfiles by pattern. */
function fakeBuilder(root: string, calls: { args: string[]; dockerfile: string }[], fail?: 'seed' | 'extract'): DockerRunner {
  const mountDir = (id: string) => path.join(root, encodeURIComponent(id));
  return async (args, dockerfile) => {
    calls.push({ args, dockerfile });
    const isSeed = args.includes('type=cacheonly');
    if ((fail === 'seed' && isSeed) || (fail === 'extract' && !isSeed)) return { code: 1, stdout: '', stderr: 'ERROR: failed to solve: busybox:1.35: not found' };
    if (isSeed) {
      const context = args[args.length - 1]!;
      for (const m of dockerfile.matchAll(/id=(\S+),target=\/cache --mount=type=bind,source=(\S+),target=\/seed /g)) {
        fs.cpSync(path.join(context, m[2]!), mountDir(m[1]!), { recursive: true, preserveTimestamps: true });
      }
    } else {
      const dest = args.find((a) => a.startsWith('type=local,dest='))!.slice('type=local,dest='.length);
      const ids = [...dockerfile.matchAll(/RUN --mount=type=cache,id=(\S+),target=\/cache/g)].map((m) => m[1]!);
      const dirs = [...dockerfile.matchAll(/COPY --from=mount\d+ \/out\/ \/(\S+)\//g)].map((m) => m[1]!);
      ids.forEach((id, i) => {
        fs.mkdirSync(path.join(dest, dirs[i]!), { recursive: true });
        if (fs.existsSync(mountDir(id))) fs.cpSync(mountDir(id), path.join(dest, dirs[i]!), { recursive: true, preserveTimestamps: true });
      });
    }
    return { code: 0, stdout: '', stderr: '' };
  };
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    // Fixed mtimes: tar and BuildKit keep them, so the fake must too.
    fs.utimesSync(path.join(dir, name), 1_700_000_000, 1_700_000_000);
  }
}

function readFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const config = (over: Partial<Config> = {}): Config =>
  ({
    buildContexts: ['busybox:1.35=docker-image://localhost:5000/library/busybox:1.35'],
    buildArgs: [],
    network: 'host',
    imageName: 'app',
    cacheScopePrefix: '',
    cacheMounts: ['id=go-build,target=/root/.cache/go-build'],
    tempDir: tmp,
    ...over
  }) as Config;

function setup(over: Partial<Config> = {}, fail?: 'seed' | 'extract') {
  const cache = new FakeCache();
  const calls: { args: string[]; dockerfile: string }[] = [];
  const builderRoot = path.join(tmp, 'builder');
  const run: CacheMountRun = cacheMountRun(config(over), 'default', ['linux/amd64', 'linux/arm64'], { cache, docker: fakeBuilder(builderRoot, calls, fail) });
  const log = { infos: [] as string[], warnings: [] as string[], info(m: string) { this.infos.push(m); }, warning(m: string) { this.warnings.push(m); } };
  const useMount = (id: string, files: Record<string, string>) => writeFiles(path.join(builderRoot, encodeURIComponent(id)), files);
  return { cache, calls, run, log, useMount, builderRoot };
}

test('cacheMountRun derives the run from the config', () => {
  const { run } = setup({ cacheScopePrefix: 'pfx-', buildArgs: ['BUILDKIT_CACHE_MOUNT_NS=ns'] });
  expect(run).toMatchObject({
    mounts: [{ id: 'go-build', target: '/root/.cache/go-build' }],
    builder: 'default',
    scope: 'pfx-app',
    platforms: ['linux/amd64', 'linux/arm64'],
    helperImage: 'busybox:1.35',
    network: 'host'
  });
  expect(() => setup({ cacheMounts: ['target=/x,uid=1'] })).toThrow(/Input "cache-mounts"/);
});

test('the work directory keeps its path (the cache version hashes it); a second run while the first holds it restores nothing', async () => {
  const a = cacheMountRun(config({}), 'default', ['linux/amd64']).workDir;
  expect(a).toBe(path.join(tmp, 'multiarch-cache-mounts'));
  expect(cacheMountRun(config({}), 'default', ['linux/amd64']).workDir).toBe(a);
});

test('no-cache: BuildKit would empty the mounts anyway, so the dance is skipped', async () => {
  const s = setup({ noCache: true });
  const r = await restoreCacheMounts(s.run, s.log);
  expect(r.skipped).toMatch(/^no-cache is set/);
  expect(s.log.infos).toEqual([r.skipped]);
  expect(await saveCacheMounts(r, s.log)).toEqual([]);
  expect(s.calls).toEqual([]);
});

test('no mounts, or no Actions cache here: nothing runs', async () => {
  const none = setup({ cacheMounts: [] });
  const r = await restoreCacheMounts(none.run, none.log);
  expect(r.skipped).toBe('no cache-mounts');
  expect(await saveCacheMounts(r, none.log)).toEqual([]);

  const off = setup();
  off.cache.available = false;
  const r2 = await restoreCacheMounts(off.run, off.log);
  expect(r2.skipped).toMatch(/not available/);
  expect(off.log.infos.join('\n')).toMatch(/Actions cache is not available/);
  expect(await saveCacheMounts(r2, off.log)).toEqual([]);
  expect(off.calls).toEqual([]);
});

test('first run: a miss, no seed; after the build the mount is extracted and saved under its fingerprint', async () => {
  const s = setup();
  const restored = await restoreCacheMounts(s.run, s.log);
  expect(restored.mounts[0]).toMatchObject({ restoredKey: undefined, seeded: false });
  expect(s.calls).toEqual([]);
  expect(s.log.infos).toEqual([expect.stringMatching(/^cache mount go-build: no cache yet \(looked for multiarch-mount\/v1\/app\/go-build\/linux-amd64\+linux-arm64\/\*\)$/)]);

  s.useMount('go-build', { 'ab/cd-a': 'object', 'README': 'cache' });
  const saved = await saveCacheMounts(restored, s.log);
  expect(saved).toEqual([expect.objectContaining({ id: 'go-build', saved: true, key: expect.stringMatching(/^multiarch-mount\/v1\/app\/go-build\/linux-amd64\+linux-arm64\/[0-9a-f]{16}$/) })]);
  expect(s.cache.entries[0]!.files).toEqual({ 'ab/cd-a': 'object', README: 'cache' });
  expect(s.calls).toHaveLength(1);
  expect(s.calls[0]!.args).toContain('type=local,dest=' + s.run.workDir);
  expect(fs.existsSync(s.run.workDir)).toBe(false);
});

test('next run: restored and seeded; a mount the build left alone is not saved again; a changed one is', async () => {
  const first = setup();
  first.useMount('go-build', { a: '1' });
  await saveCacheMounts(await restoreCacheMounts(first.run, first.log), first.log);

  // A fresh builder (as after `buildx prune`), same Actions cache.
  const s = setup();
  s.cache.entries = first.cache.entries;
  const restored = await restoreCacheMounts(s.run, s.log);
  expect(restored.mounts[0]).toMatchObject({ restoredKey: first.cache.entries[0]!.key, seeded: true, restored: { files: 1 } });
  expect(s.calls[0]!.dockerfile).toContain('RUN --mount=type=cache,id=go-build,target=/cache --mount=type=bind,source=mount-go-build,target=/seed : "$MULTIARCH_CACHE_MOUNT_RUN" && cp -a /seed/. /cache/');
  // A fresh nonce per helper build, so BuildKit never answers one from its build cache.
  expect(s.calls[0]!.args).toEqual(expect.arrayContaining(['--build-arg', expect.stringMatching(/^MULTIARCH_CACHE_MOUNT_RUN=\d+-[0-9a-f]{8}$/)]));
  expect(s.calls[0]!.args).not.toContain('--no-cache');
  expect(s.calls[0]!.args.slice(-4)).toEqual(['type=cacheonly', '--file', '-', s.run.workDir]);
  expect(fs.readFileSync(path.join(s.builderRoot, 'go-build', 'a'), 'utf8')).toBe('1');

  const unchanged = await saveCacheMounts(restored, s.log);
  expect(unchanged[0]).toMatchObject({ saved: false, note: expect.stringMatching(/^unchanged since .* was restored; not saved again$/) });
  expect(s.cache.saves).toEqual([]);

  s.useMount('go-build', { b: '2' });
  const changed = await saveCacheMounts(await restoreCacheMounts(s.run, s.log), s.log);
  expect(changed[0]).toMatchObject({ saved: true });
  expect(s.cache.entries).toHaveLength(2);
});

test('a leg job restores another partition when its own has nothing yet', async () => {
  const both = setup();
  both.useMount('go-build', { a: '1' });
  await saveCacheMounts(await restoreCacheMounts(both.run, both.log), both.log);

  const leg = setup();
  leg.cache.entries = both.cache.entries;
  leg.run.platforms = ['linux/arm64'];
  const restored = await restoreCacheMounts(leg.run, leg.log);
  expect(restored.mounts[0]!.restoredKey).toBe(both.cache.entries[0]!.key);
  leg.useMount('go-build', { b: '2' });
  const saved = await saveCacheMounts(restored, leg.log);
  expect(saved[0]!.key).toMatch(/\/go-build\/linux-arm64\//);
});

test('the same files saved by another job: found by a lookup, not uploaded again', async () => {
  const a = setup();
  a.useMount('go-build', { a: '1' });
  const first = await restoreCacheMounts(a.run, a.log);
  await saveCacheMounts(first, a.log);
  a.useMount('go-build', { a: '1' });
  const again = await saveCacheMounts(first, a.log);
  expect(again[0]).toMatchObject({ saved: false, note: expect.stringMatching(/is already in the cache; not saved again$/) });
  expect(a.cache.saves).toHaveLength(1);
  expect(a.cache.lookups).toEqual([again[0]!.key, again[0]!.key]);
  expect(a.log.warnings).toEqual([]);
});

test('a refusal (409 in between) or a failing service: a warning, never a throw', async () => {
  const s = setup();
  s.useMount('go-build', { a: '1' });
  s.cache.failSave = 'conflict';
  const conflict = await saveCacheMounts(await restoreCacheMounts(s.run, s.log), s.log);
  expect(conflict[0]).toMatchObject({ saved: false, note: expect.stringMatching(/refused or failed/) });
  expect(s.log.warnings).toEqual([expect.stringMatching(/^cache mount go-build: not saved as .*: the cache service refused or failed \(see above\); the next run starts from an older cache$/)]);

  s.log.warnings = [];
  s.cache.failSave = 'throw';
  s.cache.failRestore = true;
  const restored = await restoreCacheMounts(s.run, s.log);
  const thrown = await saveCacheMounts(restored, s.log);
  expect(thrown[0]).toMatchObject({ saved: false, note: 'save failed: restore exploded' });
  expect(s.log.warnings).toEqual(['cache mount go-build: restore failed: restore exploded', 'cache mount go-build: save failed: restore exploded']);

  s.log.warnings = [];
  s.cache.failRestore = false;
  s.useMount('go-build', { c: '3' });
  const thrownSave = await saveCacheMounts(restored, s.log);
  expect(thrownSave[0]).toMatchObject({ saved: false, note: 'save failed: save exploded' });
});

test('a failing helper build is a warning: the legs go on, nothing is saved', async () => {
  const seed = setup({}, 'seed');
  seed.useMount('go-build', { a: '1' });
  await saveCacheMounts(await restoreCacheMounts(seed.run, seed.log), seed.log);
  const restored = await restoreCacheMounts(seed.run, seed.log);
  expect(restored.mounts[0]).toMatchObject({ seeded: false, restoredKey: expect.any(String) });
  expect(seed.log.warnings).toEqual([expect.stringMatching(/^cache mounts: seeding the builder failed.*busybox:1.35: not found$/s)]);

  const extract = setup({}, 'extract');
  const saved = await saveCacheMounts(await restoreCacheMounts(extract.run, extract.log), extract.log);
  expect(saved).toEqual([{ id: 'go-build', saved: false, note: 'extraction failed' }]);
  expect(extract.log.warnings[0]).toMatch(/copying them out of the builder failed, nothing saved/);
  expect(extract.cache.saves).toEqual([]);
});

test('an empty mount is not saved', async () => {
  const s = setup();
  const saved = await saveCacheMounts(await restoreCacheMounts(s.run, s.log), s.log);
  expect(saved[0]).toMatchObject({ saved: false, note: 'empty after the build; nothing to save' });
  expect(s.cache.saves).toEqual([]);
});

test('several mounts: one seed build and one extraction for all of them', async () => {
  const s = setup({ cacheMounts: ['id=go-build,target=/root/.cache/go-build', '/go/pkg/mod'] });
  s.useMount('go-build', { a: '1' });
  s.useMount('/go/pkg/mod', { 'm/x.go': 'package x' });
  await saveCacheMounts(await restoreCacheMounts(s.run, s.log), s.log);
  expect(s.cache.entries.map((e) => e.files)).toEqual(expect.arrayContaining([{ a: '1' }, { 'm/x.go': 'package x' }]));

  const next = setup({ cacheMounts: ['id=go-build,target=/root/.cache/go-build', '/go/pkg/mod'] });
  next.cache.entries = s.cache.entries;
  await restoreCacheMounts(next.run, next.log);
  expect(next.calls).toHaveLength(1);
  expect(next.calls[0]!.dockerfile.match(/^RUN /gm)).toHaveLength(2);
});
