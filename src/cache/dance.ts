/**
 * The cache dance for `cache-mounts`: before the legs, restore each mount's files from the
 * Actions cache and seed them into BuildKit's cache mount of the same id; after the legs, copy
 * the mounts out of the builder and save them. BuildKit's cache mounts otherwise die with the
 * runner, and `type=gha` layer caches don't hold them.
 *
 * Caching is an optimisation, so nothing here fails the build: a cache service that is down or
 * answers 409 for a key another job saved first, a helper build that fails, a full disk: each
 * becomes a warning (or a note), and the legs build with whatever the mounts hold.
 */
import { randomBytes } from 'node:crypto';
import { acquireWorkDir } from './work-lock.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec as execSeam, type ExecResult } from '../exec.js';
import { resolveCacheScope } from '../plan/cache-scope.js';
import type { Config } from '../types/config.js';
import { EMPTY_TREE, summarizeTree, type TreeSummary } from './fingerprint.js';
import { buildExtractArgs, buildSeedArgs, DEFAULT_HELPER_IMAGE, extractDockerfile, seedDockerfile, type HelperBuildInput } from './helper-build.js';
import { cacheMountKey, keyPart, resolveCacheMountKeys, type CacheMountKeys } from './keys.js';
import { parseCacheMounts, type CacheMount } from './mounts.js';

/** The part of the pipeline's Io this needs. */
export interface CacheMountLog {
  info(message: string): void;
  warning(message: string): void;
}

/**
 * The Actions cache as used here: @actions/cache by default, a fake in unit tests. Like
 * @actions/cache, restore answers undefined for a miss and for a failure alike, and save answers
 * -1 for a refusal (409) and a failure alike, having logged which.
 */
export interface CacheClient {
  isFeatureAvailable(): boolean | Promise<boolean>;
  restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[], options?: { lookupOnly?: boolean }): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

// Loaded on first use, so runs without cache mounts never pay for @actions/cache and the Azure SDK.
const actionsCache = () => import('@actions/cache');

export const ACTIONS_CACHE: CacheClient = {
  isFeatureAvailable: async () => (await actionsCache()).isFeatureAvailable(),
  restoreCache: async (paths, primaryKey, restoreKeys, options) => (await actionsCache()).restoreCache(paths, primaryKey, restoreKeys, options),
  saveCache: async (paths, key) => (await actionsCache()).saveCache(paths, key)
};

/** Runs `docker` with argv and a Dockerfile on stdin; the exec seam by default. */
export type DockerRunner = (args: string[], stdin: string) => Promise<ExecResult>;

const runDocker: DockerRunner = (args, stdin) => execSeam('docker', args, { input: Buffer.from(stdin) });

/** Everything the dance needs; cacheMountRun() derives it from a Config. */
export interface CacheMountRun {
  mounts: CacheMount[];
  /** Why the dance is off although mounts are listed (`no-cache`). */
  disabled?: string;
  /** The builder the legs use: cache mounts live inside it. */
  builder: string;
  /** Image-level part of the cache keys (cache scope prefix + image name). */
  scope: string;
  /** The platforms this job builds (the key's partition). */
  platforms: string[];
  /**
   * Where restored and extracted files sit. Must be the same path in every run: the Actions
   * cache's version is a hash of the paths, so another path never matches.
   */
  workDir: string;
  /** Image with a shell and cp for the helper builds. */
  helperImage: string;
  buildContexts: string[];
  buildArgs: string[];
  network?: string;
  cache: CacheClient;
  docker: DockerRunner;
}

export interface RestoredMount {
  mount: CacheMount;
  keys: CacheMountKeys;
  /** workDir/mount-<id>: restored into, seeded from, extracted to, saved from. */
  dir: string;
  /** The key restored, when there was a hit. */
  restoredKey?: string;
  restored: TreeSummary;
  /** True once the files are in the builder's cache mount. */
  seeded: boolean;
}

export interface RestoredCacheMounts {
  run: CacheMountRun;
  mounts: RestoredMount[];
  /** Why nothing was done (no mounts, no Actions cache here). */
  skipped?: string;
  /** Gives the work directory back to other runs; saveCacheMounts calls it, and so must a run that does not save. */
  release?: () => void;
}

export interface SavedMount {
  id: string;
  /** The key saved under (or that would have been). */
  key?: string;
  saved: boolean;
  /** One line for the log and the report. */
  note: string;
  extracted?: TreeSummary;
}

/** The run for a Config: the pipeline's one-liner. Throws an InputError for a bad `cache-mounts` entry. */
export function cacheMountRun(
  config: Config,
  builder: string,
  platforms: string[],
  opts: { helperImage?: string; cache?: CacheClient; docker?: DockerRunner; workDir?: string } = {}
): CacheMountRun {
  return {
    mounts: parseCacheMounts(config.cacheMounts),
    // The legs would empty every cache mount they use, whatever was seeded (moby/buildkit#1213).
    ...(config.noCache ? { disabled: 'no-cache is set, and BuildKit empties cache mounts on a no-cache build: cache-mounts is skipped' } : {}),
    builder,
    scope: resolveCacheScope(config.imageName, '', config.cacheScopePrefix),
    platforms,
    // The same path every run (the cache's version hashes it); work-lock.ts keeps two runs apart.
    workDir: opts.workDir ?? path.join(config.tempDir, 'multiarch-cache-mounts'),
    helperImage: opts.helperImage ?? DEFAULT_HELPER_IMAGE,
    buildContexts: config.buildContexts,
    buildArgs: config.buildArgs,
    network: config.network,
    cache: opts.cache ?? ACTIONS_CACHE,
    docker: opts.docker ?? runDocker
  };
}

/** Before the legs: restore every mount from the Actions cache and seed the builder with it. Never throws. */
export async function restoreCacheMounts(run: CacheMountRun, log: CacheMountLog): Promise<RestoredCacheMounts> {
  if (run.mounts.length === 0) return { run, mounts: [], skipped: 'no cache-mounts' };
  if (run.disabled) {
    log.info(run.disabled);
    return { run, mounts: [], skipped: run.disabled };
  }
  if (!(await isCacheAvailable(run.cache, log))) {
    const skipped = 'the Actions cache is not available here (no ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL): cache mounts stay in the builder only';
    log.info(skipped);
    return { run, mounts: [], skipped };
  }
  const mounts: RestoredMount[] = run.mounts.map((mount) => ({
    mount,
    keys: resolveCacheMountKeys({ scope: run.scope, id: mount.id, platforms: run.platforms }),
    dir: path.join(run.workDir, mountDirName(mount)),
    restored: EMPTY_TREE,
    seeded: false
  }));
  const lock = acquireWorkDir(run.workDir);
  if ('heldBy' in lock) {
    const skipped = `another multiarch run (pid ${lock.heldBy}) is using ${run.workDir}: cache mounts are not restored or saved by this run`;
    log.warning(skipped);
    return { run, mounts: [], skipped };
  }
  try {
    // Left over from an earlier job on a self-hosted runner; it must not leak into this one.
    fs.rmSync(run.workDir, { recursive: true, force: true });
    fs.mkdirSync(run.workDir, { recursive: true });
  } catch (err) {
    log.warning(`cache mounts: cannot prepare ${run.workDir}: ${(err as Error).message}; building without restored caches`);
    lock.release();
    return { run, mounts, skipped: 'work directory unusable' };
  }

  await Promise.all(
    mounts.map(async (m) => {
      try {
        // A miss, and a cache service that is down, both come back as undefined (@actions/cache logs why).
        m.restoredKey = await run.cache.restoreCache([m.dir], m.keys.partitionPrefix, m.keys.restoreKeys);
        if (m.restoredKey) m.restored = summarizeTree(m.dir);
      } catch (err) {
        log.warning(`cache mount ${m.mount.id}: restore failed: ${(err as Error).message}`);
        m.restoredKey = undefined;
      }
    })
  );

  const toSeed = mounts.filter((m) => m.restoredKey && m.restored.files > 0);
  if (toSeed.length > 0) {
    const dockerfile = seedDockerfile(
      toSeed.map((m) => ({ mount: m.mount, dir: path.basename(m.dir) })),
      run.helperImage
    );
    const args = buildSeedArgs({ ...helperInput(run), context: run.workDir });
    const problem = await runHelper(run, args, dockerfile);
    if (problem) log.warning(`cache mounts: seeding the builder failed, the legs start with whatever the mounts hold: ${problem}`);
    else for (const m of toSeed) m.seeded = true;
  }
  for (const m of mounts) {
    if (!m.restoredKey) log.info(`cache mount ${m.mount.id}: no cache yet (looked for ${m.keys.partitionPrefix}*)`);
    else if (m.restored.files === 0) log.info(`cache mount ${m.mount.id}: restored ${m.restoredKey}, but it holds no files`);
    else log.info(`cache mount ${m.mount.id}: restored ${m.restoredKey} (${m.restored.files} files, ${formatBytes(m.restored.bytes)})${m.seeded ? ', seeded into the builder' : ''}`);
  }
  return { run, mounts, release: lock.release };
}

/**
 * After the legs: copy every mount out of the builder and save it under a key for its content.
 * A mount the build left as restored is not saved again. Never throws; removes workDir.
 */
export async function saveCacheMounts(restored: RestoredCacheMounts, log: CacheMountLog): Promise<SavedMount[]> {
  const { run, mounts } = restored;
  if (restored.skipped || mounts.length === 0) return [];
  try {
    try {
      fs.rmSync(run.workDir, { recursive: true, force: true });
      fs.mkdirSync(run.workDir, { recursive: true });
    } catch (err) {
      log.warning(`cache mounts: cannot prepare ${run.workDir}: ${(err as Error).message}; not saved`);
      return mounts.map((m) => ({ id: m.mount.id, saved: false, note: 'work directory unusable' }));
    }
    const dockerfile = extractDockerfile(
      mounts.map((m) => ({ mount: m.mount, dir: path.basename(m.dir) })),
      run.helperImage
    );
    const args = buildExtractArgs({ ...helperInput(run), dest: run.workDir });
    const problem = await runHelper(run, args, dockerfile);
    if (problem) {
      log.warning(`cache mounts: copying them out of the builder failed, nothing saved: ${problem}`);
      return mounts.map((m) => ({ id: m.mount.id, saved: false, note: 'extraction failed' }));
    }
    const saved = await Promise.all(mounts.map((m) => saveOne(run, m, log)));
    for (const s of saved) log.info(`cache mount ${s.id}: ${s.note}`);
    return saved;
  } finally {
    fs.rmSync(run.workDir, { recursive: true, force: true });
    restored.release?.();
  }
}

async function saveOne(run: CacheMountRun, m: RestoredMount, log: CacheMountLog): Promise<SavedMount> {
  const id = m.mount.id;
  try {
    const extracted = summarizeTree(m.dir);
    if (extracted.files === 0) return { id, saved: false, note: 'empty after the build; nothing to save', extracted };
    const key = cacheMountKey(m.keys, extracted.fingerprint);
    if (key === m.restoredKey) return { id, key, saved: false, note: `unchanged since ${key} was restored; not saved again`, extracted };
    // The key names the content, so a key that exists holds these very files (another job of
    // this run, or a re-run, saved them). Looking first spares a tar of the whole mount that a
    // 409 would throw away, and keeps "already there" apart from "the service failed".
    if ((await run.cache.restoreCache([m.dir], key, [], { lookupOnly: true })) === key) {
      return { id, key, saved: false, note: `${key} is already in the cache; not saved again`, extracted };
    }
    const size = `${extracted.files} files, ${formatBytes(extracted.bytes)}`;
    // -1: the service refused (409: another job saved this key in between) or failed; @actions/cache logged which.
    if ((await run.cache.saveCache([m.dir], key)) === -1) {
      log.warning(`cache mount ${id}: not saved as ${key} (${size}): the cache service refused or failed (see above); the next run starts from an older cache`);
      return { id, key, saved: false, note: `not saved as ${key}: the cache service refused or failed`, extracted };
    }
    return { id, key, saved: true, note: `saved ${key} (${size})`, extracted };
  } catch (err) {
    log.warning(`cache mount ${id}: save failed: ${(err as Error).message}`);
    return { id, saved: false, note: `save failed: ${(err as Error).message}` };
  }
}

async function isCacheAvailable(cache: CacheClient, log: CacheMountLog): Promise<boolean> {
  try {
    return await cache.isFeatureAvailable();
  } catch (err) {
    log.warning(`cache mounts: cannot tell whether the Actions cache is available: ${(err as Error).message}`);
    return false;
  }
}

function helperInput(run: CacheMountRun): HelperBuildInput {
  return { builder: run.builder, buildContexts: run.buildContexts, buildArgs: run.buildArgs, network: run.network, nonce: `${Date.now()}-${randomBytes(4).toString('hex')}` };
}

/** undefined when the helper build succeeded, otherwise the last lines of its output. */
async function runHelper(run: CacheMountRun, args: string[], dockerfile: string): Promise<string | undefined> {
  try {
    const res = await run.docker(args, dockerfile);
    if (res.code === 0) return undefined;
    const text = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(-8).join('\n');
    return text || `docker ${args.slice(0, 2).join(' ')} exited with code ${res.code}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `mount-<id as a key part>`: never `.dockerignore` or anything else the seed context treats specially. */
export function mountDirName(mount: CacheMount): string {
  return `mount-${keyPart(mount.id)}`;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
