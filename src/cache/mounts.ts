/**
 * The `cache-mounts` input: which `RUN --mount=type=cache` directories are carried across runs
 * in the Actions cache. Pure parsing; the restore/seed/extract/save dance is in dance.ts.
 */
import * as path from 'node:path';
import { InputError } from '../input-error.js';

export type CacheSharing = 'shared' | 'private' | 'locked';

/** One cache mount, as the user's Dockerfile declares it. */
export interface CacheMount {
  /**
   * BuildKit's cache id: what `id=` says in the Dockerfile, or else the Dockerfile's `target`,
   * path-cleaned (BuildKit's default: `path.Clean(target)`, before WORKDIR is applied). It must
   * match, or the build mounts another directory.
   */
  id: string;
  target: string;
  /** Kept for the record; sharing decides concurrency, not which directory a mount gets. */
  sharing?: CacheSharing;
  /** The entry as given, for messages. */
  raw: string;
}

const INPUT = 'cache-mounts';
const FORM = 'expected `id=NAME,target=/path` or a bare target path, e.g. `/root/.cache/go-build`';

/**
 * Options whose mounts BuildKit keys by more than the id (uid/gid/mode seed the mount from a
 * per-platform mkdir, from/source from a stage), so a directory seeded here would not be the one
 * the build mounts.
 */
const UNSUPPORTED: Record<string, string> = {
  uid: 'BuildKit keys a cache mount with uid/gid/mode by a per-platform base as well as its id, so it cannot be seeded from outside the build',
  gid: 'BuildKit keys a cache mount with uid/gid/mode by a per-platform base as well as its id, so it cannot be seeded from outside the build',
  mode: 'BuildKit keys a cache mount with uid/gid/mode by a per-platform base as well as its id, so it cannot be seeded from outside the build',
  from: 'a cache mount seeded from a stage or image is keyed by that source, so it cannot be seeded from outside the build',
  source: 'a cache mount seeded from a stage or image is keyed by that source, so it cannot be seeded from outside the build',
  src: 'a cache mount seeded from a stage or image is keyed by that source, so it cannot be seeded from outside the build'
};

/** Parses every entry, or throws an InputError naming the entry and the expected form. */
export function parseCacheMounts(entries: string[]): CacheMount[] {
  const mounts: CacheMount[] = [];
  for (const entry of entries) {
    const raw = entry.trim();
    if (!raw || raw.startsWith('#')) continue;
    const mount = parseCacheMount(raw);
    const twin = mounts.find((m) => m.id === mount.id);
    if (twin) throw new InputError(INPUT, `"${raw}" uses cache id "${mount.id}" again (first in "${twin.raw}"); list each cache id once (${FORM})`);
    mounts.push(mount);
  }
  return mounts;
}

export function parseCacheMount(raw: string): CacheMount {
  if (!raw.includes('=')) {
    if (raw.includes(',') || /\s/.test(raw)) throw new InputError(INPUT, `"${raw}" is not a path (${FORM})`);
    checkId(raw, cleanPath(raw));
    return { id: cleanPath(raw), target: raw, raw };
  }
  const fields: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const i = p.indexOf('=');
    const key = (i < 0 ? p : p.slice(0, i)).trim().toLowerCase();
    const value = i < 0 ? '' : p.slice(i + 1).trim();
    if (key in fields) throw new InputError(INPUT, `"${raw}" sets ${key} twice (${FORM})`);
    fields[key] = value;
  }
  // BuildKit's own spellings of target.
  for (const alias of ['dst', 'destination']) {
    if (fields[alias] !== undefined) {
      if (fields['target'] !== undefined) throw new InputError(INPUT, `"${raw}" sets both target and ${alias} (${FORM})`);
      fields['target'] = fields[alias]!;
      delete fields[alias];
    }
  }
  let sharing: CacheSharing | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id' || key === 'target') continue;
    if (key === 'type') {
      if (value !== 'cache') throw new InputError(INPUT, `"${raw}": only type=cache mounts can be kept (${FORM})`);
    } else if (key === 'sharing') {
      if (value !== 'shared' && value !== 'private' && value !== 'locked') throw new InputError(INPUT, `"${raw}": sharing must be shared, private or locked (${FORM})`);
      sharing = value;
    } else if (key in UNSUPPORTED) {
      throw new InputError(INPUT, `"${raw}": ${key}= is not supported: ${UNSUPPORTED[key]} (${FORM})`);
    } else {
      throw new InputError(INPUT, `"${raw}": unknown option "${key}" (${FORM}; sharing= is also accepted)`);
    }
  }
  const target = fields['target'];
  if (!target) throw new InputError(INPUT, `"${raw}" has no target (${FORM})`);
  const id = fields['id'] === undefined ? cleanPath(target) : fields['id'];
  if (!id) throw new InputError(INPUT, `"${raw}" has an empty id (${FORM})`);
  checkId(raw, id);
  return { id, target, ...(sharing ? { sharing } : {}), raw };
}

/**
 * The id goes into a generated `RUN --mount=` flag: no quoting games, and no `$` (the frontend
 * would expand it there; list the id as the build expands it, e.g. `go-build-amd64`).
 */
function checkId(raw: string, id: string): void {
  if (/[\s,"'$]/.test(id)) throw new InputError(INPUT, `"${raw}": a cache id with whitespace, commas, quotes or $ is not supported (list the id as the build expands it; ${FORM})`);
}

/** Go's path.Clean, which BuildKit applies to a target to make the default id. */
export function cleanPath(p: string): string {
  const normal = path.posix.normalize(p);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}
