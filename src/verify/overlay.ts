/**
 * Overlay semantics for one layer, as a pure function over what has been read of it: which entry
 * answers a path, which symlink in a parent redirects it, and when whiteouts, opaque directories
 * or replaced parents hide everything below. The walker in layers.ts feeds it and acts on it.
 */
import type { TarEntry, TarEntryType } from './tar.js';
import { ancestorsOf, baseName, joinPath, normalizePath, parentOf, resolveLinkTarget } from './paths.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** One entry's header, kept after its data has been skipped. */
export interface IndexedEntry {
  type: TarEntryType;
  linkname: string;
  mode: number;
  size: number;
}

/** What has been seen of one layer; `complete` once its tar has been read to the end. */
export interface LayerIndex {
  entries: Map<string, IndexedEntry>;
  /** Paths whose lower-layer versions a `.wh.` file deletes. */
  whiteouts: Set<string>;
  /** Directories whose lower-layer contents a `.wh..wh..opq` marker hides. */
  opaque: Set<string>;
  complete: boolean;
}

/** How one layer answers a path. */
export type LayerDecision =
  | { kind: 'found'; entry: IndexedEntry }
  /** A parent directory is a symlink: resolve `path` again from the top layer. */
  | { kind: 'redirect'; link: string; target: string; path: string }
  | { kind: 'not-dir'; at: string; entry: IndexedEntry }
  /** Nothing here, and this layer hides the path in every lower layer. */
  | { kind: 'hidden'; by: 'whiteout' | 'opaque' | 'replaced'; at: string }
  | { kind: 'continue' }
  /** Not decided by what has been read so far: read (more of) the layer. */
  | { kind: 'unknown' };

/** An empty index for a layer not read yet. */
export function newLayerIndex(): LayerIndex {
  return { entries: new Map(), whiteouts: new Set(), opaque: new Set(), complete: false };
}

/**
 * Records a tar entry and returns the normalised path it describes, or undefined for whiteouts
 * (which hide a path rather than describe one). A later duplicate overwrites an earlier one, as
 * when the tar is unpacked.
 */
export function recordEntry(index: LayerIndex, entry: TarEntry): string | undefined {
  const path = normalizePath(entry.name);
  const base = baseName(path);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    if (base === OPAQUE_MARKER) index.opaque.add(parentOf(path));
    // Other `.wh..wh.` names are aufs bookkeeping (hardlink dirs), not deletions.
    else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
      index.whiteouts.add(joinPath(parentOf(path), base.slice(WHITEOUT_PREFIX.length)));
    }
    return undefined;
  }
  index.entries.set(path, { type: entry.type, linkname: entry.linkname, mode: entry.mode, size: entry.size });
  return path;
}

/**
 * Decides `path` in one layer. `dirsAbove` holds parents that upper layers define as directories;
 * this function adds this layer's, for the layers below. A non-directory under such a parent was
 * replaced when the upper layer was unpacked, so everything beneath it is gone.
 */
export function decideInLayer(index: LayerIndex, path: string, dirsAbove: Set<string>): LayerDecision {
  let cutoff: LayerDecision | undefined = index.opaque.has('/') ? { kind: 'hidden', by: 'opaque', at: '/' } : undefined;
  for (const dir of ancestorsOf(path)) {
    const entry = index.entries.get(dir);
    if (entry?.type === 'dir') dirsAbove.add(dir);
    else if (entry) {
      if (dirsAbove.has(dir)) return { kind: 'hidden', by: 'replaced', at: dir };
      if (entry.type !== 'symlink') return { kind: 'not-dir', at: dir, entry };
      const rest = path.slice(dir.length);
      const target = resolveLinkTarget(dir, entry.linkname);
      return { kind: 'redirect', link: dir, target: entry.linkname, path: normalizePath(target + rest) };
    }
    if (!cutoff && index.whiteouts.has(dir)) cutoff = { kind: 'hidden', by: 'whiteout', at: dir };
    if (!cutoff && index.opaque.has(dir)) cutoff = { kind: 'hidden', by: 'opaque', at: dir };
  }
  const entry = index.entries.get(path);
  if (entry) return { kind: 'found', entry };
  if (!cutoff && index.whiteouts.has(path)) cutoff = { kind: 'hidden', by: 'whiteout', at: path };
  if (!index.complete) return { kind: 'unknown' };
  return cutoff ?? { kind: 'continue' };
}
